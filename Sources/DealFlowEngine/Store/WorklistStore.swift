import Foundation

/// Which tasks to list.
public struct TaskQuery: Hashable, Sendable {
    /// Tasks assigned to this user or role.
    public var assignee: String?
    public var dealID: String?
    /// Tasks due strictly before this instant.
    public var dueBefore: Date?
    /// `open`, `done` or `cancelled`.
    public var status: String?
    public var limit: Int?

    /// Creates a query; every filter is optional.
    public init(
        assignee: String? = nil,
        dealID: String? = nil,
        dueBefore: Date? = nil,
        status: String? = nil,
        limit: Int? = nil
    ) {
        self.assignee = assignee
        self.dealID = dealID
        self.dueBefore = dueBefore
        self.status = status
        self.limit = limit
    }
}

/// What someone did to a task: `added`, `done`, `snoozed` or `reassigned`, kept in an append-only log.
public struct TaskLogEntry: Hashable, Sendable {
    public var taskID: String
    public var at: Date
    public var actor: String
    /// `added`, `done`, `snoozed` or `reassigned`.
    public var action: String
    /// For a snooze, `due A -> B`; for a reassignment, `A -> B`.
    public var detail: String?

    /// Creates an entry.
    public init(taskID: String, at: Date, actor: String, action: String, detail: String?) {
        self.taskID = taskID
        self.at = at
        self.actor = actor
        self.action = action
        self.detail = detail
    }
}

/// The follow-up tasks as reps work them: listing, closing, snoozing.
public protocol WorklistStore: Sendable {
    /// Tasks matching a query, by due time then id.
    func tasks(_ query: TaskQuery) async throws -> [TaskRecord]
    /// One task.
    func task(id: String) async throws -> TaskRecord?
    /// Marks an open task done and logs who did it; `false` when it is no longer open.
    func completeTask(id: String, entry: TaskLogEntry) async throws -> Bool
    /// Moves an open task's due (and escalation) time if it is still `expectedDue`, so that it reminds
    /// again; logs who did it. `false` when the task changed meanwhile.
    func snoozeTask(
        id: String,
        expectedDue: Date,
        dueAt: Date,
        escalateAt: Date?,
        entry: TaskLogEntry
    ) async throws
        -> Bool
    /// What reps did to a task, in order.
    func taskLog(taskID: String) async throws -> [TaskLogEntry]
    /// Adds a task someone created by hand (not from a workflow) and logs who did it.
    func addTask(_ task: TaskRecord, entry: TaskLogEntry) async throws
    /// Gives an open task assigned to `from` to `to` (its escalation too, if aimed at `from`); logs who
    /// did it. `false` when the task is no longer open or no longer assigned to `from`.
    func reassignTask(id: String, from: String, to: String, entry: TaskLogEntry) async throws -> Bool
}
