/// Something a workflow does when a deal enters or leaves a stage or fires a transition.
///
/// Indirect: a fire walks the actions of two stages and a transition, and a boxed action is copied with
/// one reference count instead of one per part.
public indirect enum Action: Sendable {
    /// Set a field to a value.
    case set(SetAction)
    /// Create a follow-up task.
    case task(TaskTemplate)
    /// Write an event to the outbox.
    case notify(NotifyAction)

    /// Where the action is written.
    public var location: SourceLocation {
        switch self {
        case .set(let action): action.location
        case .task(let task): task.location
        case .notify(let notify): notify.location
        }
    }
}

/// `set: { closed_on: today }`: assigns a field.
///
/// A quoted YAML string (`"other"`) is a string literal; a plain scalar is an expression, so `today`,
/// `amount * 1.1`, `true` and `null` work.
public struct SetAction: Sendable {
    /// What the value was written as.
    public enum Value: Sendable {
        /// A quoted string, taken literally.
        case literal(Located<String>)
        /// A plain scalar, read as an expression.
        case expression(ExpressionSource)
    }

    /// The field assigned.
    public var field: Located<String>
    /// The value as written.
    public var value: Value
    /// The type-checked value; set by ``WorkflowValidator``.
    public var compiled: CompiledExpression?
    /// The field's position in the deal's values, so that the machine need not look the name up on
    /// every run; set by ``WorkflowValidator``, and always present in a ``ValidatedWorkflow``.
    public var fieldIndex: Int?

    /// Creates a `set` of one field.
    public init(field: Located<String>, value: Value) {
        self.field = field
        self.value = value
    }

    /// Where the field's key is written.
    public var location: SourceLocation { field.location }
}

/// The kind of a follow-up task.
public enum TaskKind: String, Hashable, Sendable, CaseIterable {
    case call, email, meeting, todo
}

/// When a still-open task is escalated, and to whom.
public struct Escalation: Sendable {
    /// How long after its due time a task must still be open to be escalated.
    public var after: Located<CalendarDuration>
    /// A role or a user id.
    public var to: Located<String>

    /// Creates an escalation rule.
    public init(after: Located<CalendarDuration>, to: Located<String>) {
        self.after = after
        self.to = to
    }
}

/// A follow-up task a workflow creates, from a `task` action or a `task` timer.
///
/// ```yaml
/// task: { title: "First contact with {{company}}", due: 1 business day at 09:00, assignee: owner,
///         escalate: { after: 1 business day, to: manager } }
/// ```
public struct TaskTemplate: Sendable {
    /// Where the task is written.
    public var location: SourceLocation
    /// The title, with `{{field}}` placeholders.
    public var title: Located<String>
    /// When the task is due, from when it is created; `nil` means at once. A timer's task has none:
    /// it is due at the timer's instant.
    public var due: Located<CalendarDuration>?
    /// `owner`, a role or a user id.
    public var assignee: Located<String>
    /// What sort of work it is; `todo` when not given.
    public var kind: Located<TaskKind>?
    /// Escalation when the task is still open long after its due time.
    public var escalation: Escalation?
    /// Whether the task survives the deal leaving the stage that created it.
    public var keep: Bool
    /// The parsed title; set by ``WorkflowValidator``.
    public var compiledTitle: TitleTemplate?

    /// Creates a task template.
    public init(
        location: SourceLocation,
        title: Located<String>,
        due: Located<CalendarDuration>? = nil,
        assignee: Located<String>,
        kind: Located<TaskKind>? = nil,
        escalation: Escalation? = nil,
        keep: Bool = false
    ) {
        self.location = location
        self.title = title
        self.due = due
        self.assignee = assignee
        self.kind = kind
        self.escalation = escalation
        self.keep = keep
    }

    /// The kind, defaulting to `todo`.
    public var effectiveKind: TaskKind { kind?.value ?? .todo }
}

/// `notify: { event: deal.lost }`: an event for the outbox, for other systems to consume.
public struct NotifyAction: Sendable {
    /// The event's type, such as `deal.lost`.
    public var event: Located<String>
    /// Where the action is written.
    public var location: SourceLocation

    /// Creates a notification.
    public init(event: Located<String>, location: SourceLocation) {
        self.event = event
        self.location = location
    }

    /// Event types the engine itself emits, which a `notify` may not reuse.
    public static let reservedEvents: Set<String> = [
        "deal.created", "deal.transitioned", "deal.updated", "deal.reassigned", "deal.migrated", "deal.activity",
        "task.reminder", "task.escalated", "timer.blocked",
    ]
}
