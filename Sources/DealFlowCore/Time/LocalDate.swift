/// A calendar date with no time and no zone: what `close_date` and holidays are.
///
/// Dates are parsed strictly (`2026-02-30` is refused, where a lenient formatter would give March 2)
/// and computed with integer arithmetic on the proleptic Gregorian calendar, so adding days never
/// depends on the machine's locale or zone.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The year, 1 through 9999.
    public let year: Int
    /// The month, 1 through 12.
    public let month: Int
    /// The day of the month, 1 through 28, 29, 30 or 31.
    public let day: Int

    /// Creates a date, or returns `nil` when the day does not exist in that month.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...LocalDate.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (negative before it).
    public init(daysSinceEpoch days: Int) {
        // Howard Hinnant's civil_from_days: exact for every date of the proleptic Gregorian calendar.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Parses exactly `YYYY-MM-DD`, refusing impossible dates such as `2026-02-30`.
    public init?(iso text: some StringProtocol) {
        self.init(iso: Array(text.utf8)[...])
    }

    /// Parses exactly `YYYY-MM-DD` from its UTF-8 bytes (the instant parser reads its date part so, and
    /// a store reads a column's bytes without making a `String`).
    package init?(iso bytes: ArraySlice<UInt8>) {
        let start = bytes.startIndex
        guard bytes.count == 10, bytes[start + 4] == UInt8(ascii: "-"), bytes[start + 7] == UInt8(ascii: "-"),
            let year = LocalDate.digits(bytes[start..<(start + 4)]),
            let month = LocalDate.digits(bytes[(start + 5)..<(start + 7)]),
            let day = LocalDate.digits(bytes[(start + 8)..<(start + 10)])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The day of the week.
    public var weekday: Weekday {
        // 1970-01-01 was a Thursday.
        let index = ((daysSinceEpoch % 7) + 7 + 3) % 7
        return Weekday.allCases[index]
    }

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> LocalDate {
        LocalDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// Whole days from this date to `other` (negative when `other` is earlier).
    public func days(to other: LocalDate) -> Int {
        other.daysSinceEpoch - daysSinceEpoch
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        var text: [UInt8] = []
        text.reserveCapacity(10)
        append(to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// `YYYY-MM-DD` as UTF-8, for callers that build a longer text (instants, stored events).
    func append(to text: inout [UInt8]) {
        LocalDate.appendDigits(year, width: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        LocalDate.appendDigits(month, width: 2, to: &text)
        text.append(UInt8(ascii: "-"))
        LocalDate.appendDigits(day, width: 2, to: &text)
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// The number of days in a month of a year.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Why `YYYY-MM-DD`-shaped text is not a date: `February 2026 has 28 days, not 30`.
    public static func problem(with text: String) -> String {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else {
            return "write dates as YYYY-MM-DD"
        }
        guard (1...12).contains(month) else { return "there is no month \(month)" }
        guard (1...9999).contains(year) else { return "years run from 1 to 9999" }
        return "\(monthNames[month - 1]) \(year) has \(daysInMonth(year: year, month: month)) days, not \(day)"
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]

    /// The value of ASCII decimal digits; `nil` if any byte is not one.
    static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// A non-negative number in decimal, zero-padded to `width` digits (all of them when it has more).
    static func appendDigits(_ value: Int, width: Int, to text: inout [UInt8]) {
        // Before year 1 (date arithmetic can get there): as `pad` always wrote it.
        guard value >= 0 else { return text.append(contentsOf: pad(value, width).utf8) }
        var digits = 1
        var limit = 10
        while value >= limit, digits < 19 {
            digits += 1
            limit &*= 10
        }
        let count = max(digits, width)
        let start = text.count
        text.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        var rest = value
        var position = start + count - 1
        while rest > 0 {
            text[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            position -= 1
        }
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

/// A day of the week, Monday first, as workflow calendars name them (`mon` ... `sun`).
public enum Weekday: String, CaseIterable, Hashable, Sendable {
    case mon, tue, wed, thu, fri, sat, sun
}

/// A time of day to the minute, as in `hours: "09:00-18:00"` or `1 business day at 09:00`.
public struct LocalTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Minutes since midnight, 0 through 1440 (1440 only as the end of a working day, `24:00`).
    public let minutes: Int

    /// Creates a time from hours and minutes; `24:00` is allowed as the end of a day.
    public init?(hour: Int, minute: Int) {
        guard (0...24).contains(hour), (0...59).contains(minute), hour < 24 || minute == 0 else { return nil }
        minutes = hour * 60 + minute
    }

    /// Parses exactly `HH:MM`.
    public init?(text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
            let hour = LocalDate.digits(bytes[0..<2]),
            let minute = LocalDate.digits(bytes[3..<5])
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    /// Seconds since midnight.
    public var seconds: Int { minutes * 60 }

    /// `HH:MM`.
    public var description: String { "\(LocalDate.pad(minutes / 60, 2)):\(LocalDate.pad(minutes % 60, 2))" }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.minutes < rhs.minutes }
}
