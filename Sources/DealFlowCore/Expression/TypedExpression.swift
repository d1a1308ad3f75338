/// A type-checked expression, ready to evaluate: names resolved to field indexes, operators resolved
/// to the kind of values they combine, patterns compiled.
public indirect enum TypedExpression: Sendable {
    case constant(Value)
    case field(Int)
    case context(ContextName)
    case not(TypedExpression)
    /// All operands true; evaluated left to right, stopping at the first false.
    case and([TypedExpression])
    /// Any operand true; evaluated left to right, stopping at the first true.
    case or([TypedExpression])
    case equal(TypedExpression, TypedExpression, negated: Bool)
    case order(BinaryOperator, TypedExpression, TypedExpression)
    case arithmetic(BinaryOperator, TypedExpression, TypedExpression)
    case concatenate(TypedExpression, TypedExpression)
    case negate(TypedExpression)
    /// A date or datetime moved by a duration (`sign` is 1 or -1).
    case shift(TypedExpression, CalendarDuration, sign: Int)
    case membership(TypedExpression, [TypedExpression], negated: Bool)
    case call(BuiltinFunction, [TypedExpression])
    case has(Int)
    case matches(TypedExpression, SafePattern)
    case list([TypedExpression])
}

/// The functions of the expression language.
public enum BuiltinFunction: String, CaseIterable, Hashable, Sendable {
    case has
    case len
    case lower
    case upper
    case contains
    case startsWith = "starts_with"
    case endsWith = "ends_with"
    case matches
    case daysBetween = "days_between"
    case businessDaysBetween = "business_days_between"
    case min
    case max
    case abs

    /// How many arguments it takes: a fixed number, or at least two for `min` and `max`.
    var arity: ClosedRange<Int> {
        switch self {
        case .has, .len, .lower, .upper, .abs: 1...1
        case .contains, .startsWith, .endsWith, .matches, .daysBetween, .businessDaysBetween: 2...2
        case .min, .max: 2...64
        }
    }

    /// How the documentation writes its signature.
    public var signature: String {
        switch self {
        case .has: "has(field)"
        case .len: "len(string or list)"
        case .lower: "lower(string)"
        case .upper: "upper(string)"
        case .contains: "contains(string, string)"
        case .startsWith: "starts_with(string, string)"
        case .endsWith: "ends_with(string, string)"
        case .matches: "matches(string, \"pattern\")"
        case .daysBetween: "days_between(date, date)"
        case .businessDaysBetween: "business_days_between(date, date)"
        case .min: "min(a, b, ...)"
        case .max: "max(a, b, ...)"
        case .abs: "abs(number)"
        }
    }
}
