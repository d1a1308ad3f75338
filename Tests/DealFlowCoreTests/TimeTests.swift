import DealFlowCore
import Foundation
import Testing

private func zone(_ name: String) -> TimeZone { TimeZone(identifier: name)! }
private func instant(_ text: String) -> Date { DateTimeFormat.parse(text)! }
private func date(_ text: String) -> LocalDate { LocalDate(iso: text)! }

@Suite("Calendar dates")
struct LocalDateTests {
    @Test(arguments: [
        "2026-02-29", "2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10", "26-01-01", "2026-1-01", "2026-01-01x",
        "", "２０２６-01-01", "2026-0١-01", "2026–01–01",
    ])
    func refusesWhatIsNotADate(_ text: String) {
        #expect(LocalDate(iso: text) == nil)
    }

    @Test(arguments: [
        ("2028-02-29", 1, "2028-03-01"), ("2026-01-31", 1, "2026-02-01"), ("2026-01-31", 30, "2026-03-02"),
        ("2026-12-31", 1, "2027-01-01"), ("2026-03-01", -1, "2026-02-28"), ("1970-01-01", -1, "1969-12-31"),
    ])
    func addsDaysAcrossMonthAndYearEnds(_ start: String, _ days: Int, _ expected: String) {
        #expect(date(start).adding(days: days).description == expected)
    }

    @Test func knowsTheWeekday() {
        #expect(date("2026-11-23").weekday == .mon)
        #expect(date("2026-12-25").weekday == .fri)
        #expect(date("1970-01-01").weekday == .thu)
        #expect(date("1969-12-28").weekday == .sun)
    }

    @Test func roundTripsEveryDayOfFourHundredYears() {
        var day = date("2000-01-01")
        for _ in 0..<(146_097) {
            #expect(LocalDate(daysSinceEpoch: day.daysSinceEpoch) == day)
            day = day.adding(days: 1)
        }
        #expect(day == date("2400-01-01"))
    }

    @Test func readsDatetimesStrictly() {
        #expect(DateTimeFormat.parse("2026-01-05T10:00:00Z") == Date(timeIntervalSince1970: 1_767_607_200))
        #expect(DateTimeFormat.parse("2026-01-05T05:00-05:00") == Date(timeIntervalSince1970: 1_767_607_200))
        #expect(DateTimeFormat.parse("2026-01-05T10:00:00") == nil)
        #expect(DateTimeFormat.parse("2026-02-30T10:00:00Z") == nil)
        #expect(DateTimeFormat.parse("2026-01-05T24:00:00Z") == nil)
        #expect(DateTimeFormat.parse("2026-01-05 10:00:30.25Z") == Date(timeIntervalSince1970: 1_767_607_230.25))
        #expect(DateTimeFormat.parse("2026-01-05t10:00+01:30") == Date(timeIntervalSince1970: 1_767_601_800))
        for refused in [
            "2026-01-05T10:00:00.Z", "2026-01-05T10:00:00.1234567890Z", "2026-01-05T10:00+1:30", "2026-01-05T10:00Zx",
            "2026-01-05T10:60Z", "2026-01-05T10:00:60Z", "2026-01-05T10:00+19:00", "2026-01-05T1０:00Z",
            "2026-01-05T10:00−05:00", "2026-01-05T10:00",
        ] {
            #expect(DateTimeFormat.parse(refused) == nil, "\(refused)")
        }
        #expect(DateTimeFormat.iso8601(Date(timeIntervalSince1970: 1_767_607_200)) == "2026-01-05T10:00:00Z")
    }
}

@Suite("Durations")
struct CalendarDurationTests {
    @Test(arguments: [
        ("30 minutes", CalendarDuration(30, .minutes)), ("4 hours", CalendarDuration(4, .hours)),
        ("2 days", CalendarDuration(2, .days)), ("1 week", CalendarDuration(1, .weeks)),
        ("3 business days", CalendarDuration(3, .businessDays)),
        ("4 business hours", CalendarDuration(4, .businessHours)),
        ("30m", CalendarDuration(30, .minutes)), ("4h", CalendarDuration(4, .hours)),
        ("2d", CalendarDuration(2, .days)),
        ("1w", CalendarDuration(1, .weeks)), ("1 day", CalendarDuration(1, .days)),
        ("1 business day at 09:00", CalendarDuration(1, .businessDays, at: LocalTime(hour: 9, minute: 0))),
        ("2 days at 17:30", CalendarDuration(2, .days, at: LocalTime(hour: 17, minute: 30))),
        ("  5  days  ", CalendarDuration(5, .days)),
    ])
    func parses(_ text: String, _ expected: CalendarDuration) throws {
        #expect(try CalendarDuration.parse(text).get() == expected)
    }

    @Test(arguments: [
        (
            "7 dayz",
            "'7 dayz' is not a duration: unknown unit 'dayz' (did you mean 'days'?); units are minutes, hours, days, weeks, business days and business hours (short forms m, h, d, w)"
        ),
        (
            "days",
            "'days' is not a duration: write a number and a unit, for example '30 days', '4 business hours' or '2d'"
        ),
        (
            "30",
            "'30' is not a duration: no unit; units are minutes, hours, days, weeks, business days and business hours (short forms m, h, d, w)"
        ),
        ("4 hours at 09:00", "'at HH:MM' only applies to days, weeks and business days, not to hours"),
        ("1 day at 9am", "'at' must be followed by a time of day written HH:MM (for example 'at 09:00'), not '9'"),
        (
            "1 day at 25:00",
            "'at' must be followed by a time of day written HH:MM (for example 'at 09:00'), not '25:00'"
        ),
        ("2 days later", "unexpected 'later' after the duration '2 days'"),
        ("100001 days", "a duration may count at most 100000 units"),
        (
            "3 bussiness days",
            "'3 bussiness days' is not a duration: unknown unit 'bussiness days' (did you mean 'business days'?); units are minutes, hours, days, weeks, business days and business hours (short forms m, h, d, w)"
        ),
        (
            "4 busines hours",
            "'4 busines hours' is not a duration: unknown unit 'busines hours' (did you mean 'business hours'?); units are minutes, hours, days, weeks, business days and business hours (short forms m, h, d, w)"
        ),
    ])
    func explainsWhatIsWrong(_ text: String, _ message: String) {
        guard case .failure(let error) = CalendarDuration.parse(text) else {
            Issue.record("'\(text)' parsed")
            return
        }
        #expect(error.message == message)
    }

    @Test func printsCanonically() {
        #expect(
            CalendarDuration(1, .businessDays, at: LocalTime(hour: 9, minute: 0)).description
                == "1 business day at 09:00"
        )
        #expect(CalendarDuration(30, .minutes).description == "30 minutes")
    }
}

@Suite("Time zones and the DST rule")
struct ZonedCalendarTests {
    // A daily item at 01:30, 02:30 and 09:00 local time on the nights the clocks change. 02:30 falls
    // in both spring-forward gaps and in Madrid's fall-back overlap; 01:30 in New York's overlap.
    @Test(arguments: [
        ("America/New_York", "2026-03-08", 1, 30, "2026-03-08T06:30:00Z"),  // EST
        ("America/New_York", "2026-03-08", 2, 30, "2026-03-08T07:30:00Z"),  // gap: 03:30 EDT
        ("America/New_York", "2026-03-08", 9, 0, "2026-03-08T13:00:00Z"),  // EDT
        ("America/New_York", "2026-11-01", 1, 30, "2026-11-01T05:30:00Z"),  // overlap: the first, EDT
        ("America/New_York", "2026-11-01", 2, 30, "2026-11-01T07:30:00Z"),  // EST
        ("America/New_York", "2026-11-01", 9, 0, "2026-11-01T14:00:00Z"),  // EST
        ("Europe/Madrid", "2026-03-29", 1, 30, "2026-03-29T00:30:00Z"),  // CET
        ("Europe/Madrid", "2026-03-29", 2, 30, "2026-03-29T01:30:00Z"),  // gap: 03:30 CEST
        ("Europe/Madrid", "2026-03-29", 9, 0, "2026-03-29T07:00:00Z"),  // CEST
        ("Europe/Madrid", "2026-10-25", 1, 30, "2026-10-24T23:30:00Z"),  // CEST
        ("Europe/Madrid", "2026-10-25", 2, 30, "2026-10-25T00:30:00Z"),  // overlap: the first, CEST
        ("Europe/Madrid", "2026-10-25", 9, 0, "2026-10-25T08:00:00Z"),  // CET
    ])
    func resolvesLocalTimes(_ zoneName: String, _ day: String, _ hour: Int, _ minute: Int, _ expected: String) {
        let calendar = ZonedCalendar(timeZone: zone(zoneName))
        let resolved = calendar.instant(on: date(day), secondOfDay: hour * 3600 + minute * 60)
        #expect(DateTimeFormat.iso8601(resolved) == expected)
    }

    @Test(arguments: ["America/New_York", "Europe/Madrid"], [90, 150, 540])
    func aDailyLocalTimeHappensExactlyOnceEachDay(_ zoneName: String, _ minuteOfDay: Int) {
        let calendar = ZonedCalendar(timeZone: zone(zoneName))
        var previous: Date?
        var day = date("2026-03-01")
        while day <= date("2026-11-10") {
            let due = calendar.instant(on: day, secondOfDay: minuteOfDay * 60)
            #expect(calendar.date(of: due) == day, "the item of \(day) falls on another day")
            if let previous { #expect(due > previous, "\(day) is not after the day before") }
            previous = due
            day = day.adding(days: 1)
        }
    }

    @Test func todayDependsOnTheZone() {
        let now = instant("2026-02-01T03:00:00Z")
        #expect(ZonedCalendar(timeZone: zone("America/Bogota")).date(of: now) == date("2026-01-31"))
        #expect(ZonedCalendar(timeZone: zone("Europe/Madrid")).date(of: now) == date("2026-02-01"))
    }

    @Test func daysKeepTheLocalTimeAcrossDST() {
        let calendar = ZonedCalendar(timeZone: zone("America/New_York"))
        let start = instant("2026-03-07T14:00:00Z")  // 09:00 EST
        #expect(
            DateTimeFormat.iso8601(calendar.adding(CalendarDuration(1, .days), to: start)) == "2026-03-08T13:00:00Z"
        )
        #expect(
            DateTimeFormat.iso8601(calendar.adding(CalendarDuration(24, .hours), to: start)) == "2026-03-08T14:00:00Z"
        )
    }
}

@Suite("Business days and hours")
struct BusinessTimeTests {
    // The b2b-sales calendar: Bogotá (UTC-5, no DST), Monday to Friday, 08:00-18:00,
    // holidays on 2026-12-08 (Tuesday) and 2026-12-25 (Friday).
    let calendar = ZonedCalendar(
        timeZone: zone("America/Bogota"),
        business: BusinessCalendar(
            workdays: [.mon, .tue, .wed, .thu, .fri],
            opening: LocalTime(hour: 8, minute: 0)!,
            closing: LocalTime(hour: 18, minute: 0)!,
            holidays: [date("2026-12-08"), date("2026-12-25")]
        )
    )

    @Test(arguments: [
        // Thursday 10:00 before a Friday holiday: the next business day is Monday.
        ("2026-12-24T15:00:00Z", CalendarDuration(1, .businessDays), "2026-12-28T15:00:00Z"),
        // Friday 20:00 is after hours: counted from Monday's opening, then one day on, skipping Tuesday's holiday.
        ("2026-12-05T01:00:00Z", CalendarDuration(1, .businessDays), "2026-12-09T13:00:00Z"),
        // `at` sets the local time of the resulting day.
        (
            "2026-12-04T15:00:00Z", CalendarDuration(1, .businessDays, at: LocalTime(hour: 9, minute: 0)),
            "2026-12-07T14:00:00Z"
        ),
        // Friday 17:00 plus 4 business hours: one on Friday, three on Monday.
        ("2026-12-04T22:00:00Z", CalendarDuration(4, .businessHours), "2026-12-07T16:00:00Z"),
        // Saturday counts from Monday's opening.
        ("2026-12-05T15:00:00Z", CalendarDuration(2, .businessHours), "2026-12-07T15:00:00Z"),
        // Monday 17:00 plus 2: one hour on Monday, Tuesday is a holiday, one on Wednesday.
        ("2026-12-07T22:00:00Z", CalendarDuration(2, .businessHours), "2026-12-09T14:00:00Z"),
        // A full day ends at closing time, not the next morning.
        ("2026-12-07T13:00:00Z", CalendarDuration(10, .businessHours), "2026-12-07T23:00:00Z"),
        // Three business days from Wednesday cross the weekend.
        ("2026-12-02T15:00:00Z", CalendarDuration(3, .businessDays), "2026-12-07T15:00:00Z"),
    ])
    func addsBusinessTime(_ start: String, _ duration: CalendarDuration, _ expected: String) {
        #expect(DateTimeFormat.iso8601(calendar.adding(duration, to: instant(start))) == expected)
    }

    @Test func subtractsBusinessTime() {
        #expect(
            calendar.adding(CalendarDuration(1, .businessDays), sign: -1, to: date("2026-12-28")) == date("2026-12-24")
        )
        #expect(
            calendar.adding(CalendarDuration(2, .businessDays), sign: -1, to: date("2026-12-09")) == date("2026-12-04")
        )
        // Monday 09:00 minus 2 business hours: one on Monday, one on Friday before closing.
        #expect(
            DateTimeFormat.iso8601(
                calendar.adding(CalendarDuration(2, .businessHours), sign: -1, to: instant("2026-12-07T14:00:00Z"))
            )
                == "2026-12-04T22:00:00Z"
        )
    }

    @Test func countsBusinessDaysBetweenDates() {
        #expect(calendar.businessDaysBetween(date("2026-12-04"), date("2026-12-07")) == 1)
        #expect(calendar.businessDaysBetween(date("2026-12-07"), date("2026-12-09")) == 1)
        #expect(calendar.businessDaysBetween(date("2026-12-09"), date("2026-12-07")) == -1)
        #expect(calendar.businessDaysBetween(date("2026-12-01"), date("2026-12-31")) == 20)
        #expect(calendar.businessDaysBetween(date("2026-12-01"), date("2026-12-01")) == 0)
    }

    @Test func datesPlusBusinessDaysStayDates() {
        #expect(calendar.adding(CalendarDuration(1, .businessDays), to: date("2026-12-05")) == date("2026-12-07"))
        #expect(calendar.adding(CalendarDuration(1, .businessDays), to: date("2026-12-07")) == date("2026-12-09"))
    }
}
