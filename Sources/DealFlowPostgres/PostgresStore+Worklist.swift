import DealFlowEngine
import Foundation
import PostgresNIO

extension PostgresStore: WorklistStore {
    public func tasks(_ query: TaskQuery) async throws -> [TaskRecord] {
        var filter = Filter()
        filter.add("assignee", query.assignee)
        filter.add("deal_id", query.dealID)
        filter.add("due_at", query.dueBefore.map(Millis.of), operator: "<")
        filter.add("status", query.status)
        let sql = filter.select(from: "tasks", orderBy: "due_at, id COLLATE \"C\"", limit: query.limit)
        return try await read { connection in
            try await connection.query(sql, logger: Self.quiet).collect().map(Self.taskRecord)
        }
    }

    public func task(id: String) async throws -> TaskRecord? {
        try await read { connection in
            try await connection.query("SELECT * FROM tasks WHERE id = \(id)", logger: Self.quiet)
                .collect().first.map(Self.taskRecord)
        }
    }

    public func completeTask(id: String, entry: TaskLogEntry) async throws -> Bool {
        try await write { connection in
            let closed = try await connection.query(
                """
                UPDATE tasks SET status = 'done', closed_at = \(Millis.of(entry.at)), closed_by = \(entry.actor),
                leased_by = NULL, lease_until = NULL WHERE id = \(id) AND status = 'open' RETURNING 1
                """,
                logger: Self.quiet
            ).collect()
            guard closed.count == 1 else { return false }
            try await Self.insert(entry, on: connection)
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
        try await write { connection in
            // A snoozed task is a new item for the scheduler: it reminds (and escalates) again.
            let moved = try await connection.query(
                """
                UPDATE tasks SET due_at = \(Millis.of(dueAt)), escalate_at = \(escalateAt.map(Millis.of)),
                reminded_at = NULL, escalated_at = NULL
                WHERE id = \(id) AND status = 'open' AND due_at = \(Millis.of(expectedDue)) RETURNING 1
                """,
                logger: Self.quiet
            ).collect()
            guard moved.count == 1 else { return false }
            try await Self.insert(entry, on: connection)
            try await Self.appendEvents([], notify: true, on: connection)  // the task is due anew
            return true
        }
    }

    public func taskLog(taskID: String) async throws -> [TaskLogEntry] {
        try await read { connection in
            try await connection.query(
                "SELECT task_id, at, actor, action, detail FROM task_log WHERE task_id = \(taskID) ORDER BY seq",
                logger: Self.quiet
            ).decode((String, Int64, String, String, String?).self).reduce(into: []) { entries, row in
                entries.append(
                    TaskLogEntry(taskID: row.0, at: Millis.date(row.1), actor: row.2, action: row.3, detail: row.4)
                )
            }
        }
    }

    public func addTask(_ task: TaskRecord, entry: TaskLogEntry) async throws {
        try await write { connection in
            try await Self.insert([task], on: connection)
            try await Self.insert(entry, on: connection)
            try await Self.appendEvents([], notify: true, on: connection)  // new work for the schedulers
        }
    }

    public func reassignTask(id: String, from: String, to: String, entry: TaskLogEntry) async throws -> Bool {
        try await write { connection in
            let moved = try await connection.query(
                """
                UPDATE tasks SET assignee = \(to),
                escalate_to = CASE WHEN escalate_to = \(from) THEN \(to) ELSE escalate_to END
                WHERE id = \(id) AND status = 'open' AND assignee = \(from) RETURNING 1
                """,
                logger: Self.quiet
            ).collect()
            guard moved.count == 1 else { return false }
            try await Self.insert(entry, on: connection)
            return true
        }
    }

    private static func insert(_ entry: TaskLogEntry, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO task_log (task_id, at, actor, action, detail)
            VALUES (\(entry.taskID), \(Millis.of(entry.at)), \(entry.actor), \(entry.action), \(entry.detail))
            """,
            logger: quiet
        )
    }
}
