import DealFlowCore
import Foundation
import Testing

@testable import DealFlowAnalytics

/// The fast local dates and working-day counts agree with the calendar's own, across daylight saving
/// time, half-hour zones and holidays.
@Suite struct CalendarDaysTests {
    @Test(arguments: ["America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"])
    func agreesWithTheZonedCalendar(_ zone: String) {
        let business = BusinessCalendar(
            workdays: [.mon, .tue, .wed, .thu, .fri],
            opening: LocalTime(hour: 9, minute: 0)!,
            closing: LocalTime(hour: 17, minute: 0)!,
            holidays: [LocalDate(iso: "2026-03-09")!, LocalDate(iso: "2026-03-14")!, LocalDate(iso: "2026-11-26")!]
        )
        let calendar = ZonedCalendar(timeZone: TimeZone(identifier: zone)!, business: business)
        var days = CalendarDays(calendar)
        var random = SystemRandomNumberGenerator()
        let start = DateTimeFormat.parse("2026-01-01T00:00:00Z")!.timeIntervalSince1970
        for _ in 0..<5_000 {
            let a = Date(timeIntervalSince1970: start + Double(Int.random(in: 0..<(366 * 86_400), using: &random)))
            let b = a.addingTimeInterval(Double(Int.random(in: 0..<(90 * 86_400), using: &random)))
            #expect(days.date(of: a) == calendar.date(of: a), "\(a) in \(zone)")
            let (from, to) = (calendar.date(of: a), calendar.date(of: b))
            #expect(
                days.workdays(after: from, through: to) == calendar.businessDaysBetween(from, to),
                "\(from) to \(to)"
            )
        }
    }
}
