/// The values an enum-typed expression can take: a field's `values`, the stage names, or the roles.
public struct EnumDomain: Hashable, Sendable {
    /// What the values belong to, for messages: `field 'lost_reason'`, `stage`, `role`.
    public var owner: String
    /// The allowed values, exactly as written.
    public var values: [String]

    /// Creates a domain.
    public init(owner: String, values: [String]) {
        self.owner = owner
        self.values = values
    }
}

/// The static type of a value in the expression language.
public indirect enum ValueType: Hashable, Sendable, CustomStringConvertible {
    case bool, int, decimal, string, date, datetime, duration
    case enumeration(EnumDomain)
    case list(ValueType)
    /// The type of the literal `null`.
    case null
    /// The type of something already reported as wrong; it fits everywhere so one mistake gives one error.
    case unknown

    /// How messages name the type.
    public var description: String {
        switch self {
        case .bool: "a boolean"
        case .int: "an int"
        case .decimal: "a decimal"
        case .string: "a string"
        case .date: "a date"
        case .datetime: "a datetime"
        case .duration: "a duration"
        case .enumeration(let domain): "an enum (\(domain.owner))"
        case .list(let element): element == .unknown ? "a list" : "a list of \(element.plural)"
        case .null: "null"
        case .unknown: "unknown"
        }
    }

    var plural: String {
        switch self {
        case .bool: "booleans"
        case .int: "ints"
        case .decimal: "decimals"
        case .string: "strings"
        case .date: "dates"
        case .datetime: "datetimes"
        case .duration: "durations"
        case .enumeration: "enum values"
        case .list: "lists"
        case .null: "nulls"
        case .unknown: "values"
        }
    }

    var isNumeric: Bool { self == .int || self == .decimal }
    var isText: Bool {
        if self == .string { return true }
        if case .enumeration = self { return true }
        return false
    }
    var isTemporal: Bool { self == .date || self == .datetime }

    /// The type of a field of the schema.
    public init(_ fieldType: FieldType, fieldName: String) {
        switch fieldType {
        case .string, .text: self = .string
        case .int: self = .int
        case .decimal: self = .decimal
        case .bool: self = .bool
        case .date: self = .date
        case .datetime: self = .datetime
        case .enumeration(let values): self = .enumeration(EnumDomain(owner: "field '\(fieldName)'", values: values))
        }
    }
}

/// A static type and whether the value may be `null`.
public struct ExpressionType: Hashable, Sendable, CustomStringConvertible {
    /// The type when not null.
    public var base: ValueType
    /// Whether the value may be `null` (an optional field, `actor.role`, or anything computed from them).
    public var isNullable: Bool

    /// Creates a type.
    public init(_ base: ValueType, nullable: Bool = false) {
        self.base = base
        self.isNullable = nullable || base == .null
    }

    /// How messages name the type, for example `a decimal (possibly null)`.
    public var description: String {
        isNullable && base != .null && base != .unknown ? "\(base) (possibly null)" : base.description
    }
}
