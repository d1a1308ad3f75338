import DealFlowCore
import DealFlowEngine
import Foundation
import GRDB
import Synchronization

extension SQLiteStore: SchedulerStore {
    /// A read transaction in WAL mode sees a snapshot and leases nothing.
    public var readsDueItemsFromASnapshot: Bool { true }

    public func dueItems(dueBy now: Date, since: Date?, limit: Int) async throws -> [DueItem] {
        try await dueItems(dueBy: now, since: since, limit: limit, excluding: nil)
    }

    /// Leaves the excluded items out in the queries, by id on the indexes' own column: reading and
    /// decoding them only to drop them cost a third of a pass's reads. A task or timer is due at one
    /// instant at a time, so its id names the item; one snoozed by another process meanwhile is left
    /// out of this read only, and the pass's next read, once the claim on its old instant has been
    /// refused, finds it.
    public func dueItems(dueBy now: Date, limit: Int, excluding excluded: [DueItem]) async throws -> [DueItem] {
        var reminders: [String] = []
        var escalations: [String] = []
        var timers: [String] = []
        for item in excluded {
            switch item {
            case .reminder(let task): reminders.append(task.id)
            case .escalation(let task): escalations.append(task.id)
            case .timer(let timer): timers.append(timer.id)
            }
        }
        /// A JSON array of the ids, or `nil` (no condition, the plain query) when there are none.
        func json(_ ids: [String]) -> String? {
            ids.isEmpty ? nil : JSONValue.array(ids.map(JSONValue.string)).rendered(compact: true)
        }
        return try await dueItems(
            dueBy: now,
            since: nil,
            limit: limit,
            excluding: (json(reminders), json(escalations), json(timers))
        )
    }

    /// Three ordered reads on partial indexes, merged: cheaper than sorting a union of every due row.
    /// The indexes are named: without statistics the planner prefers the (status, due) indexes and then
    /// sorts every due row by id, once per batch. `excluding` holds, for each read, a JSON array of the
    /// ids it leaves out.
    private func dueItems(
        dueBy now: Date,
        since: Date?,
        limit: Int,
        excluding: (reminders: String?, escalations: String?, timers: String?)?
    ) async throws -> [DueItem] {
        try await read { db in
            let arguments: StatementArguments = [Millis(now), since.map(Millis.init)?.value ?? Int64.min, limit]
            func excluded(_ ids: String?) -> (sql: String, arguments: StatementArguments) {
                guard let ids else { return ("", arguments) }
                return (" AND id NOT IN (SELECT value FROM json_each(?))", [ids] + arguments)
            }
            let reminders = excluded(excluding?.reminders)
            let escalations = excluded(excluding?.escalations)
            let timers = excluded(excluding?.timers)
            let reminderItems = try SQLiteStore.decodeRows(
                db,
                sql: """
                    SELECT \(SQLiteStore.taskColumns) FROM tasks INDEXED BY tasks_awaiting_reminder
                    WHERE status = 'open' AND reminded_at IS NULL\(reminders.sql) AND due_at <= ? AND due_at > ?
                    ORDER BY due_at, id LIMIT ?
                    """,
                arguments: reminders.arguments
            ) { DueItem.reminder(SQLiteStore.taskRecord($0)) }
            let escalationItems = try SQLiteStore.decodeRows(
                db,
                sql: """
                    SELECT \(SQLiteStore.taskColumns) FROM tasks INDEXED BY tasks_awaiting_escalation
                    WHERE status = 'open' AND escalated_at IS NULL AND escalate_at IS NOT NULL\(escalations.sql)
                    AND escalate_at <= ? AND escalate_at > ? ORDER BY escalate_at, id LIMIT ?
                    """,
                arguments: escalations.arguments
            ) { DueItem.escalation(SQLiteStore.taskRecord($0)) }
            let timerItems = try SQLiteStore.decodeRows(
                db,
                sql: """
                    SELECT * FROM timers INDEXED BY timers_pending WHERE status = 'pending'\(timers.sql)
                    AND due_at <= ? AND due_at > ? ORDER BY due_at, id LIMIT ?
                    """,
                arguments: timers.arguments
            ) { DueItem.timer(SQLiteStore.timerRecord($0)) }
            // Each key is built once, not at every comparison of the sort.
            let keyed = (reminderItems + escalationItems + timerItems).map { (dueAt: $0.dueAt, key: $0.key, item: $0) }
            return keyed.sorted { ($0.dueAt, $0.key) < ($1.dueAt, $1.key) }.prefix(limit).map(\.item)
        }
    }

    public func nextDueAt() async throws -> Date? {
        try await read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT MIN(due) FROM (
                        SELECT MIN(due_at) AS due FROM tasks WHERE status = 'open' AND reminded_at IS NULL
                        UNION ALL
                        SELECT MIN(escalate_at) FROM tasks
                        WHERE status = 'open' AND escalated_at IS NULL AND escalate_at IS NOT NULL
                        UNION ALL
                        SELECT MIN(due_at) FROM timers WHERE status = 'pending'
                    )
                    """
            ).map(Millis.date)
        }
    }

    public func changeToken() async throws -> Int64 {
        // `data_version` changes when another connection commits; it is per connection, so it is read on
        // the writer's, and this process's own commits are counted beside it.
        let dataVersion = try await writer.writeWithoutTransaction { db in
            try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
        }
        return dataVersion &+ localCommits.load(ordering: .relaxed)
    }

    public func perform(_ firings: [Firing]) async throws -> [FiringOutcome] {
        try await write { db in
            try firings.map { firing in
                func perform() throws -> FiringOutcome {
                    guard try SQLiteStore.claim(firing, in: db) else { return .skipped }
                    if let change = firing.change { _ = try SQLiteStore.apply(change, in: db) }
                    if let attempt = firing.attempt { try SQLiteStore.insertAttempt(attempt, in: db) }
                    try SQLiteStore.insert(firing.tasks, in: db)
                    try SQLiteStore.insert(firing.timers, in: db)
                    try SQLiteStore.insert(firing.events, in: db)
                    return .performed
                }
                // Only a deal change can be refused after the claim (its compare-and-set), so only a
                // firing with one needs a savepoint to take the claim back. Any other failure ends the
                // batch's transaction, claims and all.
                guard firing.change != nil else { return try perform() }
                var outcome = FiringOutcome.skipped
                do {
                    try db.inSavepoint {
                        outcome = try perform()
                        return outcome == .performed ? .commit : .rollback
                    }
                } catch StoreError.versionConflict {
                    outcome = .conflict
                }
                return outcome
            }
        }
    }

    /// Marks the item fired if it is still exactly as it was read; `false` when it is not.
    private static func claim(_ firing: Firing, in db: Database) throws -> Bool {
        let firedAt = Millis(firing.firedAt)
        switch firing.item {
        case .reminder(let task):
            try execute(
                db,
                sql: """
                    UPDATE tasks SET reminded_at = ?
                    WHERE id = ? AND status = 'open' AND reminded_at IS NULL AND due_at = ?
                    """,
                arguments: (firedAt, task.id, Millis(task.dueAt))
            )
        case .escalation(let task):
            try execute(
                db,
                sql: """
                    UPDATE tasks SET escalated_at = ?
                    WHERE id = ? AND status = 'open' AND escalated_at IS NULL AND escalate_at = ?
                    """,
                arguments: (firedAt, task.id, task.escalateAt.map(Millis.init))
            )
        case .timer(let timer):
            try execute(
                db,
                sql: "UPDATE timers SET status = ?, closed_at = ? WHERE id = ? AND status = 'pending' AND due_at = ?",
                arguments: (firing.timerStatus, firedAt, timer.id, Millis(timer.dueAt))
            )
        }
        return db.changesCount == 1
    }
}
