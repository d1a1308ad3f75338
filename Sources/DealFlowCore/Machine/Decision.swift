import Foundation

/// What the machine decided about a command: the effects to perform, or why nothing happens.
///
/// The machine performs nothing itself; the engine performs an ``AppliedChange`` in one transaction,
/// records a blocked or refused attempt in the audit table, and reports a rejection as bad input.
public enum Decision: Sendable {
    /// The command changes the deal: perform these effects. (Boxed: a decision is passed and matched
    /// several times on its way out, and the change is the largest value the machine makes.)
    indirect case applied(AppliedChange)
    /// The command asks for nothing new (an update to the values the deal already has).
    case unchanged(Deal)
    /// Guards, requirements or the deal's stage stop the transition; record the attempt.
    case blocked(AuditEntry)
    /// The actor's role may not fire the transition; record the refusal.
    case refused(AuditEntry)
    /// The command itself is wrong (an unknown transition or field, a bad value); record nothing.
    case rejected(Rejection)
}

/// Why a command is bad input, in one sentence naming the deal, field or transition.
public struct Rejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of mistake it is.
    public enum Reason: String, Hashable, Sendable {
        case unknownTransition = "unknown-transition"
        case unknownField = "unknown-field"
        case invalidValue = "invalid-value"
        case missingField = "missing-field"
        case actionFailed = "action-failed"
    }

    /// The kind of mistake.
    public var reason: Reason
    /// The sentence.
    public var message: String

    /// Creates a rejection.
    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// A change to perform in one transaction: the deal's new state, its history entry, and the tasks,
/// timers, cancellations and events that go with it.
public struct AppliedChange: Sendable {
    /// The deal after the change.
    public var deal: Deal
    /// The deal before it (`nil` when it is created): the store writes only if it still has this version.
    public var previousVersion: Int?
    /// The history entry the change appends.
    public var entry: HistoryEntry
    /// Tasks to create.
    public var tasks: [NewTask]
    /// Timers to schedule.
    public var timers: [NewTimer]
    /// Pending tasks and timers to cancel first.
    public var cancellations: [Cancellation]
    /// Events for the outbox.
    public var events: [NewEvent]
    /// Open tasks to hand from one assignee to another with the deal (a change of owner).
    public var handover: TaskHandover? = nil
}

/// Open tasks of a deal that move from one assignee to another, with their escalations.
public struct TaskHandover: Hashable, Sendable {
    /// The assignee (or escalation target) they had.
    public var from: String
    /// The one they get.
    public var to: String

    /// Creates a handover.
    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }
}

/// One change of a deal in its history: created, transitioned, updated, reassigned, migrated to
/// another workflow version, or an activity a rep logged.
public struct HistoryEntry: Hashable, Sendable {
    /// The kind of change.
    public enum Kind: String, Hashable, Sendable {
        case created, transitioned, updated, reassigned, migrated
        /// Activities logged with `deal note`: they touch the deal without changing its stage.
        case call, email, meeting, note
    }

    /// The kind.
    public var kind: Kind
    /// When.
    public var at: Date
    /// Who.
    public var actor: String
    /// In which role.
    public var role: String?
    /// The transition fired, for `transitioned`.
    public var transition: String?
    /// The stage left (`nil` when created).
    public var from: String?
    /// The stage entered or stayed in.
    public var to: String?
    /// Every field that changed, with its old and new value.
    public var changes: [FieldChange]
    /// The note given with the command.
    public var note: String?

    /// Creates an entry.
    public init(
        kind: Kind,
        at: Date,
        actor: String,
        role: String?,
        transition: String? = nil,
        from: String? = nil,
        to: String? = nil,
        changes: [FieldChange] = [],
        note: String? = nil
    ) {
        self.kind = kind
        self.at = at
        self.actor = actor
        self.role = role
        self.transition = transition
        self.from = from
        self.to = to
        self.changes = changes
        self.note = note
    }
}

/// A field's value before and after a change.
public struct FieldChange: Hashable, Sendable {
    /// The field.
    public var field: String
    /// Its value before (`.null` when unset).
    public var old: Value
    /// Its value after (`.null` when cleared).
    public var new: Value

    /// Creates a change.
    public init(field: String, old: Value, new: Value) {
        self.field = field
        self.old = old
        self.new = new
    }

    /// Changes as stored in the history and sent in events: `{"field": {"from": old, "to": new}}`.
    public static func json(_ changes: [FieldChange]) -> JSONValue {
        .object(
            changes.map { ($0.field, .object([("from", FieldValues.json($0.old)), ("to", FieldValues.json($0.new))])) }
        )
    }
}

/// An attempt that changed nothing, kept in the audit table: a blocked fire or a refused role.
public struct AuditEntry: Hashable, Sendable {
    /// The kind of attempt.
    public enum Kind: String, Hashable, Sendable {
        case blocked, refused
    }

    /// The kind.
    public var kind: Kind
    /// The deal.
    public var dealID: String
    /// When.
    public var at: Date
    /// Who.
    public var actor: String
    /// In which role.
    public var role: String?
    /// The transition attempted.
    public var transition: String
    /// The deal's stage at the time.
    public var stage: String
    /// Why it was blocked (for a refusal, the role blocker).
    public var blockers: [Blocker]
    /// The note given with the command.
    public var note: String?

    /// Creates an entry.
    public init(
        kind: Kind,
        dealID: String,
        at: Date,
        actor: String,
        role: String?,
        transition: String,
        stage: String,
        blockers: [Blocker],
        note: String? = nil
    ) {
        self.kind = kind
        self.dealID = dealID
        self.at = at
        self.actor = actor
        self.role = role
        self.transition = transition
        self.stage = stage
        self.blockers = blockers
        self.note = note
    }
}

/// A follow-up task to create.
public struct NewTask: Hashable, Sendable {
    /// The title template; the engine renders it with the deal's values after the change.
    public var title: TitleTemplate
    /// What sort of work.
    public var kind: TaskKind
    /// A user id (the owner resolved), a role or a user named in the workflow.
    public var assignee: String
    /// When it is due.
    public var dueAt: Date
    /// The stage it belongs to: leaving that stage cancels it unless `keep`.
    public var stage: String
    /// Whether it survives the deal leaving `stage`.
    public var keep: Bool
    /// When it escalates if still open, and to whom.
    public var escalation: TaskEscalation?
    /// The index of the timer that created it, in `stage`'s timers; `nil` for a task action.
    public var timerIndex: Int?
}

/// When a still-open task escalates, and to whom.
public struct TaskEscalation: Hashable, Sendable {
    /// The instant.
    public var at: Date
    /// A role or a user.
    public var to: String
}

/// A timer to schedule: an absolute instant, computed in the workflow's zone.
public struct NewTimer: Hashable, Sendable {
    /// What the timer does when due.
    public enum Effect: Hashable, Sendable {
        /// Fire a transition as the system.
        case fire(String)
        /// Create the next task of a repeating task timer.
        case nextTask
    }

    /// The stage whose timer it is.
    public var stage: String
    /// Its index among the stage's timers.
    public var index: Int
    /// When it is due.
    public var dueAt: Date
    /// The IANA zone the instant was computed in.
    public var zone: String
    /// What it does.
    public var effect: Effect
    /// The repeat interval, for `every`.
    public var every: CalendarDuration?
    /// The first occurrence of a repeating timer, from which every later one is computed.
    public var anchor: Date
    /// Which occurrence of the recurrence `dueAt` is (0 for the anchor and for one-off timers).
    public var occurrence: Int
    /// Whether it was already due when computed (it fires on the next scheduler run, marked late).
    public var isLate: Bool

    /// Creates a timer.
    public init(
        stage: String,
        index: Int,
        dueAt: Date,
        zone: String,
        effect: Effect,
        every: CalendarDuration?,
        anchor: Date? = nil,
        occurrence: Int = 0,
        isLate: Bool
    ) {
        self.stage = stage
        self.index = index
        self.dueAt = dueAt
        self.zone = zone
        self.effect = effect
        self.every = every
        self.anchor = anchor ?? dueAt
        self.occurrence = occurrence
        self.isLate = isLate
    }
}

/// Pending work to cancel before a change's new tasks and timers are created.
public enum Cancellation: Hashable, Sendable {
    /// Every pending timer, and every open task without `keep`, of a stage the deal leaves.
    case stage(String)
    /// One timer of a stage (and the open task it created), whose instant is computed again.
    case timer(stage: String, index: Int)
    /// A deal moved to another workflow version: every pending timer of stage `from` is cancelled, and
    /// its open tasks are kept, relabelled as belonging to stage `to` and to no timer (the new version's
    /// timers are numbered afresh, and rescheduling one must not cancel them).
    case migrated(from: String, to: String)
}

/// An event for the outbox.
public struct NewEvent: Hashable, Sendable {
    /// Its type: `deal.created`, `deal.transitioned`, `deal.updated`, or a `notify` name.
    public var type: String
    /// Its data.
    public var data: JSONValue

    /// Creates an event.
    public init(type: String, data: JSONValue) {
        self.type = type
        self.data = data
    }

    /// The same event with more members in its data.
    public func adding(_ members: [(String, JSONValue)]) -> NewEvent {
        NewEvent(type: type, data: data.adding(members))
    }

    public static func == (lhs: NewEvent, rhs: NewEvent) -> Bool { lhs.type == rhs.type && lhs.data == rhs.data }
    public func hash(into hasher: inout Hasher) { hasher.combine(type) }
}
