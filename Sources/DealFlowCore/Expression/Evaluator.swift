import Foundation

/// Everything an expression can read about one deal at one moment.
///
/// The engine builds it from the stored deal and the injected clock; nothing here reads the clock.
public struct EvaluationEnvironment: Sendable {
    /// Field values in schema order (``ExpressionScope/FieldBinding/index``); `.null` when unset.
    public var fields: [Value]
    /// The deal's current stage.
    public var stage: String
    /// The deal's owner.
    public var owner: String
    /// When the deal was created.
    public var createdAt: Date
    /// When the deal entered its current stage.
    public var enteredStageAt: Date
    /// The moment of evaluation.
    public var now: Date
    /// The date in the workflow's zone at `now`, looked up only when an expression reads it: the zone
    /// lookup costs more than the guard that would otherwise pay for it.
    public var today: LocalDate { calendar.date(of: now) }
    /// Who is acting (`system` for timers).
    public var actorID: String
    /// The role the actor acts in, if any.
    public var actorRole: String?
    /// The workflow's zone and business calendar.
    public var calendar: ZonedCalendar

    /// Creates an environment.
    public init(
        fields: [Value],
        stage: String,
        owner: String,
        createdAt: Date,
        enteredStageAt: Date,
        now: Date,
        actorID: String,
        actorRole: String? = nil,
        calendar: ZonedCalendar
    ) {
        self.fields = fields
        self.stage = stage
        self.owner = owner
        self.createdAt = createdAt
        self.enteredStageAt = enteredStageAt
        self.now = now
        self.actorID = actorID
        self.actorRole = actorRole
        self.calendar = calendar
    }

    /// The value of a deal fact.
    public func value(of name: ContextName) -> Value {
        switch name {
        case .stage: return .string(stage)
        case .owner: return .string(owner)
        case .createdAt: return .datetime(createdAt)
        case .enteredStageAt: return .datetime(enteredStageAt)
        case .now: return .datetime(now)
        case .today: return .date(today)
        case .daysInStage: return .int(Int((now.timeIntervalSince(enteredStageAt) / 86_400).rounded(.down)))
        case .actorID: return .string(actorID)
        case .actorRole: return actorRole.map(Value.string) ?? .null
        }
    }

    /// The value of a name an expression reads.
    public func value(of name: ReadName) -> Value {
        switch name {
        case .field(let index, _): return index < fields.count ? fields[index] : .null
        case .context(let context): return value(of: context)
        }
    }
}

/// Why an expression could not be evaluated: overflow or division by zero.
public struct EvaluationError: Error, Hashable, Sendable {
    /// One sentence.
    public var message: String

    /// Creates an error.
    public init(message: String) {
        self.message = message
    }
}

extension CompiledExpression {
    /// Evaluates the expression against a deal.
    ///
    /// `null` propagates through every operator and function except `==`, `!=`, `has()`, and `and` /
    /// `or`, which follow three-valued logic (`false and null` is false, `true or null` is true).
    ///
    /// - Complexity: O(n) in the size of the expression (times the input length for `matches`, and the
    ///   number of days spanned for business-day arithmetic).
    public func evaluate(in environment: EvaluationEnvironment) throws(EvaluationError) -> Value {
        try environment.evaluate(root)
    }
}

/// The operators' semantics, shared by the evaluator and the rest of the core.
enum Evaluator {
    /// Equality with int and decimal compared by value; `null` equals only `null`.
    static func equal(_ left: Value, _ right: Value) -> Bool {
        switch (left, right) {
        case (.int(let l), .decimal(let r)): return ExactDecimal(l) == r
        case (.decimal(let l), .int(let r)): return l == ExactDecimal(r)
        default: return left == right
        }
    }

    /// -1, 0 or 1; `nil` when either side is null or the two cannot be ordered.
    static func compare(_ left: Value, _ right: Value) -> Int? {
        func sign<T: Comparable>(_ l: T, _ r: T) -> Int { l < r ? -1 : l == r ? 0 : 1 }
        switch (left, right) {
        case (.int(let l), .int(let r)): return sign(l, r)
        case (.int(let l), .decimal(let r)): return sign(ExactDecimal(l), r)
        case (.decimal(let l), .int(let r)): return sign(l, ExactDecimal(r))
        case (.decimal(let l), .decimal(let r)): return sign(l, r)
        case (.string(let l), .string(let r)): return sign(l, r)
        case (.date(let l), .date(let r)): return sign(l, r)
        case (.datetime(let l), .datetime(let r)): return sign(l, r)
        default: return nil
        }
    }

    static func decimal(_ value: Value) -> ExactDecimal? {
        switch value {
        case .int(let value): ExactDecimal(value)
        case .decimal(let value): value
        default: nil
        }
    }

    static func checked(_ value: ExactDecimal?, _ op: BinaryOperator) throws(EvaluationError) -> Value {
        guard let value else {
            throw EvaluationError(
                message: "decimal overflow in '\(op.rawValue)' (more than 38 digits before the point)"
            )
        }
        return .decimal(value)
    }

    static func arithmetic(_ op: BinaryOperator, _ left: Value, _ right: Value) throws(EvaluationError) -> Value {
        if case .int(let l) = left, case .int(let r) = right, op != .divide {
            let (result, overflow): (Int, Bool)
            switch op {
            case .add: (result, overflow) = l.addingReportingOverflow(r)
            case .subtract: (result, overflow) = l.subtractingReportingOverflow(r)
            case .multiply: (result, overflow) = l.multipliedReportingOverflow(by: r)
            default:
                guard r != 0 else { throw EvaluationError(message: "division by zero in '%'") }
                (result, overflow) = l.remainderReportingOverflow(dividingBy: r)
            }
            guard !overflow else { throw EvaluationError(message: "integer overflow in '\(op.rawValue)'") }
            return .int(result)
        }
        guard let l = decimal(left), let r = decimal(right) else { return .null }
        switch op {
        case .add: return try checked(l.adding(r), op)
        case .subtract: return try checked(l.subtracting(r), op)
        case .multiply: return try checked(l.multiplied(by: r), op)
        case .divide:
            guard !r.isZero else { throw EvaluationError(message: "division by zero in '/'") }
            return try checked(l.divided(by: r), op)
        default:
            guard !r.isZero else { throw EvaluationError(message: "division by zero in '%'") }
            return try checked(l.remainder(dividingBy: r), op)
        }
    }
}

/// Walks a typed expression. The walk is a method of the environment rather than of a separate
/// evaluator holding a copy of it: a copy retains every field, name and calendar part once per guard.
extension EvaluationEnvironment {

    func evaluate(_ expression: TypedExpression) throws(EvaluationError) -> Value {
        switch expression {
        case .constant(let value): return value
        case .field(let index): return index < fields.count ? fields[index] : .null
        case .context(let name): return value(of: name)
        case .not(let operand):
            switch try evaluate(operand) {
            case .bool(let value): return .bool(!value)
            default: return .null
            }
        case .and(let operands):
            // Three-valued: false wins over null, null over true.
            var sawNull = false
            for operand in operands {
                switch try evaluate(operand) {
                case .bool(false): return .bool(false)
                case .bool(true): continue
                default: sawNull = true
                }
            }
            return sawNull ? .null : .bool(true)
        case .or(let operands):
            // Three-valued: true wins over null, null over false.
            var sawNull = false
            for operand in operands {
                switch try evaluate(operand) {
                case .bool(true): return .bool(true)
                case .bool(false): continue
                default: sawNull = true
                }
            }
            return sawNull ? .null : .bool(false)
        case .equal(let left, let right, let negated):
            let equal = Evaluator.equal(try evaluate(left), try evaluate(right))
            return .bool(equal != negated)
        case .order(let op, let left, let right):
            let l = try evaluate(left)
            let r = try evaluate(right)
            guard let ordering = Evaluator.compare(l, r) else { return .null }
            switch op {
            case .less: return .bool(ordering < 0)
            case .lessOrEqual: return .bool(ordering <= 0)
            case .greater: return .bool(ordering > 0)
            default: return .bool(ordering >= 0)
            }
        case .arithmetic(let op, let left, let right):
            return try Evaluator.arithmetic(op, try evaluate(left), try evaluate(right))
        case .concatenate(let left, let right):
            guard case .string(let l) = try evaluate(left), case .string(let r) = try evaluate(right) else {
                return .null
            }
            return .string(l + r)
        case .negate(let operand):
            switch try evaluate(operand) {
            case .int(let value):
                guard value != .min else { throw EvaluationError(message: "integer overflow in '-'") }
                return .int(-value)
            case .decimal(let value): return .decimal(-value)
            default: return .null
            }
        case .shift(let base, let duration, let sign):
            switch try evaluate(base) {
            case .date(let date):
                if duration.unit.countsDays, duration.timeOfDay == nil {
                    return .date(calendar.adding(duration, sign: sign, to: date))
                }
                let start = calendar.startOfDay(date)
                if duration.unit.countsDays, let time = duration.timeOfDay {
                    let day = calendar.adding(
                        CalendarDuration(duration.amount, duration.unit),
                        sign: sign,
                        to: date
                    )
                    return .datetime(calendar.instant(on: day, secondOfDay: time.seconds))
                }
                return .datetime(calendar.adding(duration, sign: sign, to: start))
            case .datetime(let instant):
                return .datetime(calendar.adding(duration, sign: sign, to: instant))
            default: return .null
            }
        case .membership(let element, let items, let negated):
            let value = try evaluate(element)
            if value.isNull { return .null }
            for item in items where Evaluator.equal(value, try evaluate(item)) { return .bool(!negated) }
            return .bool(negated)
        case .call(let function, let arguments):
            return try call(function, arguments)
        case .has(let index):
            return .bool(index < fields.count && !fields[index].isNull)
        case .matches(let subject, let pattern):
            guard case .string(let text) = try evaluate(subject) else { return .null }
            return .bool(pattern.matches(text))
        case .list(let items):
            var values: [Value] = []
            for item in items { values.append(try evaluate(item)) }
            return .list(values)
        }
    }

    /// Calls a function; any null argument makes the result null. Arguments are evaluated one by one
    /// rather than into an array, since this runs for every guard of every decision.
    func call(_ function: BuiltinFunction, _ arguments: [TypedExpression]) throws(EvaluationError) -> Value {
        let first = try evaluate(arguments[0])
        if first.isNull { return .null }
        switch function {
        case .min, .max:
            var best = first
            var sawDecimal = false
            if case .decimal = first { sawDecimal = true }
            for argument in arguments.dropFirst() {
                let value = try evaluate(argument)
                guard let ordering = Evaluator.compare(value, best) else { return .null }
                if case .decimal = value { sawDecimal = true }
                if (function == .min && ordering < 0) || (function == .max && ordering > 0) { best = value }
            }
            if sawDecimal, case .int(let value) = best { return .decimal(ExactDecimal(value)) }
            return best
        default:
            break
        }
        guard arguments.count == 2 else { return try call(function, first, .null) }
        let second = try evaluate(arguments[1])
        if second.isNull { return .null }
        return try call(function, first, second)
    }

    private func call(_ function: BuiltinFunction, _ first: Value, _ second: Value) throws(EvaluationError) -> Value {
        switch function {
        case .has, .min, .max, .matches: return .null
        case .len:
            switch first {
            case .string(let text): return .int(text.count)
            case .list(let items): return .int(items.count)
            default: return .null
            }
        case .lower, .upper:
            guard case .string(let text) = first else { return .null }
            return .string(function == .lower ? text.lowercased() : text.uppercased())
        case .contains, .startsWith, .endsWith:
            guard case .string(let text) = first, case .string(let part) = second else { return .null }
            switch function {
            case .contains: return .bool(part.isEmpty || text.contains(part))
            case .startsWith: return .bool(text.hasPrefix(part))
            default: return .bool(text.hasSuffix(part))
            }
        case .daysBetween, .businessDaysBetween:
            guard let from = localDate(first), let to = localDate(second) else { return .null }
            return .int(
                function == .daysBetween
                    ? calendar.daysBetween(from, to) : calendar.businessDaysBetween(from, to)
            )
        case .abs:
            switch first {
            case .int(let value):
                guard value != .min else { throw EvaluationError(message: "integer overflow in abs()") }
                return .int(Swift.abs(value))
            case .decimal(let value): return .decimal(value.magnitude)
            default: return .null
            }
        }
    }

    private func localDate(_ value: Value) -> LocalDate? {
        switch value {
        case .date(let date): date
        case .datetime(let instant): calendar.date(of: instant)
        default: nil
        }
    }
}

extension Value {
    /// -1, 0 or 1 as the language's `<` orders two values (numbers, text, dates, instants); `nil` when
    /// either is null or the two cannot be ordered.
    public static func order(_ left: Value, _ right: Value) -> Int? {
        Evaluator.compare(left, right)
    }
}
