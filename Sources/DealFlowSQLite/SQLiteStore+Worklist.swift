import DealFlowEngine
import Foundation
import GRDB

extension SQLiteStore: WorklistStore {
    public func tasks(_ query: TaskQuery) async throws -> [TaskRecord] {
        let (sql, arguments) = SQLiteStore.select(
            SQLiteStore.taskColumns,
            from: "tasks",
            where: [
                ("assignee = ?", query.assignee), ("deal_id = ?", query.dealID),
                ("due_at < ?", query.dueBefore.map(Millis.init)), ("status = ?", query.status),
            ],
            orderBy: "due_at, id",
            limit: query.limit
        )
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(SQLiteStore.taskRecord)
        }
    }

    public func task(id: String) async throws -> TaskRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(SQLiteStore.taskColumns) FROM tasks WHERE id = ?", arguments: [id])
                .map(SQLiteStore.taskRecord)
        }
    }

    public func completeTask(id: String, entry: TaskLogEntry) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE tasks SET status = 'done', closed_at = ?, closed_by = ? WHERE id = ? AND status = 'open'",
                arguments: [Millis(entry.at), entry.actor, id]
            )
            guard db.changesCount == 1 else { return false }
            try SQLiteStore.insert(entry, in: db)
            return true
        }
    }

    public func snoozeTask(
        id: String,
        expectedDue: Date,
        dueAt: Date,
        escalateAt: Date?,
        entry: TaskLogEntry
    )
        async throws -> Bool
    {
        try await write { db in
            // A snoozed task is a new item for the scheduler: it reminds (and escalates) again.
            try db.execute(
                sql: """
                    UPDATE tasks SET due_at = ?, escalate_at = ?, reminded_at = NULL, escalated_at = NULL
                    WHERE id = ? AND status = 'open' AND due_at = ?
                    """,
                arguments: [Millis(dueAt), escalateAt.map(Millis.init), id, Millis(expectedDue)]
            )
            guard db.changesCount == 1 else { return false }
            try SQLiteStore.insert(entry, in: db)
            return true
        }
    }

    public func taskLog(taskID: String) async throws -> [TaskLogEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM task_log WHERE task_id = ? ORDER BY seq", arguments: [taskID]).map
            {
                TaskLogEntry(
                    taskID: $0["task_id"],
                    at: Millis.date($0["at"]),
                    actor: $0["actor"],
                    action: $0["action"],
                    detail: $0["detail"]
                )
            }
        }
    }

    public func addTask(_ task: TaskRecord, entry: TaskLogEntry) async throws {
        try await write { db in
            try SQLiteStore.insert([task], in: db)
            try SQLiteStore.insert(entry, in: db)
        }
    }

    public func reassignTask(id: String, from: String, to: String, entry: TaskLogEntry) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE tasks SET assignee = ?, escalate_to = CASE WHEN escalate_to = ? THEN ? ELSE escalate_to END
                    WHERE id = ? AND status = 'open' AND assignee = ?
                    """,
                arguments: [to, from, to, id, from]
            )
            guard db.changesCount == 1 else { return false }
            try SQLiteStore.insert(entry, in: db)
            return true
        }
    }

    private static func insert(_ entry: TaskLogEntry, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO task_log (task_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [entry.taskID, Millis(entry.at), entry.actor, entry.action, entry.detail]
        )
    }
}
