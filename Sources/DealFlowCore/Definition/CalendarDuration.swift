/// A length of time as workflows write it: `30 minutes`, `2 days`, `3 business days at 09:00`, `4h`.
///
/// Minutes and hours are elapsed time. Days and weeks are calendar days in the workflow's zone (the
/// same local time, across DST). Business days and hours follow the workflow's ``BusinessCalendar``.
/// `at HH:MM` sets the local time of day on the resulting day; it only makes sense with day units.
/// ``ZonedCalendar`` does the arithmetic.
public struct CalendarDuration: Hashable, Sendable, CustomStringConvertible {
    /// The unit a duration counts in.
    public enum Unit: String, Hashable, Sendable, CaseIterable {
        case minutes, hours, days, weeks, businessDays, businessHours

        /// Whether the unit counts whole days, so that `at HH:MM` applies and a date plus it is a date.
        public var countsDays: Bool { self == .days || self == .weeks || self == .businessDays }

        var singular: String {
            switch self {
            case .minutes: "minute"
            case .hours: "hour"
            case .days: "day"
            case .weeks: "week"
            case .businessDays: "business day"
            case .businessHours: "business hour"
            }
        }
    }

    /// The largest amount a duration may count, so that calendar arithmetic stays bounded.
    public static let maximumAmount = 100_000

    /// How many units (never negative; subtraction applies the sign).
    public var amount: Int
    /// What is counted.
    public var unit: Unit
    /// The local time of day on the resulting day, from `at HH:MM`.
    public var timeOfDay: LocalTime?

    /// Creates a duration.
    public init(_ amount: Int, _ unit: Unit, at timeOfDay: LocalTime? = nil) {
        self.amount = amount
        self.unit = unit
        self.timeOfDay = timeOfDay
    }

    /// The canonical spelling, for example `1 business day at 09:00` or `30 minutes`.
    public var description: String {
        let unitName = amount == 1 ? unit.singular : unit.singular + "s"
        let time = timeOfDay.map { " at \($0)" } ?? ""
        return "\(amount) \(unitName)\(time)"
    }

    /// Parses a whole duration such as `3 business days at 09:00` or `2d`.
    ///
    /// The error is one sentence naming the text and what is wrong with it.
    public static func parse(_ text: String) -> Result<CalendarDuration, DurationSyntaxError> {
        var scanner = DurationScanner(Array(text.unicodeScalars))
        scanner.skipSpaces()
        let parsed = scanner.scanDuration()
        switch parsed {
        case .failure(let error): return .failure(error)
        case .success(let duration):
            scanner.skipSpaces()
            guard scanner.isAtEnd else {
                return .failure(
                    DurationSyntaxError("unexpected '\(scanner.rest)' after the duration '\(duration)'")
                )
            }
            return .success(duration)
        }
    }

    /// The unit a word names: long forms after a space (`days`, `business hours`), short forms
    /// (`m`, `h`, `d`, `w`) written right after the number.
    static func unit(longName: String) -> Unit? {
        switch longName {
        case "minute", "minutes", "min", "mins": .minutes
        case "hour", "hours": .hours
        case "day", "days": .days
        case "week", "weeks": .weeks
        default: nil
        }
    }

    static func unit(shortName: String) -> Unit? {
        switch shortName {
        case "m": .minutes
        case "h": .hours
        case "d": .days
        case "w": .weeks
        default: nil
        }
    }

    /// Every spelling of a unit, for suggestions.
    static let unitSpellings = [
        "minutes", "hours", "days", "weeks", "business days", "business hours", "minute", "hour", "day", "week",
        "business day", "business hour",
    ]
}

/// Why a duration could not be read.
public struct DurationSyntaxError: Error, Hashable, Sendable {
    /// One sentence naming the problem.
    public var message: String
    /// How many characters into the text the problem starts.
    public var offset: Int

    init(_ message: String, offset: Int = 0) {
        self.message = message
        self.offset = offset
    }
}

/// Reads `<number> <unit> [at HH:MM]` from a run of scalars; the expression lexer shares it.
struct DurationScanner {
    let scalars: [Unicode.Scalar]
    var position: Int

    init(_ scalars: [Unicode.Scalar], position: Int = 0) {
        self.scalars = scalars
        self.position = position
    }

    var isAtEnd: Bool { position >= scalars.count }
    var rest: String { String(String.UnicodeScalarView(scalars[min(position, scalars.count)...])) }

    mutating func skipSpaces() {
        while position < scalars.count, scalars[position] == " " || scalars[position] == "\t" { position += 1 }
    }

    private func word(at start: Int) -> (String, Int) {
        var end = start
        while end < scalars.count, scalars[end].properties.isAlphabetic || scalars[end] == "_" { end += 1 }
        return (String(String.UnicodeScalarView(scalars[start..<end])), end)
    }

    /// The unit that follows a number at `position`, without consuming anything: the unit, and where
    /// it ends. `nil` when no unit follows (so the number is a plain number).
    func unitAfterNumber() -> (CalendarDuration.Unit, Int)? {
        let (short, shortEnd) = word(at: position)
        if !short.isEmpty {
            // Written right after the digits: only the short forms, and the long ones for `30days`.
            if let unit = CalendarDuration.unit(shortName: short) ?? CalendarDuration.unit(longName: short) {
                return (unit, shortEnd)
            }
            return nil
        }
        var start = position
        while start < scalars.count, scalars[start] == " " || scalars[start] == "\t" { start += 1 }
        guard start > position else { return nil }
        let (long, longEnd) = word(at: start)
        if long == "business" {
            var next = longEnd
            while next < scalars.count, scalars[next] == " " || scalars[next] == "\t" { next += 1 }
            let (kind, kindEnd) = word(at: next)
            switch kind {
            case "day", "days": return (.businessDays, kindEnd)
            case "hour", "hours": return (.businessHours, kindEnd)
            default: return nil
            }
        }
        if let unit = CalendarDuration.unit(longName: long) { return (unit, longEnd) }
        return nil
    }

    /// Scans `at HH:MM` if it follows; leaves the position alone when it does not.
    mutating func scanTimeOfDay() -> Result<LocalTime?, DurationSyntaxError> {
        var probe = position
        while probe < scalars.count, scalars[probe] == " " || scalars[probe] == "\t" { probe += 1 }
        guard probe > position else { return .success(nil) }
        let (keyword, keywordEnd) = word(at: probe)
        guard keyword == "at" else { return .success(nil) }
        var timeStart = keywordEnd
        while timeStart < scalars.count, scalars[timeStart] == " " || scalars[timeStart] == "\t" { timeStart += 1 }
        var timeEnd = timeStart
        while timeEnd < scalars.count, ("0"..."9").contains(scalars[timeEnd]) || scalars[timeEnd] == ":" {
            timeEnd += 1
        }
        let text = String(String.UnicodeScalarView(scalars[timeStart..<timeEnd]))
        guard let time = LocalTime(text: text), time.minutes < 24 * 60 else {
            return .failure(
                DurationSyntaxError(
                    "'at' must be followed by a time of day written HH:MM (for example 'at 09:00'), not '\(text)'",
                    offset: timeStart
                )
            )
        }
        position = timeEnd
        return .success(time)
    }

    mutating func scanDuration() -> Result<CalendarDuration, DurationSyntaxError> {
        let start = position
        var amount = 0
        while position < scalars.count, ("0"..."9").contains(scalars[position]) {
            amount = amount * 10 + Int(scalars[position].value - 48)
            position += 1
            if amount > CalendarDuration.maximumAmount {
                return .failure(
                    DurationSyntaxError(
                        "a duration may count at most \(CalendarDuration.maximumAmount) units",
                        offset: start
                    )
                )
            }
        }
        let whole = String(String.UnicodeScalarView(scalars[start...].prefix { $0 != "\n" }))
        guard position > start else {
            return .failure(
                DurationSyntaxError(
                    "'\(whole)' is not a duration: write a number and a unit, for example '30 days', "
                        + "'4 business hours' or '2d'",
                    offset: start
                )
            )
        }
        guard let (unit, unitEnd) = unitAfterNumber() else {
            var probe = position
            while probe < scalars.count, scalars[probe] == " " { probe += 1 }
            let (found, foundEnd) = word(at: probe)
            var suggestion =
                found.isEmpty ? nil : SpellingSuggestion.closest(to: found, among: CalendarDuration.unitSpellings)
            var unitText = found.isEmpty ? "no unit" : "unknown unit '\(found)'"
            var written = String(String.UnicodeScalarView(scalars[start..<foundEnd]))
            if found == "business" || SpellingSuggestion.closest(to: found, among: ["business"]) != nil {
                // `bussiness days`: the misspelt word is the first of two.
                var next = foundEnd
                while next < scalars.count, scalars[next] == " " { next += 1 }
                let (kind, kindEnd) = word(at: next)
                written = String(String.UnicodeScalarView(scalars[start..<kindEnd]))
                let hours = kind.hasPrefix("h") || SpellingSuggestion.closest(to: kind, among: ["hours"]) != nil
                suggestion = hours ? "business hours" : "business days"
                unitText = "unknown unit '\(found)\(kind.isEmpty ? "" : " " + kind)'"
            }
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return .failure(
                DurationSyntaxError(
                    "'\(written)' is not a duration: \(unitText)\(hint); units are minutes, hours, days, weeks, "
                        + "business days and business hours (short forms m, h, d, w)",
                    offset: probe
                )
            )
        }
        position = unitEnd
        switch scanTimeOfDay() {
        case .failure(let error): return .failure(error)
        case .success(let time):
            if time != nil, !unit.countsDays {
                return .failure(
                    DurationSyntaxError(
                        "'at HH:MM' only applies to days, weeks and business days, not to \(unit.singular)s",
                        offset: start
                    )
                )
            }
            return .success(CalendarDuration(amount, unit, at: time))
        }
    }
}
