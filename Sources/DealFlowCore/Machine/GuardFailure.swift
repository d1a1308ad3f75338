/// Why a guard did not hold for a deal, with the values it saw: what a rep is shown when a
/// transition is blocked.
///
/// ```
/// amount >= 10000 failed: amount = 8500
/// contact_email != null and decision_maker failed: decision_maker is not set
/// ```
public struct GuardFailure: Hashable, Sendable {
    /// Why the guard failed.
    public enum Reason: Hashable, Sendable {
        /// It evaluated to `false`.
        case isFalse
        /// It evaluated to `null` because fields it reads are not set.
        case unset([String])
        /// It could not be evaluated (division by zero, overflow).
        case error(String)
    }

    /// The guard's expression as written.
    public var expression: String
    /// The guard's message, if it has one.
    public var message: String?
    /// Where the guard is written.
    public var location: SourceLocation
    /// Every name the guard reads, with the value it saw (`.null` when unset).
    public var values: [(name: String, value: Value)]
    /// Why it failed.
    public var reason: Reason

    /// `amount >= 10000 failed: amount = 8500`: the expression, then what it saw.
    public var explanation: String {
        let detail: String
        switch reason {
        case .error(let message): detail = message
        case .unset(let names): detail = names.map { "\($0) is not set" }.joined(separator: ", ")
        case .isFalse:
            detail =
                values.isEmpty
                ? "it is false"
                : values.map { $0.value.isNull ? "\($0.name) is not set" : "\($0.name) = \($0.value)" }
                    .joined(separator: ", ")
        }
        return "\(expression) failed: \(detail)"
    }

    public static func == (lhs: GuardFailure, rhs: GuardFailure) -> Bool {
        lhs.expression == rhs.expression && lhs.message == rhs.message && lhs.location == rhs.location
            && lhs.reason == rhs.reason
            && lhs.values.elementsEqual(rhs.values) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(expression)
        hasher.combine(location)
    }
}

extension Guard {
    /// Evaluates the guard against a deal: `nil` when it holds, otherwise why it does not.
    ///
    /// A guard whose value is `null` fails, naming the fields it read that are not set.
    public func failure(in environment: EvaluationEnvironment) -> GuardFailure? {
        guard let compiled else { preconditionFailure("guards are compiled by WorkflowValidator before they run") }
        let result: Result<Value, EvaluationError>
        do throws(EvaluationError) {
            result = .success(try compiled.evaluate(in: environment))
        } catch {
            result = .failure(error)
        }
        if case .success(.bool(true)) = result { return nil }
        // Only a failing guard names what it read: a passing one, the common case, builds no text.
        let values = compiled.reads.map { (name: $0.description, value: environment.value(of: $0)) }
        let reason: GuardFailure.Reason
        switch result {
        case .success(.bool(_)): reason = .isFalse
        case .success:
            let unset = values.filter { $0.value.isNull }.map(\.name)
            reason = unset.isEmpty ? .isFalse : .unset(unset)
        case .failure(let error): reason = .error(error.message)
        }
        return GuardFailure(
            expression: expression.text,
            message: message,
            location: expression.location,
            values: values,
            reason: reason
        )
    }
}
