import Foundation

/// A deal as the machine sees it: where it is, what it holds, and how many changes it has had.
///
/// Field values are kept in the schema order of the workflow version the deal is pinned to
/// (``ExpressionScope/FieldBinding/index``), so that guards read them by index.
public struct Deal: Hashable, Sendable {
    /// The deal's identifier.
    public var id: String
    /// The workflow it follows.
    public var workflowID: String
    /// The version of the workflow it was created on; it stays on it.
    public var workflowVersion: Int
    /// The current stage.
    public var stage: String
    /// The rep who owns it.
    public var owner: String
    /// Field values in schema order; `.null` when unset.
    public var fields: [Value]
    /// How many changes it has had: 1 when created, one more per change.
    public var version: Int
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// When it entered its current stage.
    public var enteredStageAt: Date
    /// Its result, once it has entered an outcome stage (cleared when it is reopened into the funnel).
    public var outcome: Outcome?

    /// Creates a deal.
    public init(
        id: String,
        workflowID: String,
        workflowVersion: Int,
        stage: String,
        owner: String,
        fields: [Value],
        version: Int,
        createdAt: Date,
        updatedAt: Date,
        enteredStageAt: Date,
        outcome: Outcome? = nil
    ) {
        self.id = id
        self.workflowID = workflowID
        self.workflowVersion = workflowVersion
        self.stage = stage
        self.owner = owner
        self.fields = fields
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.enteredStageAt = enteredStageAt
        self.outcome = outcome
    }

    /// What guards and `set` values of this deal read, at `now`, for `actor`.
    public func environment(in workflow: ValidatedWorkflow, actor: Actor, now: Date) -> EvaluationEnvironment {
        EvaluationEnvironment(
            fields: fields,
            stage: stage,
            owner: owner,
            createdAt: createdAt,
            enteredStageAt: enteredStageAt,
            now: now,
            actorID: actor.id,
            actorRole: actor.role,
            calendar: workflow.zonedCalendar
        )
    }
}

/// Who acts: a person in a role, or the system (timers).
public struct Actor: Hashable, Sendable, CustomStringConvertible {
    /// The person's id, or `system`.
    public var id: String
    /// The role they act in, if any.
    public var role: String?
    /// Whether this is the scheduler acting for a timer, to which transition `roles` do not apply.
    public let isSystem: Bool
    /// Other roles the roster gives them, when none was asked for: a transition that `role` may not fire
    /// is fired in the first of these that may.
    public var otherRoles: [String] = []

    /// A person, optionally in a role.
    public init(id: String, role: String? = nil) {
        self.id = id
        self.role = role
        self.isSystem = false
    }

    private init(systemWithID id: String) {
        self.id = id
        self.role = nil
        self.isSystem = true
    }

    /// The scheduler, firing timers.
    public static let system = Actor(systemWithID: "system")

    /// The actor in the role they fire `transition` in: their own role if it may, otherwise the first
    /// of ``otherRoles`` that may, otherwise their own (and the transition is refused).
    public func acting(for transition: Transition) -> Actor {
        guard let allowed = transition.roles?.map(\.value), !isSystem, !otherRoles.isEmpty else { return self }
        if let role, allowed.contains(role) { return self }
        guard let other = otherRoles.first(where: allowed.contains) else { return self }
        var acting = self
        acting.role = other
        return acting
    }

    /// `ana (rep)`, or `ana`.
    public var description: String { role.map { "\(id) (\($0))" } ?? id }
}
