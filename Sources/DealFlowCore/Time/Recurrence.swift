import Foundation

/// The instants of a repeating timer (`every:`): its first instant, the anchor, and one every interval
/// after it.
///
/// Each occurrence is computed from the anchor, never from the occurrence before it, so that a time of
/// day moved by a DST gap on one night does not stay moved: `every: 1 day at 02:30` is 02:30 local on
/// every day, 03:30 only on the night the clocks spring forward. Minutes and hours are elapsed time;
/// days and weeks keep the anchor's local time of day (or the interval's `at HH:MM`); business days
/// step over non-working days; business hours count working time only.
///
/// ```swift
/// let daily = Recurrence(anchor: firstDue, every: CalendarDuration(1, .days, at: LocalTime(hour: 9, minute: 0)))
/// let next = daily.next(after: now, following: 0, in: calendar)   // coalesces the ones missed meanwhile
/// ```
public struct Recurrence: Hashable, Sendable {
    /// The first occurrence, number 0.
    public var anchor: Date
    /// The interval.
    public var every: CalendarDuration

    /// Creates a recurrence.
    public init(anchor: Date, every: CalendarDuration) {
        self.anchor = anchor
        self.every = every
    }

    /// Occurrence number `index` (0 is the anchor).
    ///
    /// - Complexity: O(1) for minutes, hours, days and weeks; O(`index`) business days or hours.
    public func occurrence(_ index: Int, in calendar: ZonedCalendar) -> Date {
        guard index > 0 else { return anchor }
        switch every.unit {
        case .minutes, .hours:
            return anchor.addingTimeInterval(TimeInterval(index) * elapsedSeconds)
        case .days, .weeks:
            let (date, secondOfDay) = calendar.local(anchor)
            let days = index * every.amount * (every.unit == .weeks ? 7 : 1)
            return instant(on: date.adding(days: days), anchorSecond: secondOfDay, in: calendar)
        case .businessDays:
            var (date, secondOfDay) = calendar.local(anchor)
            for _ in 0..<(index * every.amount) { date = calendar.business.workday(after: date) }
            return instant(on: date, anchorSecond: secondOfDay, in: calendar)
        case .businessHours:
            return calendar.adding(CalendarDuration(index * every.amount, .businessHours), to: anchor)
        }
    }

    /// The first occurrence after `instant` whose number is above `index`: where a repeating timer goes
    /// once occurrence `index` has fired. Occurrences missed meanwhile (the scheduler was down) are
    /// skipped, so a repeating timer fires once for all of them.
    ///
    /// - Complexity: O(1) for elapsed units and O(days) for calendar units in the gap from `index` to
    ///   `instant`.
    public func next(after instant: Date, following index: Int, in calendar: ZonedCalendar) -> (index: Int, at: Date) {
        var candidate = index + 1
        switch every.unit {
        case .minutes, .hours:
            let elapsed = instant.timeIntervalSince(anchor)
            candidate = max(candidate, Int((elapsed / elapsedSeconds).rounded(.down)))
        case .days, .weeks:
            let days = calendar.daysBetween(calendar.date(of: anchor), calendar.date(of: instant))
            let step = every.amount * (every.unit == .weeks ? 7 : 1)
            candidate = max(candidate, days / step - 1)
        case .businessDays, .businessHours:
            // Step by step from the last one fired: no closed form over holidays.
            var at = occurrence(candidate, in: calendar)
            while at <= instant {
                candidate += 1
                at = stepped(from: at, in: calendar)
            }
            return (candidate, at)
        }
        var at = occurrence(candidate, in: calendar)
        while at <= instant {
            candidate += 1
            at = occurrence(candidate, in: calendar)
        }
        return (candidate, at)
    }

    private var elapsedSeconds: TimeInterval {
        TimeInterval(every.amount * (every.unit == .minutes ? 60 : 3600))
    }

    private func instant(on date: LocalDate, anchorSecond: Int, in calendar: ZonedCalendar) -> Date {
        if let time = every.timeOfDay { return calendar.instant(on: date, secondOfDay: time.seconds) }
        let fraction = anchor.timeIntervalSince1970 - anchor.timeIntervalSince1970.rounded(.down)
        return calendar.instant(on: date, secondOfDay: anchorSecond).addingTimeInterval(fraction)
    }

    /// The occurrence after `previous`, for the units that must be walked one interval at a time.
    private func stepped(from previous: Date, in calendar: ZonedCalendar) -> Date {
        switch every.unit {
        case .businessDays:
            var date = calendar.local(previous).date
            for _ in 0..<every.amount { date = calendar.business.workday(after: date) }
            return instant(on: date, anchorSecond: calendar.local(anchor).secondOfDay, in: calendar)
        default:
            return calendar.adding(CalendarDuration(every.amount, every.unit), to: previous)
        }
    }
}
