import Foundation

/// Reading field values from text and checking them against a field's definition, strictly.
///
/// Used for command-line `--set FIELD=VALUE`, imported CSV cells and stored values, so that every way
/// in reads values the same way: `2026-02-30` is not a date, `12abc` is not a decimal, `prize` is not
/// a value of an enum without it.
public enum FieldValues {
    /// The value of `text` for a field, or why it does not fit, in a sentence naming the field.
    public static func parse(_ text: String, for field: FieldDefinition) -> Result<Value, Rejection> {
        let value: Value
        switch field.type {
        case .string, .text:
            value = .string(text)
        case .int:
            guard let number = Int(text),
                text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || $0 == "-" || $0 == "+" })
            else {
                return .failure(Rejection(.invalidValue, "\(field.name): '\(text)' is not a whole number"))
            }
            value = .int(number)
        case .decimal:
            guard let number = ExactDecimal(parsing: text) else {
                return .failure(
                    Rejection(
                        .invalidValue,
                        "\(field.name): '\(text)' is not a decimal number (write it like 8500 or 8500.50)"
                    )
                )
            }
            value = .decimal(number)
        case .bool:
            switch text {
            case "true": value = .bool(true)
            case "false": value = .bool(false)
            default: return .failure(Rejection(.invalidValue, "\(field.name): '\(text)' is not true or false"))
            }
        case .date:
            guard let date = LocalDate(iso: text) else {
                let shaped = text.count == 10 && text.split(separator: "-").count == 3
                let reason = shaped ? LocalDate.problem(with: text) : "write dates as YYYY-MM-DD"
                return .failure(Rejection(.invalidValue, "\(field.name): '\(text)' is not a date: \(reason)"))
            }
            value = .date(date)
        case .datetime:
            guard let instant = DateTimeFormat.parse(text) else {
                return .failure(
                    Rejection(
                        .invalidValue,
                        "\(field.name): '\(text)' is not a datetime; write ISO 8601 with a zone, such as 2026-01-05T10:00:00Z"
                    )
                )
            }
            value = .datetime(instant)
        case .enumeration(let values):
            guard values.contains(text) else {
                let suggestion =
                    SpellingSuggestion.closest(to: text, among: values).map { " (did you mean '\($0)'?)" } ?? ""
                return .failure(
                    Rejection(
                        .invalidValue,
                        "\(field.name): '\(text)' is not one of \(values.joined(separator: ", "))\(suggestion)"
                    )
                )
            }
            value = .string(text)
        }
        return check(value, for: field)
    }

    /// The value if it fits the field's type and bounds (an int widens to a decimal), or why not.
    public static func check(_ value: Value, for field: FieldDefinition) -> Result<Value, Rejection> {
        switch (field.type, value) {
        case (_, .null): return .success(.null)
        case (.string, .string), (.text, .string), (.bool, .bool), (.date, .date), (.datetime, .datetime):
            return .success(value)
        case (.enumeration(let values), .string(let text)):
            guard values.contains(text) else {
                return .failure(
                    Rejection(.invalidValue, "\(field.name): '\(text)' is not one of \(values.joined(separator: ", "))")
                )
            }
            return .success(value)
        case (.int, .int(let number)):
            return inBounds(ExactDecimal(number), value, field)
        case (.decimal, .int(let number)):
            return inBounds(ExactDecimal(number), .decimal(ExactDecimal(number)), field)
        case (.decimal, .decimal(let number)):
            return inBounds(number, value, field)
        default:
            return .failure(
                Rejection(.invalidValue, "\(field.name) is \(field.type.name), but the value \(value) is not")
            )
        }
    }

    private static func inBounds(
        _ number: ExactDecimal,
        _ value: Value,
        _ field: FieldDefinition
    ) -> Result<Value, Rejection> {
        if let minimum = field.minimum, number < minimum.value {
            return .failure(Rejection(.invalidValue, "\(field.name): \(number) is below the minimum, \(minimum.value)"))
        }
        if let maximum = field.maximum, number > maximum.value {
            return .failure(Rejection(.invalidValue, "\(field.name): \(number) is above the maximum, \(maximum.value)"))
        }
        return .success(value)
    }

    /// The text a value is stored as, which ``parse(_:for:)`` reads back to the same value:
    /// decimals exactly, dates as `YYYY-MM-DD`, datetimes as ISO 8601 in UTC; `nil` for null.
    public static func storedText(_ value: Value) -> String? {
        switch value {
        case .null: return nil
        case .string(let text): return text
        case .int(let number): return String(number)
        case .decimal(let number): return number.description
        case .bool(let flag): return flag ? "true" : "false"
        case .date(let date): return date.description
        case .datetime(let instant): return DateTimeFormat.iso8601(instant)
        case .duration(let duration): return duration.description
        case .list(let items): return items.compactMap(storedText).joined(separator: ",")
        }
    }

    /// A value as JSON output shows it: decimals as strings (exact), dates as `YYYY-MM-DD`, datetimes as
    /// ISO 8601 in UTC, ints as numbers, booleans as booleans, unset as null.
    public static func json(_ value: Value) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .int(number)
        case .list(let items): return .array(items.map(json))
        default: return storedText(value).map(JSONValue.string) ?? .null
        }
    }
}
