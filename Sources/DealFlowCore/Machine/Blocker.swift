/// One reason a transition cannot fire now: what a UI greys a button out for, and what a rep reads.
public struct Blocker: Hashable, Sendable {
    /// What kind of condition blocks.
    public enum Kind: String, Hashable, Sendable {
        /// The transition does not leave the deal's current stage.
        case stage
        /// The actor's role may not fire it.
        case role
        /// A guard does not hold.
        case `guard`
        /// A required field is not set.
        case requires
        /// An action of the move failed (a timer's transition; a rep's command is rejected instead).
        case action
    }

    /// The kind.
    public var kind: Kind
    /// The condition as written: a guard's expression, a field name, the transition's `from`, its `roles`.
    public var expression: String
    /// The sentence to show a rep: the guard's message when it has one, otherwise the explanation.
    public var message: String
    /// What was checked and what was seen: `amount >= 10000 failed: amount = 8500`.
    public var explanation: String
    /// Each name the condition read, with the value it saw (`.null` when unset).
    public var values: [NamedValue]
    /// Where the condition is written in the workflow file.
    public var location: SourceLocation?

    /// Creates a blocker.
    public init(
        kind: Kind,
        expression: String,
        message: String,
        explanation: String? = nil,
        values: [NamedValue],
        location: SourceLocation? = nil
    ) {
        self.kind = kind
        self.expression = expression
        self.message = message
        self.explanation = explanation ?? message
        self.values = values
        self.location = location
    }
}

/// A name and the value it had.
public struct NamedValue: Hashable, Sendable {
    /// The field or deal fact.
    public var name: String
    /// Its value (`.null` when unset).
    public var value: Value

    /// Creates a pair.
    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}
