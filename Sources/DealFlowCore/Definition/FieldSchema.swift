import Foundation

/// The type of a deal field, as a workflow's `fields:` section declares it.
public enum FieldType: Hashable, Sendable {
    /// A short string (a company name, an email).
    case string
    /// Free text; in expressions it behaves as a string.
    case text
    /// A whole number.
    case int
    /// An exact decimal number (never binary floating point), for money.
    case decimal
    /// `true` or `false`.
    case bool
    /// A calendar date with no time of day.
    case date
    /// An instant, written in ISO 8601 with a zone or offset.
    case datetime
    /// One of a fixed list of strings, kept exactly as written.
    case enumeration([String])

    /// The name the YAML file uses for the type.
    public var name: String {
        switch self {
        case .string: "string"
        case .text: "text"
        case .int: "int"
        case .decimal: "decimal"
        case .bool: "bool"
        case .date: "date"
        case .datetime: "datetime"
        case .enumeration: "enum"
        }
    }

    /// Every type name a file may use.
    public static let names = ["string", "text", "int", "decimal", "bool", "date", "datetime", "enum"]

    /// Whether `min` and `max` apply.
    public var isNumeric: Bool { self == .int || self == .decimal }
}

/// One typed field of a deal's schema.
///
/// ```yaml
/// amount:   { type: decimal, min: 0 }
/// currency: { type: enum, values: [USD, EUR, COP], default: USD }
/// ```
public struct FieldDefinition: Sendable {
    /// The field's name, an expression identifier.
    public var name: String
    /// Where the field's key is written.
    public var location: SourceLocation
    /// The declared type.
    public var type: FieldType
    /// Whether every deal must have a value.
    public var isRequired: Bool
    /// The value a new deal gets when none is given.
    public var defaultValue: Located<Value>?
    /// The smallest value allowed (numeric fields).
    public var minimum: Located<ExactDecimal>?
    /// The largest value allowed (numeric fields).
    public var maximum: Located<ExactDecimal>?

    /// Creates a field definition.
    public init(
        name: String,
        location: SourceLocation,
        type: FieldType,
        isRequired: Bool = false,
        defaultValue: Located<Value>? = nil,
        minimum: Located<ExactDecimal>? = nil,
        maximum: Located<ExactDecimal>? = nil
    ) {
        self.name = name
        self.location = location
        self.type = type
        self.isRequired = isRequired
        self.defaultValue = defaultValue
        self.minimum = minimum
        self.maximum = maximum
    }
}

/// Which fields mean the deal's amount, currency and expected close date, for forecasts and KPIs.
///
/// Each is `nil` when the workflow names none; the validator then falls back to fields called
/// `amount`, `currency` and `close_date` if they exist.
public struct DealFieldMapping: Hashable, Sendable {
    /// The amount field (decimal or int).
    public var amount: Located<String>?
    /// The currency field (enum or string).
    public var currency: Located<String>?
    /// The expected close date field (date).
    public var closeDate: Located<String>?

    /// Creates a mapping.
    public init(amount: Located<String>? = nil, currency: Located<String>? = nil, closeDate: Located<String>? = nil) {
        self.amount = amount
        self.currency = currency
        self.closeDate = closeDate
    }
}
