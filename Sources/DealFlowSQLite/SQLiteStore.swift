import CSQLiteConfig
import DealFlowCore
import DealFlowEngine
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The embedded store: one SQLite file, shared safely by the CLI and a running scheduler.
///
/// It opens the file in WAL mode, so readers never wait for the writer; every write is one IMMEDIATE
/// transaction, so writers from several processes queue instead of failing; a busy timeout makes a
/// writer wait for another process's transaction rather than report "database is locked". Every change
/// is a compare-and-set on the deal's version. `synchronous` is FULL by default: a change is on disk
/// before `commit` returns.
///
/// ```swift
/// let store = try SQLiteStore(path: "dealflow.sqlite")   // created and migrated on first use
/// ```
public final class SQLiteStore: DealStore {
    /// How durable a commit is.
    public enum Durability: String, Sendable, CaseIterable {
        /// `PRAGMA synchronous = FULL`: every commit is synced to disk before it returns.
        case full
        /// `PRAGMA synchronous = NORMAL`: in WAL mode, a power loss may lose the last commits (never
        /// corrupt the file); a crash of the process loses nothing.
        case normal
    }

    /// The database connection (a pool for files, a queue in memory).
    public let writer: any DatabaseWriter
    /// Writes made through this store: SQLite's `data_version` counts only other connections' commits.
    let localCommits = Atomic<Int64>(0)

    /// How long a writer waits for another process's transaction before giving up.
    public static let busyTimeout: TimeInterval = 30

    /// Turns SQLite's memory statistics off for the whole process; returns whether SQLite took the
    /// setting. Call it first thing, before any thread uses SQLite: the statistics take a process-wide
    /// mutex on every allocation SQLite makes, which the scheduler's read and commit threads contend
    /// for (a fifth of a commit's time). Without them `sqlite3_memory_used` reads 0 and SQLite's heap
    /// limits are not enforced. Once SQLite has opened a database the setting is refused and nothing
    /// changes. The `dealflow` command calls it; an app embedding DealFlow decides for itself.
    @discardableResult
    public static func turnOffMemoryStatistics() -> Bool {
        dealflow_sqlite_disable_memory_statistics() == SQLITE_OK
    }

    /// Opens (creating and migrating if needed) the database file at `path`.
    public init(path: String, durability: Durability = .full) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(SQLiteStore.busyTimeout)
        // Several processes may create the file at once: the loser of the race to switch it to WAL or
        // to migrate it opens it again, and then finds it ready.
        var attempt = 0
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                // The pool switches its writer to WAL with `synchronous = NORMAL` after
                // `prepareDatabase` has run, so the durability is set once the pool is open, on the one
                // connection that commits.
                try pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
                }
                try SQLiteStore.migrator.migrate(pool)
                // A file migrated by a newer build may have changed what this one writes (v6 dropped a
                // table that builds before it count entries in): refuse it rather than fail on writes.
                if try pool.read(SQLiteStore.migrator.hasBeenSuperseded) {
                    throw StoreError.unavailable(
                        "the database '\(path)' was upgraded by a newer version of dealflow; use that version"
                    )
                }
                writer = pool
                return
            } catch let error as DatabaseError {
                attempt += 1
                let raced =
                    [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode)
                    || error.message?.contains("already exists") == true
                guard raced, attempt < 8 else {
                    throw StoreError.unavailable(
                        "cannot open the database '\(path)': \(error.message ?? error.description)"
                    )
                }
                usleep(UInt32(20_000 * attempt))
            }
        }
    }

    /// An empty database in memory, for tests and benchmarks.
    public init(inMemory: Void = ()) throws {
        writer = try DatabaseQueue()
        try SQLiteStore.migrator.migrate(writer)
    }

    // MARK: - Access

    /// A read, with database failures reported as ``StoreError/unavailable(_:)``.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch let error as DatabaseError {
            throw SQLiteStore.unavailable(error)
        }
    }

    /// A write transaction (IMMEDIATE), with database failures other than the ones the store maps
    /// itself reported as ``StoreError/unavailable(_:)``.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        defer { localCommits.add(1, ordering: .relaxed) }
        do {
            return try await writer.writeWithoutTransaction { db in
                try SQLiteStore.inImmediateTransaction(db) { try body(db) }
            }
        } catch {
            throw SQLiteStore.writeFailure(error)
        }
    }

    /// The same write, run on the calling thread: for transactions of a few statements, such as one
    /// deal's command, where handing the work to GRDB's writer queue and the result back cost two
    /// thread wake-ups, as much CPU as the statements themselves (a fifth of a durable fire).
    ///
    /// The caller's thread blocks until the writer is free and the commit is synced, as in any
    /// blocking call: behind this process's own long write (an import, a scheduler batch) or, up to
    /// the busy timeout, another process's, each waiting command holds one of the cooperative
    /// pool's threads (one per core) meanwhile. GRDB's writer queue runs nothing that waits for
    /// Swift tasks, so this cannot deadlock. Long writes themselves keep the queue, so that they do
    /// not hold a pool thread for seconds. Unlike the queue, the transaction does not notice a
    /// cancellation once it has begun: a command either commits or changes nothing.
    func writeOnCallingThread<T>(_ body: (Database) throws -> T) throws -> T {
        defer { localCommits.add(1, ordering: .relaxed) }
        do {
            return try writer.writeWithoutTransaction { db in
                try SQLiteStore.inImmediateTransaction(db) { try body(db) }
            }
        } catch {
            throw SQLiteStore.writeFailure(error)
        }
    }

    /// A write's failure as the store reports it: a constraint failure as it is (the store's callers
    /// map the ones they expect, such as a duplicate deal), any other database failure as
    /// ``StoreError/unavailable(_:)``, anything else unchanged.
    private static func writeFailure(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError, error.resultCode != .SQLITE_CONSTRAINT else { return error }
        return unavailable(error)
    }

    private static func unavailable(_ error: DatabaseError) -> StoreError {
        .unavailable("the database failed: \(error.message ?? error.description)")
    }

    /// Runs `body` in an IMMEDIATE transaction begun and committed with statements compiled once per
    /// connection. GRDB's `inTransaction` parses both again on every call (about a tenth of a durable
    /// fire went there); these run through GRDB's statement execution all the same, so that its
    /// transaction bookkeeping, commit hook and cancellation checks see them. A throw from `body` or
    /// from the commit rolls back and is rethrown.
    ///
    /// Unlike `inTransaction`, statements run after SQLite has ended the transaction by itself (it does
    /// after some failures) are not refused; the store's own write statements check for it
    /// (``execute(_:sql:arguments:)``), and the commit reports it.
    private static func inImmediateTransaction<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            let result = try body()
            guard db.isInsideTransaction else {
                throw DatabaseError(resultCode: .SQLITE_ABORT, message: "SQLite rolled the transaction back")
            }
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
            return result
        } catch {
            if db.isInsideTransaction { try? db.rollback() }
            throw error
        }
    }

    // MARK: - Metadata

    /// A fact about the database, such as the seed of the demo that made it.
    public func metadata(_ key: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT value FROM metadata WHERE key = ?", arguments: [key])
        }
    }

    /// Records a fact about the database.
    public func setMetadata(_ key: String, _ value: String) async throws {
        try await write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO metadata (key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }

    /// How many deals the database holds.
    public func dealCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deals") ?? 0 }
    }

    // MARK: - Workflows

    public func saveWorkflow(_ workflow: StoredWorkflow) async throws {
        do {
            try await write { db in
                try db.execute(
                    sql: """
                        INSERT INTO workflow_versions (workflow_id, version, source, file, applied_at)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        workflow.id, workflow.version, workflow.source, workflow.file, Millis(workflow.appliedAt),
                    ]
                )
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError.duplicateWorkflowVersion(workflow.id, workflow.version)
        }
    }

    public func workflow(id: String, version: Int?) async throws -> StoredWorkflow? {
        try await read { db in
            let row: Row?
            if let version {
                row = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM workflow_versions WHERE workflow_id = ? AND version = ?",
                    arguments: [id, version]
                )
            } else {
                row = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM workflow_versions WHERE workflow_id = ? ORDER BY version DESC LIMIT 1",
                    arguments: [id]
                )
            }
            return row.map(SQLiteStore.storedWorkflow)
        }
    }

    public func workflows() async throws -> [StoredWorkflow] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM workflow_versions ORDER BY workflow_id, version")
                .map(SQLiteStore.storedWorkflow)
        }
    }

    private static func storedWorkflow(_ row: Row) -> StoredWorkflow {
        StoredWorkflow(
            id: row["workflow_id"],
            version: row["version"],
            source: row["source"],
            file: row["file"],
            appliedAt: Millis.date(row["applied_at"])
        )
    }

    // MARK: - Reading deals

    public func deal(id: String) async throws -> DealRecord? {
        try await read { db in try SQLiteStore.deal(id: id, in: db) }
    }

    /// A deal, read inside the caller's transaction.
    static func deal(id: String, in db: Database) throws -> DealRecord? {
        try decodeRows(db, sql: "SELECT * FROM deals WHERE id = ?", arguments: [id], dealRecord).first
    }

    public func existingDealIDs(among ids: [String]) async throws -> Set<String> {
        try await read { db in
            var found = Set<String>()
            // In chunks, below SQLite's limit on bound parameters.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                found.formUnion(
                    try String.fetchAll(
                        db,
                        sql: "SELECT id FROM deals WHERE id IN (\(marks))",
                        arguments: StatementArguments(chunk)
                    )
                )
            }
            return found
        }
    }

    public func deals(_ query: DealQuery) async throws -> [DealRecord] {
        let (sql, arguments) = SQLiteStore.select(
            from: "deals",
            where: [
                ("workflow_id = ?", query.workflowID), ("stage = ?", query.stage), ("owner = ?", query.owner),
                query.fieldBefore.flatMap { bound in
                    bound.isPlainName ? ("json_extract(fields, '$.\(bound.field)') < ?", bound.value) : nil
                } ?? ("", nil),
            ],
            orderBy: "created_at, id",
            limit: query.limit,
            offset: query.offset
        )
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(SQLiteStore.dealRecord)
        }
    }

    /// `SELECT columns FROM table WHERE ... ORDER BY ... LIMIT ?` (every column unless told) with a
    /// condition for each filter that has a value, and the values as arguments in the same order.
    static func select(
        _ columns: String = "*",
        from table: String,
        where filters: [(condition: String, value: (any DatabaseValueConvertible)?)],
        orderBy order: String,
        limit: Int?,
        offset: Int? = nil
    ) -> (sql: String, arguments: StatementArguments) {
        let given = filters.compactMap { filter in filter.value.map { (filter.condition, $0) } }
        var sql = "SELECT \(columns) FROM \(table)"
        if !given.isEmpty { sql += " WHERE " + given.map(\.0).joined(separator: " AND ") }
        sql += " ORDER BY \(order)"
        var arguments = StatementArguments(given.map { $0.1.databaseValue })
        if limit != nil || offset != nil {
            sql += " LIMIT ? OFFSET ?"
            arguments += [limit ?? -1, offset ?? 0]
        }
        return (sql, arguments)
    }

    static func dealRecord(_ row: Row) throws -> DealRecord {
        let text: String = row["fields"]
        let fields = try DealRecord.fields(stored: text)
        return DealRecord(
            id: row["id"],
            workflowID: row["workflow_id"],
            workflowVersion: row["workflow_version"],
            stage: row["stage"],
            owner: row["owner"],
            fields: fields,
            version: row["version"],
            createdAt: Millis.date(row["created_at"]),
            updatedAt: Millis.date(row["updated_at"]),
            enteredStageAt: Millis.date(row["entered_stage_at"]),
            outcome: row["outcome"]
        )
    }

    public func history(dealID: String) async throws -> [HistoryRecord] {
        try await read { db in
            let changes = try Row.fetchAll(db, sql: "SELECT * FROM deal_history WHERE deal_id = ?", arguments: [dealID])
                .map {
                    HistoryRecord(
                        sequence: $0["seq"],
                        dealID: $0["deal_id"],
                        dealVersion: $0["deal_version"],
                        kind: $0["kind"],
                        at: Millis.date($0["at"]),
                        actor: $0["actor"],
                        role: $0["role"],
                        transition: $0["transition"],
                        from: $0["from_stage"],
                        to: $0["to_stage"],
                        changes: $0["changes"],
                        blockers: nil,
                        note: $0["note"]
                    )
                }
            let attempts = try Row.fetchAll(db, sql: "SELECT * FROM deal_audit WHERE deal_id = ?", arguments: [dealID])
                .map {
                    HistoryRecord(
                        sequence: $0["seq"],
                        dealID: $0["deal_id"],
                        dealVersion: nil,
                        kind: $0["kind"],
                        at: Millis.date($0["at"]),
                        actor: $0["actor"],
                        role: $0["role"],
                        transition: $0["transition"],
                        from: $0["stage"],
                        to: nil,
                        changes: "{}",
                        blockers: $0["blockers"],
                        note: $0["note"]
                    )
                }
            return (changes + attempts).sorted { $0.sequence < $1.sequence }
        }
    }

    public func openTasks(dealID: String) async throws -> [TaskRecord] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(SQLiteStore.taskColumns) FROM tasks WHERE deal_id = ? AND status = 'open'
                    ORDER BY due_at, id
                    """,
                arguments: [dealID]
            ).map(SQLiteStore.taskRecord)
        }
    }

    /// The columns ``taskRecord(_:)`` reads, in the order it reads them: every query of tasks selects
    /// these. Read by position, a column costs no lookup of its name (the scheduler reads thousands of
    /// due tasks per batch).
    static let taskColumns = """
        id, deal_id, workflow_id, title, kind, assignee, due_at, status, stage, keep, escalate_at, escalate_to,
        timer_index, created_at, reminded_at, escalated_at
        """

    /// A task from a row of ``taskColumns``.
    static func taskRecord(_ row: Row) -> TaskRecord {
        TaskRecord(
            id: row[0],
            dealID: row[1],
            workflowID: row[2],
            title: row[3],
            kind: row[4],
            assignee: row[5],
            dueAt: Millis.date(row[6]),
            status: row[7],
            stage: row[8],
            keep: row[9],
            escalateAt: (row[10] as Int64?).map(Millis.date),
            escalateTo: row[11],
            timerIndex: row[12],
            createdAt: Millis.date(row[13]),
            remindedAt: (row[14] as Int64?).map(Millis.date),
            escalatedAt: (row[15] as Int64?).map(Millis.date)
        )
    }

    public func pendingTimers(dealID: String) async throws -> [TimerRecord] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM timers WHERE deal_id = ? AND status = 'pending' ORDER BY due_at, id",
                arguments: [dealID]
            ).map(SQLiteStore.timerRecord)
        }
    }

    static func timerRecord(_ row: Row) -> TimerRecord {
        TimerRecord(
            id: row["id"],
            dealID: row["deal_id"],
            workflowID: row["workflow_id"],
            stage: row["stage"],
            timerIndex: row["timer_index"],
            dueAt: Millis.date(row["due_at"]),
            zone: row["zone"],
            effect: row["effect"],
            transition: row["transition"],
            every: row["every"],
            status: row["status"],
            late: row["late"],
            createdAt: Millis.date(row["created_at"]),
            anchorAt: (row["anchor_at"] as Int64?).map(Millis.date),
            occurrence: row["occurrence"]
        )
    }

    public func idempotentResult(dealID: String, key: String) async throws -> IdempotentResult? {
        try await read { db in try SQLiteStore.idempotentResult(dealID: dealID, key: key, in: db) }
    }

    static func idempotentResult(dealID: String, key: String, in db: Database) throws -> IdempotentResult? {
        try decodeRows(
            db,
            sql: "SELECT request, result FROM idempotency_keys WHERE deal_id = ? AND key = ?",
            arguments: [dealID, key]
        ) { IdempotentResult(request: $0["request"], result: $0["result"]) }
        .first
    }

    // MARK: - Writing

    public func commit(_ changes: [DealChange]) async throws -> [ChangeReceipt] {
        try await write { db in
            try changes.map { try SQLiteStore.apply($0, in: db) }
        }
    }

    public func recordAttempt(_ attempt: HistoryRecord) async throws {
        try await write { db in try SQLiteStore.insertAttempt(attempt, in: db) }
    }

    static func insertAttempt(_ attempt: HistoryRecord, in db: Database) throws {
        try execute(
            db,
            sql: """
                INSERT INTO deal_audit (seq, deal_id, kind, at, actor, role, transition, stage, blockers, note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: (
                try nextSequence(db), attempt.dealID, attempt.kind, Millis(attempt.at), attempt.actor,
                attempt.role, attempt.transition, attempt.from, attempt.blockers ?? "[]", attempt.note,
            )
        )
    }

    /// The number the next history or audit entry takes: one more than any so far, so that a deal's
    /// history and attempts read in the order they happened. (Inside the write transaction, which
    /// SQLite gives one connection at a time.)
    static func nextSequence(_ db: Database) throws -> Int64 {
        let largest = try Int64.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT max(coalesce((SELECT max(seq) FROM deal_history), 0),
                        coalesce((SELECT max(seq) FROM deal_audit), 0))
                    """
            )
        )
        return (largest ?? 0) + 1
    }

    /// The rows of a query decoded as they are stepped, by a statement compiled once per connection.
    /// Unlike `Row.fetchAll`, no row is copied, and a column is found by name through the statement's
    /// index rather than by comparing lowercased names one by one. `decode` only reads its row: it must
    /// not keep it, nor query `db` (a cached statement with the same SQL would restart this cursor).
    static func decodeRows<T>(
        _ db: Database,
        sql: String,
        arguments: StatementArguments = [],
        _ decode: (Row) throws -> T
    ) throws -> [T] {
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        var decoded: [T] = []
        while let row = try rows.next() { decoded.append(try decode(row)) }
        return decoded
    }

    /// Writes one change inside the caller's transaction.
    static func apply(_ change: DealChange, in db: Database) throws -> ChangeReceipt {
        let deal = change.deal
        if let (key, _, _) = change.idempotency, let first = try idempotentResult(dealID: deal.id, key: key, in: db) {
            throw StoreError.idempotencyKeyUsed(dealID: deal.id, key: key, first: first)
        }
        let fields = try deal.storedFields
        if let expected = change.expectedVersion {
            try execute(
                db,
                sql: """
                    UPDATE deals SET workflow_version = ?, stage = ?, owner = ?, fields = ?, version = ?, updated_at = ?,
                    entered_stage_at = ?, outcome = ? WHERE id = ? AND version = ?
                    """,
                arguments: (
                    deal.workflowVersion, deal.stage, deal.owner, fields, deal.version, Millis(deal.updatedAt),
                    Millis(deal.enteredStageAt), deal.outcome, deal.id, expected,
                )
            )
            if db.changesCount == 0 {
                let actual = try Int.fetchOne(db, sql: "SELECT version FROM deals WHERE id = ?", arguments: [deal.id])
                throw StoreError.versionConflict(dealID: deal.id, expected: expected, actual: actual)
            }
        } else {
            do {
                try execute(
                    db,
                    sql: """
                        INSERT INTO deals (id, workflow_id, workflow_version, stage, owner, fields, version, created_at,
                        updated_at, entered_stage_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: (
                        deal.id, deal.workflowID, deal.workflowVersion, deal.stage, deal.owner, fields, deal.version,
                        Millis(deal.createdAt), Millis(deal.updatedAt), Millis(deal.enteredStageAt), deal.outcome,
                    )
                )
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw StoreError.duplicateDeal(deal.id)
            }
        }
        var sequence = change.history.isEmpty ? 0 : try nextSequence(db)
        for entry in change.history {
            defer { sequence += 1 }
            try execute(
                db,
                sql: """
                    INSERT INTO deal_history (seq, deal_id, deal_version, kind, at, actor, role, transition, from_stage,
                    to_stage, changes, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: (
                    sequence, deal.id, entry.dealVersion, entry.kind, Millis(entry.at), entry.actor,
                    entry.role,
                    entry.transition, entry.from, entry.to, entry.changes, entry.note,
                )
            )
        }
        let closedAt = Millis(change.history.last?.at ?? deal.updatedAt)
        var tasksCancelled = 0
        var timersCancelled = 0
        for cancellation in change.cancellations {
            switch cancellation {
            case .stage(let stage):
                try execute(
                    db,
                    sql: """
                        UPDATE tasks SET status = 'cancelled', closed_at = ?, closed_by = ?
                        WHERE deal_id = ? AND stage = ? AND status = 'open' AND keep = 0
                        """,
                    arguments: (closedAt, "left \(stage) at version \(deal.version)", deal.id, stage)
                )
                tasksCancelled += db.changesCount
                try execute(
                    db,
                    sql: """
                        UPDATE timers SET status = 'cancelled', closed_at = ?
                        WHERE deal_id = ? AND stage = ? AND status = 'pending'
                        """,
                    arguments: (closedAt, deal.id, stage)
                )
                timersCancelled += db.changesCount
            case .timer(let stage, let index):
                try execute(
                    db,
                    sql: """
                        UPDATE tasks SET status = 'cancelled', closed_at = ?, closed_by = ?
                        WHERE deal_id = ? AND stage = ? AND timer_index = ? AND status = 'open'
                        """,
                    arguments: (closedAt, "rescheduled at version \(deal.version)", deal.id, stage, index)
                )
                tasksCancelled += db.changesCount
                try execute(
                    db,
                    sql: """
                        UPDATE timers SET status = 'cancelled', closed_at = ?
                        WHERE deal_id = ? AND stage = ? AND timer_index = ? AND status = 'pending'
                        """,
                    arguments: (closedAt, deal.id, stage, index)
                )
                timersCancelled += db.changesCount
            case .migrated(let from, let to):
                try execute(
                    db,
                    sql: """
                        UPDATE timers SET status = 'cancelled', closed_at = ?
                        WHERE deal_id = ? AND stage = ? AND status = 'pending'
                        """,
                    arguments: (closedAt, deal.id, from)
                )
                timersCancelled += db.changesCount
                try execute(
                    db,
                    sql: """
                        UPDATE tasks SET stage = ?, timer_index = NULL WHERE deal_id = ? AND stage = ? AND status = 'open'
                        """,
                    arguments: (to, deal.id, from)
                )
            }
        }
        var tasksHandedOver = 0
        if let handover = change.handover {
            try execute(
                db,
                sql: "UPDATE tasks SET escalate_to = ? WHERE deal_id = ? AND status = 'open' AND escalate_to = ?",
                arguments: (handover.to, deal.id, handover.from)
            )
            try execute(
                db,
                sql: "UPDATE tasks SET assignee = ? WHERE deal_id = ? AND status = 'open' AND assignee = ?",
                arguments: (handover.to, deal.id, handover.from)
            )
            tasksHandedOver = db.changesCount
        }
        try insert(change.tasks, in: db)
        try insert(change.timers, in: db)
        try insert(change.events, in: db)
        let receipt = ChangeReceipt(
            tasksCancelled: tasksCancelled,
            timersCancelled: timersCancelled,
            tasksHandedOver: tasksHandedOver
        )
        if let (key, request, result) = change.idempotency {
            try execute(
                db,
                sql: "INSERT INTO idempotency_keys (deal_id, key, request, result, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: (deal.id, key, request, result(receipt), closedAt)
            )
        }
        return receipt
    }

    static func insert(_ tasks: [TaskRecord], in db: Database) throws {
        for task in tasks {
            try execute(
                db,
                sql: """
                    INSERT INTO tasks (id, deal_id, workflow_id, title, kind, assignee, due_at, status, stage, keep,
                    escalate_at, escalate_to, timer_index, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: (
                    task.id, task.dealID, task.workflowID, task.title, task.kind, task.assignee, Millis(task.dueAt),
                    task.status, task.stage, task.keep, task.escalateAt.map(Millis.init), task.escalateTo,
                    task.timerIndex,
                    Millis(task.createdAt),
                )
            )
        }
    }

    static func insert(_ timers: [TimerRecord], in db: Database) throws {
        for timer in timers {
            try execute(
                db,
                sql: """
                    INSERT INTO timers (id, deal_id, workflow_id, stage, timer_index, due_at, zone, effect, transition,
                    every, status, late, created_at, anchor_at, occurrence)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: (
                    timer.id, timer.dealID, timer.workflowID, timer.stage, timer.timerIndex, Millis(timer.dueAt),
                    timer.zone, timer.effect, timer.transition, timer.every, timer.status, timer.late,
                    Millis(timer.createdAt), Millis(timer.anchorAt), timer.occurrence,
                )
            )
        }
    }

    /// Events in order; one whose key is already in the outbox is the effect of an item fired before,
    /// and adds nothing.
    static func insert(_ events: [EventRecord], in db: Database) throws {
        for event in events {
            try execute(
                db,
                sql: """
                    INSERT INTO outbox (type, deal_id, workflow_id, at, data, key) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (key) WHERE key IS NOT NULL DO NOTHING
                    """,
                arguments: (event.type, event.dealID, event.workflowID, Millis(event.at), event.data, event.key)
            )
        }
    }
}

/// Instants are stored as integer milliseconds since 1970 (UTC): exact, compact, and sortable.
struct Millis: DatabaseValueConvertible, Sendable {
    let value: Int64

    init(_ date: Date) {
        value = Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(millis) / 1000) }

    var databaseValue: DatabaseValue { value.databaseValue }

    static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Millis? {
        Int64.fromDatabaseValue(dbValue).map { Millis(date: date($0)) }
    }

    private init(date: Date) {
        self.init(date)
    }
}
