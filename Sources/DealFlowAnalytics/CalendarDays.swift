import DealFlowCore
import Foundation

/// Local dates and working-day counts for many instants, quickly: a report over a million history
/// entries asks for two local dates per stage visit, and Foundation's zone lookup costs about a
/// microsecond each.
///
/// Gives the same answers as ``ZonedCalendar/date(of:)`` and ``ZonedCalendar/businessDaysBetween(_:_:)``.
struct CalendarDays {
    let calendar: ZonedCalendar
    /// The zone's offset by UTC hour, for hours with one offset throughout (almost all of them).
    private var offsetByHour: [Int: Int] = [:]
    /// Whether each weekday (Monday first) is a working day.
    private let isWorkday: [Bool]
    private let workdaysPerWeek: Int
    /// The holidays that fall on working days, as days since 1970, sorted.
    private let holidays: [Int]

    init(_ calendar: ZonedCalendar) {
        self.calendar = calendar
        let workdays = Weekday.allCases.map { calendar.business.workdays.contains($0) }
        isWorkday = workdays
        workdaysPerWeek = workdays.filter { $0 }.count
        holidays = calendar.business.holidays.filter { calendar.business.workdays.contains($0.weekday) }
            .map(\.daysSinceEpoch).sorted()
    }

    /// The local date of an instant.
    mutating func date(of instant: Date) -> LocalDate { LocalDate(daysSinceEpoch: day(of: instant)) }

    /// The local date of an instant as days since 1970-01-01.
    mutating func day(of instant: Date) -> Int {
        let second = Int(instant.timeIntervalSince1970.rounded(.down))
        let hour = second >= 0 ? second / 3600 : (second - 3599) / 3600
        let offset: Int
        if let cached = offsetByHour[hour] {
            offset = cached
        } else {
            let start = calendar.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(hour * 3600)))
            let end = calendar.timeZone.secondsFromGMT(
                for: Date(timeIntervalSince1970: TimeInterval(hour * 3600 + 3599))
            )
            if start == end { offsetByHour[hour] = start }
            offset = start == end ? start : calendar.timeZone.secondsFromGMT(for: instant)
        }
        let local = second + offset
        return local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not later).
    func workdays(after from: LocalDate, through to: LocalDate) -> Int {
        workdays(afterDay: from.daysSinceEpoch, throughDay: to.daysSinceEpoch)
    }

    /// Working days after day `from` up to and including day `to` (days since 1970; 0 when `to` is
    /// not later).
    ///
    /// - Complexity: O(log h) in the number of holidays.
    func workdays(afterDay from: Int, throughDay to: Int) -> Int {
        let first = from + 1
        let last = to
        guard last >= first else { return 0 }
        let days = last - first + 1
        var count = days / 7 * workdaysPerWeek
        // 1970-01-01 (day 0) was a Thursday: index 3 with Monday as 0.
        var weekday = ((first % 7) + 7 + 3) % 7
        for _ in 0..<(days % 7) {
            if isWorkday[weekday] { count += 1 }
            weekday = (weekday + 1) % 7
        }
        return count
            - (Self.firstIndex(in: holidays, notBefore: last + 1) - Self.firstIndex(in: holidays, notBefore: first))
    }

    private static func firstIndex(in sorted: [Int], notBefore value: Int) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
