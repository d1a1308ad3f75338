import Foundation

/// A workflow's time zone and business calendar: all the date and time arithmetic of the language.
///
/// Use it to turn an instant into the local date and time the workflow sees, a local date and time
/// back into an instant, and to add ``CalendarDuration``s. It never reads the clock.
///
/// **The DST rule.** A local time that does not exist (it falls in a spring-forward gap) moves forward
/// by the length of the gap: 02:30 on the night New York springs forward is 03:30 EDT. A local time
/// that occurs twice (a fall-back overlap) means its first occurrence: 01:30 on the night New York
/// falls back is 01:30 EDT. So a daily item at a local time is due exactly once each day, never
/// skipped and never twice.
public struct ZonedCalendar: Sendable {
    /// The zone local times are read in.
    public let timeZone: TimeZone
    /// Working days, hours and holidays.
    public let business: BusinessCalendar

    /// Creates a calendar for a zone.
    public init(timeZone: TimeZone, business: BusinessCalendar = .standard) {
        self.timeZone = timeZone
        self.business = business
    }

    /// UTC with the standard business calendar.
    public static let utc = ZonedCalendar(timeZone: TimeZone(identifier: "UTC")!)

    private static let secondsPerDay = 86_400

    private func offset(atEpochSecond second: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(second)))
    }

    /// The local date and the seconds since local midnight of an instant.
    public func local(_ instant: Date) -> (date: LocalDate, secondOfDay: Int) {
        let second = Int(instant.timeIntervalSince1970.rounded(.down))
        let local = second + offset(atEpochSecond: second)
        let days = local >= 0 ? local / Self.secondsPerDay : (local - Self.secondsPerDay + 1) / Self.secondsPerDay
        return (LocalDate(daysSinceEpoch: days), local - days * Self.secondsPerDay)
    }

    /// The local date of an instant: what `today` is at that instant.
    public func date(of instant: Date) -> LocalDate { local(instant).date }

    /// The instant a local date and time denote, following the DST rule above.
    public func instant(on date: LocalDate, secondOfDay: Int) -> Date {
        let localSecond = date.daysSinceEpoch * Self.secondsPerDay + secondOfDay
        let before = offset(atEpochSecond: localSecond - Self.secondsPerDay)
        let after = offset(atEpochSecond: localSecond + Self.secondsPerDay)
        var earliest: Int?
        for candidateOffset in Set([before, after]) {
            let candidate = localSecond - candidateOffset
            if offset(atEpochSecond: candidate) == candidateOffset {
                earliest = min(earliest ?? candidate, candidate)
            }
        }
        // No offset reads back to this local time: it is in a gap. The offset in force before the gap
        // gives the instant just as far past the gap's start as the local time was.
        return Date(timeIntervalSince1970: TimeInterval(earliest ?? localSecond - before))
    }

    /// 00:00 of a date in the zone (or the first instant of the day if midnight is in a gap).
    public func startOfDay(_ date: LocalDate) -> Date { instant(on: date, secondOfDay: 0) }

    /// Whole calendar days from the local date of `from` to that of `to`.
    public func daysBetween(_ from: LocalDate, _ to: LocalDate) -> Int { from.days(to: to) }

    /// Working days after `from` up to and including `to` (negative when `to` is earlier): Friday to
    /// the next Monday is 1 on a Monday-to-Friday calendar.
    ///
    /// - Complexity: O(d) in the number of days between the two dates.
    public func businessDaysBetween(_ from: LocalDate, _ to: LocalDate) -> Int {
        let (low, high, sign) = from <= to ? (from, to, 1) : (to, from, -1)
        var count = 0
        var day = low.adding(days: 1)
        while day <= high {
            if business.isWorkday(day) { count += 1 }
            day = day.adding(days: 1)
        }
        return count * sign
    }

    /// A date moved by a duration that counts days (`days`, `weeks`, `business days`), with no time of day.
    ///
    /// `date + N business days` is the Nth working day after the date.
    public func adding(_ duration: CalendarDuration, sign: Int = 1, to date: LocalDate) -> LocalDate {
        switch duration.unit {
        case .days: return date.adding(days: sign * duration.amount)
        case .weeks: return date.adding(days: sign * 7 * duration.amount)
        case .businessDays:
            var result = date
            for _ in 0..<duration.amount { result = business.workday(after: result, step: sign) }
            return result
        case .minutes, .hours, .businessHours:
            preconditionFailure("\(duration) does not count whole days")
        }
    }

    /// An instant moved by a duration.
    ///
    /// Minutes and hours are elapsed time. Days and weeks keep the local time of day (or take the one
    /// of `at HH:MM`). `N business days` is the same local time (or `at`) on the Nth working day after,
    /// counted from the next opening when the start is outside working hours (from the previous
    /// closing when going back). `N business hours` counts working time only.
    public func adding(_ duration: CalendarDuration, sign: Int = 1, to instant: Date) -> Date {
        let fraction = instant.timeIntervalSince1970 - instant.timeIntervalSince1970.rounded(.down)
        switch duration.unit {
        case .minutes: return instant.addingTimeInterval(TimeInterval(sign * 60 * duration.amount))
        case .hours: return instant.addingTimeInterval(TimeInterval(sign * 3600 * duration.amount))
        case .days, .weeks:
            let (date, secondOfDay) = local(instant)
            let target = adding(duration, sign: sign, to: date)
            if let time = duration.timeOfDay { return self.instant(on: target, secondOfDay: time.seconds) }
            return self.instant(on: target, secondOfDay: secondOfDay).addingTimeInterval(fraction)
        case .businessDays:
            var (date, secondOfDay) = local(instant)
            let opening = business.opening.seconds
            let closing = business.closing.seconds
            let inHours = business.isWorkday(date) && secondOfDay >= opening && secondOfDay < closing
            var keepsFraction = true
            if !inHours {
                keepsFraction = false
                if sign > 0 {
                    if !(business.isWorkday(date) && secondOfDay < opening) {
                        date = business.workday(after: date)
                    }
                    secondOfDay = opening
                } else {
                    if !(business.isWorkday(date) && secondOfDay >= closing) {
                        date = business.workday(after: date, step: -1)
                    }
                    secondOfDay = closing
                }
            }
            let target = adding(CalendarDuration(duration.amount, .businessDays), sign: sign, to: date)
            if let time = duration.timeOfDay { return self.instant(on: target, secondOfDay: time.seconds) }
            return self.instant(on: target, secondOfDay: secondOfDay).addingTimeInterval(keepsFraction ? fraction : 0)
        case .businessHours:
            return addingBusinessHours(duration.amount, sign: sign, to: instant)
        }
    }

    private func addingBusinessHours(_ hours: Int, sign: Int, to instant: Date) -> Date {
        var (date, secondOfDay) = local(instant)
        let opening = business.opening.seconds
        let closing = business.closing.seconds
        var remaining = hours * 3600
        if sign > 0 {
            if !business.isWorkday(date) || secondOfDay >= closing {
                date = business.workday(after: date)
                secondOfDay = opening
            } else if secondOfDay < opening {
                secondOfDay = opening
            }
            while remaining > closing - secondOfDay {
                remaining -= closing - secondOfDay
                date = business.workday(after: date)
                secondOfDay = opening
            }
            return self.instant(on: date, secondOfDay: secondOfDay + remaining)
        } else {
            if !business.isWorkday(date) || secondOfDay <= opening {
                date = business.workday(after: date, step: -1)
                secondOfDay = closing
            } else if secondOfDay > closing {
                secondOfDay = closing
            }
            while remaining > secondOfDay - opening {
                remaining -= secondOfDay - opening
                date = business.workday(after: date, step: -1)
                secondOfDay = closing
            }
            return self.instant(on: date, secondOfDay: secondOfDay - remaining)
        }
    }
}
