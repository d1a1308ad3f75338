/// When a team works: the days of the week, the opening hours, and the holidays.
///
/// `business days` and `business hours` durations count on it, in the workflow's time zone. A workflow
/// without a `calendar:` section uses ``standard``: Monday to Friday, 09:00 to 17:00, no holidays.
public struct BusinessCalendar: Hashable, Sendable {
    /// The working days of the week.
    public var workdays: Set<Weekday>
    /// When a working day starts, local time.
    public var opening: LocalTime
    /// When a working day ends, local time (after `opening`).
    public var closing: LocalTime
    /// Days off, as calendar dates in the workflow's zone.
    public var holidays: Set<LocalDate>

    /// Creates a calendar.
    public init(workdays: Set<Weekday>, opening: LocalTime, closing: LocalTime, holidays: Set<LocalDate> = []) {
        self.workdays = workdays
        self.opening = opening
        self.closing = closing
        self.holidays = holidays
    }

    /// Monday to Friday, 09:00 to 17:00, no holidays.
    public static let standard = BusinessCalendar(
        workdays: [.mon, .tue, .wed, .thu, .fri],
        opening: LocalTime(hour: 9, minute: 0)!,
        closing: LocalTime(hour: 17, minute: 0)!
    )

    /// Whether a date is a working day: a workday of the week and not a holiday.
    public func isWorkday(_ date: LocalDate) -> Bool {
        workdays.contains(date.weekday) && !holidays.contains(date)
    }

    /// The next working day strictly after `date` (strictly before it when `step` is -1).
    ///
    /// - Complexity: O(k) where k is the number of days skipped; the holidays are a finite set and at
    ///   least one workday exists (the validator refuses an empty `workdays`), so it terminates.
    public func workday(after date: LocalDate, step: Int = 1) -> LocalDate {
        precondition(!workdays.isEmpty, "a business calendar needs at least one workday")
        var candidate = date.adding(days: step)
        while !isWorkday(candidate) { candidate = candidate.adding(days: step) }
        return candidate
    }
}
