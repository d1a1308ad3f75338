import DealFlowCore
import Foundation

/// A workflow version as stored: its source text, which is loaded and validated again when used.
public struct StoredWorkflow: Hashable, Sendable {
    /// The workflow's identifier.
    public var id: String
    /// The version number the store gave it.
    public var version: Int
    /// The YAML text, exactly as applied.
    public var source: String
    /// The file it was applied from.
    public var file: String
    /// When it was applied.
    public var appliedAt: Date

    /// Creates a stored workflow.
    public init(id: String, version: Int, source: String, file: String, appliedAt: Date) {
        self.id = id
        self.version = version
        self.source = source
        self.file = file
        self.appliedAt = appliedAt
    }
}

/// A deal as stored: field values as the text ``FieldValues/storedText(_:)`` writes, by name, so that
/// the store needs no schema.
public struct DealRecord: Hashable, Sendable {
    public var id: String
    public var workflowID: String
    public var workflowVersion: Int
    public var stage: String
    public var owner: String
    /// Field name to stored text; unset fields are absent.
    public var fields: [String: String]
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var enteredStageAt: Date
    /// `won`, `lost`, or `nil`.
    public var outcome: String?

    /// Creates a record.
    public init(
        id: String,
        workflowID: String,
        workflowVersion: Int,
        stage: String,
        owner: String,
        fields: [String: String],
        version: Int,
        createdAt: Date,
        updatedAt: Date,
        enteredStageAt: Date,
        outcome: String?
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
}

extension DealRecord {
    /// The fields as every store keeps them: one JSON object, keys sorted (by code point; rows written
    /// before 2026-12 sorted them as Foundation does), so that the same fields are always the same text.
    public var storedFields: String {
        get throws {
            // Written by hand rather than by Foundation's encoder: every change of every deal passes here.
            JSONValue.object(fields.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
                .rendered(compact: true)
        }
    }

    /// Fields read back from ``storedFields`` (or from the text Foundation's encoder wrote before).
    public static func fields(stored text: String) throws -> [String: String] {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw StoreError.unavailable("a deal's stored fields are not valid JSON (\(error))")
        }
        guard case .object(let members) = value else {
            throw StoreError.unavailable("a deal's stored fields are not a JSON object")
        }
        var fields = [String: String](minimumCapacity: members.count)
        for (name, value) in members {
            guard case .string(let text) = value else {
                throw StoreError.unavailable("a deal's stored field '\(name)' is not a string")
            }
            fields[name] = text
        }
        return fields
    }
}

/// One line of a deal's history: a change (`created`, `transitioned`, `updated`) from the history
/// table, or an attempt (`refused`, `blocked`) from the audit table. Both are append-only and share one
/// sequence, so that they read in the order they happened.
public struct HistoryRecord: Hashable, Sendable {
    /// The position in the shared sequence; assigned by the store.
    public var sequence: Int64
    public var dealID: String
    /// The deal's version after a change; `nil` for attempts, which change nothing.
    public var dealVersion: Int?
    /// `created`, `transitioned`, `updated`, `refused` or `blocked`.
    public var kind: String
    public var at: Date
    public var actor: String
    public var role: String?
    public var transition: String?
    public var from: String?
    public var to: String?
    /// The changes as a JSON object `{field: {"from", "to"}}`.
    public var changes: String
    /// The blockers as a JSON array, for attempts.
    public var blockers: String?
    public var note: String?

    /// Creates a record.
    public init(
        sequence: Int64 = 0,
        dealID: String,
        dealVersion: Int?,
        kind: String,
        at: Date,
        actor: String,
        role: String?,
        transition: String?,
        from: String?,
        to: String?,
        changes: String,
        blockers: String?,
        note: String?
    ) {
        self.sequence = sequence
        self.dealID = dealID
        self.dealVersion = dealVersion
        self.kind = kind
        self.at = at
        self.actor = actor
        self.role = role
        self.transition = transition
        self.from = from
        self.to = to
        self.changes = changes
        self.blockers = blockers
        self.note = note
    }
}

/// A follow-up task as stored.
public struct TaskRecord: Hashable, Sendable {
    public var id: String
    public var dealID: String
    public var workflowID: String
    public var title: String
    public var kind: String
    public var assignee: String
    public var dueAt: Date
    /// `open`, `done` or `cancelled`.
    public var status: String
    /// The stage that created it.
    public var stage: String
    public var keep: Bool
    public var escalateAt: Date?
    public var escalateTo: String?
    /// The timer that created it, by its index in `stage`'s timers.
    public var timerIndex: Int?
    public var createdAt: Date
    /// When its reminder fired (`nil` until it falls due; a snooze clears it).
    public var remindedAt: Date?
    /// When its escalation fired.
    public var escalatedAt: Date?

    /// Creates a record.
    public init(
        id: String,
        dealID: String,
        workflowID: String,
        title: String,
        kind: String,
        assignee: String,
        dueAt: Date,
        status: String,
        stage: String,
        keep: Bool,
        escalateAt: Date?,
        escalateTo: String?,
        timerIndex: Int?,
        createdAt: Date,
        remindedAt: Date? = nil,
        escalatedAt: Date? = nil
    ) {
        self.remindedAt = remindedAt
        self.escalatedAt = escalatedAt
        self.id = id
        self.dealID = dealID
        self.workflowID = workflowID
        self.title = title
        self.kind = kind
        self.assignee = assignee
        self.dueAt = dueAt
        self.status = status
        self.stage = stage
        self.keep = keep
        self.escalateAt = escalateAt
        self.escalateTo = escalateTo
        self.timerIndex = timerIndex
        self.createdAt = createdAt
    }
}

/// A timer as stored: an absolute instant and the zone it was computed in.
public struct TimerRecord: Hashable, Sendable {
    public var id: String
    public var dealID: String
    public var workflowID: String
    public var stage: String
    public var timerIndex: Int
    public var dueAt: Date
    public var zone: String
    /// `fire` or `next_task`.
    public var effect: String
    /// The transition a `fire` timer fires.
    public var transition: String?
    /// The repeat interval, as the workflow writes it.
    public var every: String?
    /// `pending`, `fired`, `blocked` or `cancelled`.
    public var status: String
    /// Whether it was already due when computed.
    public var late: Bool
    public var createdAt: Date
    /// The first occurrence of a repeating timer (`dueAt` for a one-off).
    public var anchorAt: Date
    /// Which occurrence `dueAt` is.
    public var occurrence: Int

    /// Creates a record.
    public init(
        id: String,
        dealID: String,
        workflowID: String,
        stage: String,
        timerIndex: Int,
        dueAt: Date,
        zone: String,
        effect: String,
        transition: String?,
        every: String?,
        status: String,
        late: Bool,
        createdAt: Date,
        anchorAt: Date? = nil,
        occurrence: Int = 0
    ) {
        self.anchorAt = anchorAt ?? dueAt
        self.occurrence = occurrence
        self.id = id
        self.dealID = dealID
        self.workflowID = workflowID
        self.stage = stage
        self.timerIndex = timerIndex
        self.dueAt = dueAt
        self.zone = zone
        self.effect = effect
        self.transition = transition
        self.every = every
        self.status = status
        self.late = late
        self.createdAt = createdAt
    }
}

/// An event for the outbox; the store gives it an increasing id.
public struct EventRecord: Hashable, Sendable {
    public var id: Int64
    public var type: String
    public var dealID: String
    public var workflowID: String
    public var at: Date
    /// The data as compact JSON.
    public var data: String
    /// What the event is the effect of, for the effects of due items (`task.reminder:TASK@MILLIS`): a
    /// second event with the same key is never written, however often its item is fired.
    public var key: String?

    /// Creates a record.
    public init(
        id: Int64 = 0,
        type: String,
        dealID: String,
        workflowID: String,
        at: Date,
        data: String,
        key: String? = nil
    ) {
        self.key = key
        self.id = id
        self.type = type
        self.dealID = dealID
        self.workflowID = workflowID
        self.at = at
        self.data = data
    }
}

/// Everything one change of one deal writes, in one transaction with the other changes of a commit.
public struct DealChange: Sendable {
    /// The deal after the change.
    public var deal: DealRecord
    /// The version the deal must still have (`nil` to insert a new deal): the compare-and-set.
    public var expectedVersion: Int?
    /// The history entries, one per change of version (several for an imported stage path).
    public var history: [HistoryRecord]
    /// Pending work of the deal to cancel before inserting the new work.
    public var cancellations: [Cancellation]
    public var tasks: [TaskRecord]
    public var timers: [TimerRecord]
    public var events: [EventRecord]
    /// Open tasks (and escalations) of the deal that move from one assignee to another with it.
    public var handover: TaskHandover?
    /// An idempotency key, the request it was used for, and the result to store with it, made from what
    /// the change cancelled, so that a repeat returns exactly the first result.
    public var idempotency: (key: String, request: String, result: @Sendable (ChangeReceipt) -> String)?

    /// Creates a change.
    public init(
        deal: DealRecord,
        expectedVersion: Int?,
        history: [HistoryRecord],
        cancellations: [Cancellation] = [],
        tasks: [TaskRecord] = [],
        timers: [TimerRecord] = [],
        events: [EventRecord] = [],
        handover: TaskHandover? = nil,
        idempotency: (key: String, request: String, result: @Sendable (ChangeReceipt) -> String)? = nil
    ) {
        self.handover = handover
        self.deal = deal
        self.expectedVersion = expectedVersion
        self.history = history
        self.cancellations = cancellations
        self.tasks = tasks
        self.timers = timers
        self.events = events
        self.idempotency = idempotency
    }
}

/// What a committed change cancelled.
public struct ChangeReceipt: Hashable, Sendable {
    /// Open tasks cancelled.
    public var tasksCancelled: Int
    /// Pending timers cancelled.
    public var timersCancelled: Int
    /// Open tasks handed to the deal's new owner.
    public var tasksHandedOver: Int = 0

    /// Creates a receipt.
    public init(tasksCancelled: Int, timersCancelled: Int, tasksHandedOver: Int = 0) {
        self.tasksCancelled = tasksCancelled
        self.timersCancelled = timersCancelled
        self.tasksHandedOver = tasksHandedOver
    }
}

/// What an idempotency key was used for, and what it returned.
public struct IdempotentResult: Hashable, Sendable {
    /// The request, as the engine describes it (`fire propose` and its input), so that a key reused for
    /// another request is refused rather than answered with the wrong result.
    public var request: String
    /// The stored result.
    public var result: String

    /// Creates a record.
    public init(request: String, result: String) {
        self.request = request
        self.result = result
    }
}
