/// The stages a transition may start from.
public enum TransitionSource: Sendable {
    /// `from: "*"`: every stage but the target.
    case anyStage(SourceLocation)
    /// One stage or a list of them.
    case stages([Located<String>])
}

/// A guard: a boolean expression that must hold for a transition to fire, and what to tell the rep
/// when it does not.
///
/// ```yaml
/// guard:
///   - expr: decision_maker
///     message: Identify the decision maker first.
///   - contact_email != null
/// ```
public struct Guard: Sendable {
    /// The expression as written.
    public var expression: ExpressionSource
    /// The message shown when the guard fails.
    public var message: String?
    /// The type-checked expression; set by ``WorkflowValidator`` and always present in a
    /// ``ValidatedWorkflow``.
    public var compiled: CompiledExpression?

    /// Creates a guard from its source.
    public init(expression: ExpressionSource, message: String? = nil) {
        self.expression = expression
        self.message = message
    }
}

/// A named move of a deal from one stage to another.
///
/// Firing it checks, in order: that it leaves the deal's stage, the actor's role, the transition's
/// `requires`, its guards and the target stage's `requires`; then it runs the old stage's `on_exit`,
/// its own `actions` and the new stage's `on_enter`.
public struct Transition: Sendable {
    /// The transition's parts, shared by copies until one of them changes: the machine looks the
    /// transition up on every fire, and a shared copy costs one reference count instead of one per part.
    private struct Parts {
        var name: String
        var location: SourceLocation
        var from: TransitionSource
        var to: Located<String>
        var roles: [Located<String>]?
        var guards: [Guard]
        var requires: [Located<String>]
        var actions: [Action]
        var description: String?
    }

    private var parts: CopyOnWrite<Parts>

    /// The transition's name, exactly as written.
    public var name: String {
        get { parts.value.name }
        set { parts.value.name = newValue }
    }
    /// Where the transition's key is written.
    public var location: SourceLocation {
        get { parts.value.location }
        set { parts.value.location = newValue }
    }
    /// Where the deal may be for the transition to fire.
    public var from: TransitionSource {
        get { parts.value.from }
        set { parts.value.from = newValue }
    }
    /// The stage the deal moves to.
    public var to: Located<String> {
        get { parts.value.to }
        set { parts.value.to = newValue }
    }
    /// The roles allowed to fire it; `nil` allows every role.
    public var roles: [Located<String>]? {
        get { parts.value.roles }
        set { parts.value.roles = newValue }
    }
    /// Conditions that must all hold.
    public var guards: [Guard] {
        get { parts.value.guards }
        set { parts.value.guards = newValue }
    }
    /// Fields that must be set once the command's input is applied.
    public var requires: [Located<String>] {
        get { parts.value.requires }
        set { parts.value.requires = newValue }
    }
    /// Actions run between the old stage's `on_exit` and the new stage's `on_enter`.
    public var actions: [Action] {
        get { parts.value.actions }
        set { parts.value.actions = newValue }
    }
    /// A sentence for people reading the workflow or a diagram.
    public var description: String? {
        get { parts.value.description }
        set { parts.value.description = newValue }
    }

    /// Creates a transition.
    public init(
        name: String,
        location: SourceLocation,
        from: TransitionSource,
        to: Located<String>,
        roles: [Located<String>]? = nil,
        guards: [Guard] = [],
        requires: [Located<String>] = [],
        actions: [Action] = [],
        description: String? = nil
    ) {
        parts = CopyOnWrite(
            Parts(
                name: name,
                location: location,
                from: from,
                to: to,
                roles: roles,
                guards: guards,
                requires: requires,
                actions: actions,
                description: description
            )
        )
    }

    /// Whether the transition may start from a stage: a listed one, or any stage but the target for `"*"`.
    public func leaves(_ stage: String) -> Bool {
        switch from {
        case .anyStage: return stage != to.value
        case .stages(let stages): return stages.contains { $0.value == stage }
        }
    }
}
