import Foundation

/// A value in the expression language and in a deal's fields.
///
/// Decimals are exact (``ExactDecimal``, never `Double`), dates are calendar dates, datetimes
/// are instants. `null` is a field that is not set.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case decimal(ExactDecimal)
    case string(String)
    case date(LocalDate)
    case datetime(Date)
    case duration(CalendarDuration)
    case list([Value])

    /// Whether the value is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as an expression would write it: strings quoted, dates as `2026-01-31`, datetimes as
    /// ISO 8601 in UTC. Blockers use it to show the values a guard saw.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .decimal(let value): return value.description
        case .string(let value): return Value.quoted(value)
        case .date(let value): return value.description
        case .datetime(let value): return DateTimeFormat.iso8601(value)
        case .duration(let value): return value.description
        case .list(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// A string in double quotes, with quotes, backslashes and control characters escaped.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// Strict ISO 8601 reading and writing of instants.
public enum DateTimeFormat {
    /// `2026-01-05T10:00:00Z`: an instant in UTC, to the second (with milliseconds when it has them).
    public static func iso8601(_ instant: Date) -> String {
        let (date, secondOfDay) = ZonedCalendar.utc.local(instant)
        let fraction = instant.timeIntervalSince1970 - instant.timeIntervalSince1970.rounded(.down)
        let millis = Int((fraction * 1000).rounded())
        // Built as bytes: every stored event, history row and due item renders instants.
        var text: [UInt8] = []
        text.reserveCapacity(24)
        date.append(to: &text)
        text.append(UInt8(ascii: "T"))
        LocalDate.appendDigits(secondOfDay / 3600, width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        LocalDate.appendDigits(secondOfDay / 60 % 60, width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        LocalDate.appendDigits(secondOfDay % 60, width: 2, to: &text)
        if millis > 0 && millis < 1000 {
            text.append(UInt8(ascii: "."))
            LocalDate.appendDigits(millis, width: 3, to: &text)
        }
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// An offset from UTC as `±HH:MM`: `-05:00` for New York in winter, `+05:30` for Kolkata.
    public static func offset(seconds: Int) -> String {
        var text: [UInt8] = [seconds < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")]
        LocalDate.appendDigits(abs(seconds) / 3600, width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        LocalDate.appendDigits(abs(seconds) / 60 % 60, width: 2, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z` or an offset `±HH:MM`; refuses anything else,
    /// including impossible dates and times.
    public static func parse(_ text: String) -> Date? {
        // Over UTF-8 bytes: every character that counts is ASCII, and any other byte fails a check.
        let bytes = Array(text.utf8)
        func byte(_ index: Int) -> UInt8 { bytes[index] }
        guard bytes.count >= 17,
            byte(10) == UInt8(ascii: "T") || byte(10) == UInt8(ascii: "t") || byte(10) == UInt8(ascii: " "),
            let date = LocalDate(iso: bytes[0..<10]),
            byte(13) == UInt8(ascii: ":"),
            let hour = LocalDate.digits(bytes[11..<13]), let minute = LocalDate.digits(bytes[14..<16]),
            hour < 24, minute < 60
        else { return nil }
        var position = 16
        var second = 0
        var fraction = 0.0
        if position < bytes.count, byte(position) == UInt8(ascii: ":") {
            guard position + 3 <= bytes.count, let value = LocalDate.digits(bytes[(position + 1)..<(position + 3)]),
                value < 60
            else { return nil }
            second = value
            position += 3
            if position < bytes.count, byte(position) == UInt8(ascii: ".") {
                var end = position + 1
                while end < bytes.count, byte(end) >= UInt8(ascii: "0") && byte(end) <= UInt8(ascii: "9") { end += 1 }
                guard end > position + 1, end - position - 1 <= 9,
                    let digits = Double(String(decoding: bytes[position..<end], as: UTF8.self))
                else { return nil }
                fraction = digits
                position = end
            }
        }
        guard position < bytes.count else { return nil }
        var offset = 0
        switch byte(position) {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard position + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard position + 6 == bytes.count, byte(position + 3) == UInt8(ascii: ":"),
                let offsetHours = LocalDate.digits(bytes[(position + 1)..<(position + 3)]),
                let offsetMinutes = LocalDate.digits(bytes[(position + 4)..<(position + 6)]),
                offsetHours <= 18, offsetMinutes < 60
            else { return nil }
            offset = (offsetHours * 3600 + offsetMinutes * 60) * (byte(position) == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        let seconds = date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
    }
}
