import DealFlowCore
import DealFlowEngine
import Foundation
import PostgresNIO

extension PostgresStore: DealStore {
    // MARK: - Workflows

    public func saveWorkflow(_ workflow: StoredWorkflow) async throws {
        try await write { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO workflow_versions (workflow_id, version, source, file, applied_at)
                VALUES (\(workflow.id), \(workflow.version), \(workflow.source), \(workflow.file),
                \(Millis.of(workflow.appliedAt))) ON CONFLICT DO NOTHING RETURNING 1
                """,
                logger: logger
            ).collect()
            if inserted.isEmpty { throw StoreError.duplicateWorkflowVersion(workflow.id, workflow.version) }
        }
    }

    public func workflow(id: String, version: Int?) async throws -> StoredWorkflow? {
        try await read { connection in
            let rows =
                if let version {
                    try await connection.query(
                        "SELECT * FROM workflow_versions WHERE workflow_id = \(id) AND version = \(version)",
                        logger: logger
                    )
                } else {
                    try await connection.query(
                        "SELECT * FROM workflow_versions WHERE workflow_id = \(id) ORDER BY version DESC LIMIT 1",
                        logger: logger
                    )
                }
            return try await rows.collect().first.map(Self.storedWorkflow)
        }
    }

    public func workflows() async throws -> [StoredWorkflow] {
        try await read { connection in
            try await connection.query(
                "SELECT * FROM workflow_versions ORDER BY workflow_id COLLATE \"C\", version",
                logger: logger
            ).collect().map(Self.storedWorkflow)
        }
    }

    private static func storedWorkflow(_ row: PostgresRow) throws -> StoredWorkflow {
        let row = row.makeRandomAccess()
        return StoredWorkflow(
            id: try row["workflow_id"].decode(String.self),
            version: try row["version"].decode(Int.self),
            source: try row["source"].decode(String.self),
            file: try row["file"].decode(String.self),
            appliedAt: Millis.date(try row["applied_at"].decode(Int64.self))
        )
    }

    // MARK: - Reading deals

    public func deal(id: String) async throws -> DealRecord? {
        try await read { connection in
            try await connection.query("SELECT * FROM deals WHERE id = \(id)", logger: logger)
                .collect().first.map(Self.dealRecord)
        }
    }

    public func existingDealIDs(among ids: [String]) async throws -> Set<String> {
        try await read { connection in
            var found = Set<String>()
            for try await id in try await connection.query(
                "SELECT id FROM deals WHERE id = ANY(\(ids))",
                logger: logger
            ).decode(String.self) {
                found.insert(id)
            }
            return found
        }
    }

    public func deals(_ query: DealQuery) async throws -> [DealRecord] {
        var filter = Filter()
        filter.add("workflow_id", query.workflowID)
        filter.add("stage", query.stage)
        filter.add("owner", query.owner)
        if let bound = query.fieldBefore, bound.isPlainName {
            filter.add("(fields::jsonb ->> '\(bound.field)') COLLATE \"C\"", bound.value, operator: "<")
        }
        let sql = filter.select(
            from: "deals",
            orderBy: "created_at, id COLLATE \"C\"",
            limit: query.limit,
            offset: query.offset
        )
        return try await read { connection in
            try await connection.query(sql, logger: logger).collect().map(Self.dealRecord)
        }
    }

    static func dealRecord(_ row: PostgresRow) throws -> DealRecord {
        let row = row.makeRandomAccess()
        let text = try row["fields"].decode(String.self)
        return DealRecord(
            id: try row["id"].decode(String.self),
            workflowID: try row["workflow_id"].decode(String.self),
            workflowVersion: try row["workflow_version"].decode(Int.self),
            stage: try row["stage"].decode(String.self),
            owner: try row["owner"].decode(String.self),
            fields: try DealRecord.fields(stored: text),
            version: try row["version"].decode(Int.self),
            createdAt: Millis.date(try row["created_at"].decode(Int64.self)),
            updatedAt: Millis.date(try row["updated_at"].decode(Int64.self)),
            enteredStageAt: Millis.date(try row["entered_stage_at"].decode(Int64.self)),
            outcome: try row["outcome"].decode(String?.self)
        )
    }

    public func history(dealID: String) async throws -> [HistoryRecord] {
        try await read { connection in
            var entries: [HistoryRecord] = []
            for row in try await connection.query(
                "SELECT * FROM deal_history WHERE deal_id = \(dealID)",
                logger: logger
            ).collect() {
                let row = row.makeRandomAccess()
                entries.append(
                    HistoryRecord(
                        sequence: try row["seq"].decode(Int64.self),
                        dealID: try row["deal_id"].decode(String.self),
                        dealVersion: try row["deal_version"].decode(Int.self),
                        kind: try row["kind"].decode(String.self),
                        at: Millis.date(try row["at"].decode(Int64.self)),
                        actor: try row["actor"].decode(String.self),
                        role: try row["role"].decode(String?.self),
                        transition: try row["transition"].decode(String?.self),
                        from: try row["from_stage"].decode(String?.self),
                        to: try row["to_stage"].decode(String?.self),
                        changes: try row["changes"].decode(String.self),
                        blockers: nil,
                        note: try row["note"].decode(String?.self)
                    )
                )
            }
            for row in try await connection.query(
                "SELECT * FROM deal_audit WHERE deal_id = \(dealID)",
                logger: logger
            ).collect() {
                let row = row.makeRandomAccess()
                entries.append(
                    HistoryRecord(
                        sequence: try row["seq"].decode(Int64.self),
                        dealID: try row["deal_id"].decode(String.self),
                        dealVersion: nil,
                        kind: try row["kind"].decode(String.self),
                        at: Millis.date(try row["at"].decode(Int64.self)),
                        actor: try row["actor"].decode(String.self),
                        role: try row["role"].decode(String?.self),
                        transition: try row["transition"].decode(String?.self),
                        from: try row["stage"].decode(String?.self),
                        to: nil,
                        changes: "{}",
                        blockers: try row["blockers"].decode(String?.self),
                        note: try row["note"].decode(String?.self)
                    )
                )
            }
            return entries.sorted { $0.sequence < $1.sequence }
        }
    }

    public func openTasks(dealID: String) async throws -> [TaskRecord] {
        try await read { connection in
            try await connection.query(
                "SELECT * FROM tasks WHERE deal_id = \(dealID) AND status = 'open' ORDER BY due_at, id COLLATE \"C\"",
                logger: logger
            ).collect().map(Self.taskRecord)
        }
    }

    static func taskRecord(_ row: PostgresRow) throws -> TaskRecord {
        let row = row.makeRandomAccess()
        return TaskRecord(
            id: try row["id"].decode(String.self),
            dealID: try row["deal_id"].decode(String.self),
            workflowID: try row["workflow_id"].decode(String.self),
            title: try row["title"].decode(String.self),
            kind: try row["kind"].decode(String.self),
            assignee: try row["assignee"].decode(String.self),
            dueAt: Millis.date(try row["due_at"].decode(Int64.self)),
            status: try row["status"].decode(String.self),
            stage: try row["stage"].decode(String.self),
            keep: try row["keep"].decode(Bool.self),
            escalateAt: try row["escalate_at"].decode(Int64?.self).map(Millis.date),
            escalateTo: try row["escalate_to"].decode(String?.self),
            timerIndex: try row["timer_index"].decode(Int?.self),
            createdAt: Millis.date(try row["created_at"].decode(Int64.self)),
            remindedAt: try row["reminded_at"].decode(Int64?.self).map(Millis.date),
            escalatedAt: try row["escalated_at"].decode(Int64?.self).map(Millis.date)
        )
    }

    public func pendingTimers(dealID: String) async throws -> [TimerRecord] {
        try await read { connection in
            try await connection.query(
                """
                SELECT * FROM timers WHERE deal_id = \(dealID) AND status = 'pending' ORDER BY due_at, id COLLATE "C"
                """,
                logger: logger
            ).collect().map(Self.timerRecord)
        }
    }

    static func timerRecord(_ row: PostgresRow) throws -> TimerRecord {
        let row = row.makeRandomAccess()
        return TimerRecord(
            id: try row["id"].decode(String.self),
            dealID: try row["deal_id"].decode(String.self),
            workflowID: try row["workflow_id"].decode(String.self),
            stage: try row["stage"].decode(String.self),
            timerIndex: try row["timer_index"].decode(Int.self),
            dueAt: Millis.date(try row["due_at"].decode(Int64.self)),
            zone: try row["zone"].decode(String.self),
            effect: try row["effect"].decode(String.self),
            transition: try row["transition"].decode(String?.self),
            every: try row["every"].decode(String?.self),
            status: try row["status"].decode(String.self),
            late: try row["late"].decode(Bool.self),
            createdAt: Millis.date(try row["created_at"].decode(Int64.self)),
            anchorAt: try row["anchor_at"].decode(Int64?.self).map(Millis.date),
            occurrence: try row["occurrence"].decode(Int.self)
        )
    }

    public func idempotentResult(dealID: String, key: String) async throws -> IdempotentResult? {
        try await read { connection in try await Self.idempotentResult(dealID: dealID, key: key, on: connection) }
    }

    static func idempotentResult(
        dealID: String,
        key: String,
        on connection: PostgresConnection
    ) async throws -> IdempotentResult? {
        for try await (request, result) in try await connection.query(
            "SELECT request, result FROM idempotency_keys WHERE deal_id = \(dealID) AND key = \(key)",
            logger: quiet
        ).decode((String, String).self) {
            return IdempotentResult(request: request, result: result)
        }
        return nil
    }

    // MARK: - Writing

    public func commit(_ changes: [DealChange]) async throws -> [ChangeReceipt] {
        try await write { connection in
            var receipts: [ChangeReceipt] = []
            var events: [EventRecord] = []
            for change in changes {
                receipts.append(try await Self.apply(change, on: connection))
                events += change.events
            }
            try await Self.appendEvents(
                events,
                notify: changes.contains { !$0.tasks.isEmpty || !$0.timers.isEmpty },
                on: connection
            )
            return receipts
        }
    }

    public func recordAttempt(_ attempt: HistoryRecord) async throws {
        try await write { connection in try await Self.insertAttempt(attempt, on: connection) }
    }

    static func insertAttempt(_ attempt: HistoryRecord, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO deal_audit (deal_id, kind, at, actor, role, transition, stage, blockers, note)
            VALUES (\(attempt.dealID), \(attempt.kind), \(Millis.of(attempt.at)), \(attempt.actor), \(attempt.role),
            \(attempt.transition), \(attempt.from), \(attempt.blockers ?? "[]"), \(attempt.note))
            """,
            logger: quiet
        )
    }

    /// Writes one change inside the caller's transaction, all but its events: those are appended last,
    /// by ``appendEvents(_:on:)``, once every row lock of the transaction is held.
    static func apply(_ change: DealChange, on connection: PostgresConnection) async throws -> ChangeReceipt {
        let deal = change.deal
        let logger = quiet
        if let (key, _, _) = change.idempotency,
            let first = try await idempotentResult(dealID: deal.id, key: key, on: connection)
        {
            throw StoreError.idempotencyKeyUsed(dealID: deal.id, key: key, first: first)
        }
        let fields = try deal.storedFields
        if let expected = change.expectedVersion {
            let updated = try await connection.query(
                """
                UPDATE deals SET workflow_version = \(deal.workflowVersion), stage = \(deal.stage), owner = \(deal.owner), fields = \(fields),
                version = \(deal.version), updated_at = \(Millis.of(deal.updatedAt)),
                entered_stage_at = \(Millis.of(deal.enteredStageAt)), outcome = \(deal.outcome)
                WHERE id = \(deal.id) AND version = \(expected) RETURNING 1
                """,
                logger: logger
            ).collect()
            if updated.isEmpty {
                let actual = try await connection.query(
                    "SELECT version FROM deals WHERE id = \(deal.id)",
                    logger: logger
                ).decode(Int.self).first { _ in true }
                throw StoreError.versionConflict(dealID: deal.id, expected: expected, actual: actual)
            }
        } else {
            // ON CONFLICT rather than catching the error: an error would abort the whole transaction.
            let inserted = try await connection.query(
                """
                INSERT INTO deals (id, workflow_id, workflow_version, stage, owner, fields, version, created_at,
                updated_at, entered_stage_at, outcome) VALUES (\(deal.id), \(deal.workflowID),
                \(deal.workflowVersion), \(deal.stage), \(deal.owner), \(fields), \(deal.version),
                \(Millis.of(deal.createdAt)), \(Millis.of(deal.updatedAt)), \(Millis.of(deal.enteredStageAt)),
                \(deal.outcome)) ON CONFLICT (id) DO NOTHING RETURNING 1
                """,
                logger: logger
            ).collect()
            if inserted.isEmpty { throw StoreError.duplicateDeal(deal.id) }
        }
        for entry in change.history {
            try await connection.query(
                """
                INSERT INTO deal_history (deal_id, deal_version, kind, at, actor, role, transition, from_stage,
                to_stage, changes, note) VALUES (\(deal.id), \(entry.dealVersion), \(entry.kind),
                \(Millis.of(entry.at)), \(entry.actor), \(entry.role), \(entry.transition), \(entry.from),
                \(entry.to), \(entry.changes), \(entry.note))
                """,
                logger: logger
            )
        }
        let closedAt = Millis.of(change.history.last?.at ?? deal.updatedAt)
        var tasksCancelled = 0
        var timersCancelled = 0
        for cancellation in change.cancellations {
            switch cancellation {
            case .stage(let stage):
                tasksCancelled += try await connection.query(
                    """
                    UPDATE tasks SET status = 'cancelled', closed_at = \(closedAt),
                    closed_by = \("left \(stage) at version \(deal.version)"), leased_by = NULL, lease_until = NULL
                    WHERE deal_id = \(deal.id) AND stage = \(stage) AND status = 'open' AND NOT keep RETURNING 1
                    """,
                    logger: logger
                ).collect().count
                timersCancelled += try await connection.query(
                    """
                    UPDATE timers SET status = 'cancelled', closed_at = \(closedAt), leased_by = NULL,
                    lease_until = NULL WHERE deal_id = \(deal.id) AND stage = \(stage) AND status = 'pending' RETURNING 1
                    """,
                    logger: logger
                ).collect().count
            case .timer(let stage, let index):
                tasksCancelled += try await connection.query(
                    """
                    UPDATE tasks SET status = 'cancelled', closed_at = \(closedAt),
                    closed_by = \("rescheduled at version \(deal.version)"), leased_by = NULL, lease_until = NULL
                    WHERE deal_id = \(deal.id) AND stage = \(stage) AND timer_index = \(index) AND status = 'open'
                    RETURNING 1
                    """,
                    logger: logger
                ).collect().count
                timersCancelled += try await connection.query(
                    """
                    UPDATE timers SET status = 'cancelled', closed_at = \(closedAt), leased_by = NULL,
                    lease_until = NULL WHERE deal_id = \(deal.id) AND stage = \(stage) AND timer_index = \(index)
                    AND status = 'pending' RETURNING 1
                    """,
                    logger: logger
                ).collect().count
            case .migrated(let from, let to):
                timersCancelled += try await connection.query(
                    """
                    UPDATE timers SET status = 'cancelled', closed_at = \(closedAt), leased_by = NULL,
                    lease_until = NULL WHERE deal_id = \(deal.id) AND stage = \(from) AND status = 'pending' RETURNING 1
                    """,
                    logger: logger
                ).collect().count
                try await connection.query(
                    """
                    UPDATE tasks SET stage = \(to), timer_index = NULL
                    WHERE deal_id = \(deal.id) AND stage = \(from) AND status = 'open'
                    """,
                    logger: logger
                )
            }
        }
        var tasksHandedOver = 0
        if let handover = change.handover {
            try await connection.query(
                """
                UPDATE tasks SET escalate_to = \(handover.to)
                WHERE deal_id = \(deal.id) AND status = 'open' AND escalate_to = \(handover.from)
                """,
                logger: logger
            )
            tasksHandedOver = try await connection.query(
                """
                UPDATE tasks SET assignee = \(handover.to)
                WHERE deal_id = \(deal.id) AND status = 'open' AND assignee = \(handover.from) RETURNING 1
                """,
                logger: logger
            ).collect().count
        }
        try await insert(change.tasks, on: connection)
        try await insert(change.timers, on: connection)
        let receipt = ChangeReceipt(
            tasksCancelled: tasksCancelled,
            timersCancelled: timersCancelled,
            tasksHandedOver: tasksHandedOver
        )
        if let (key, request, result) = change.idempotency {
            try await connection.query(
                """
                INSERT INTO idempotency_keys (deal_id, key, request, result, created_at)
                VALUES (\(deal.id), \(key), \(request), \(result(receipt)), \(closedAt))
                """,
                logger: logger
            )
        }
        return receipt
    }

    static func insert(_ tasks: [TaskRecord], on connection: PostgresConnection) async throws {
        for task in tasks {
            try await connection.query(
                """
                INSERT INTO tasks (id, deal_id, workflow_id, title, kind, assignee, due_at, status, stage, keep,
                escalate_at, escalate_to, timer_index, created_at) VALUES (\(task.id), \(task.dealID),
                \(task.workflowID), \(task.title), \(task.kind), \(task.assignee), \(Millis.of(task.dueAt)),
                \(task.status), \(task.stage), \(task.keep), \(task.escalateAt.map(Millis.of)), \(task.escalateTo),
                \(task.timerIndex), \(Millis.of(task.createdAt)))
                """,
                logger: quiet
            )
        }
    }

    static func insert(_ timers: [TimerRecord], on connection: PostgresConnection) async throws {
        for timer in timers {
            try await connection.query(
                """
                INSERT INTO timers (id, deal_id, workflow_id, stage, timer_index, due_at, zone, effect, transition,
                every, status, late, created_at, anchor_at, occurrence) VALUES (\(timer.id), \(timer.dealID),
                \(timer.workflowID), \(timer.stage), \(timer.timerIndex), \(Millis.of(timer.dueAt)), \(timer.zone),
                \(timer.effect), \(timer.transition), \(timer.every), \(timer.status), \(timer.late),
                \(Millis.of(timer.createdAt)), \(Millis.of(timer.anchorAt)), \(timer.occurrence))
                """,
                logger: quiet
            )
        }
    }

    /// Appends events to the outbox, in order, as the last writes of a transaction.
    ///
    /// Outbox ids come from a sequence, and a sequence hands out numbers in the order transactions ask,
    /// not the order they commit: a consumer that read event 11 while event 10 was still uncommitted
    /// would move its cursor past 10 and never see it. So appends take one advisory lock, held until
    /// commit: ids become visible in order. The lock is taken last, when the transaction holds every
    /// row lock it needs, so that it cannot deadlock with a transaction waiting on those rows. With
    /// `notify`, a NOTIFY wakes the schedulers listening.
    static func appendEvents(_ events: [EventRecord], notify: Bool, on connection: PostgresConnection) async throws {
        // Only when there is new work to schedule: PostgreSQL serializes the commits of notifying
        // transactions.
        if notify { try await connection.query("NOTIFY \(unescaped: ChangeListener.channel)", logger: quiet) }
        guard !events.isEmpty else { return }
        try await connection.query("SELECT pg_advisory_xact_lock(\(outboxLock))", logger: quiet)
        // One statement for the lot, in order (an empty key stands for none: arrays cannot hold NULL here).
        try await connection.query(
            """
            INSERT INTO outbox (type, deal_id, workflow_id, at, data, key)
            SELECT type, deal_id, workflow_id, at, data, nullif(key, '')
            FROM unnest(\(events.map(\.type)), \(events.map(\.dealID)), \(events.map(\.workflowID)),
                \(events.map { Millis.of($0.at) }), \(events.map(\.data)), \(events.map { $0.key ?? "" }))
                WITH ORDINALITY AS event (type, deal_id, workflow_id, at, data, key, position)
            ORDER BY position
            ON CONFLICT (key) DO NOTHING
            """,
            logger: quiet
        )
    }
}

/// `SELECT * FROM table WHERE ...` built from the filters that have a value, with bound parameters.
struct Filter {
    private var conditions: [String] = []
    private(set) var binds = PostgresBindings()

    mutating func add(_ column: String, _ value: String?, operator op: String = "=") {
        guard let value else { return }
        binds.append(value)
        conditions.append("\(column) \(op) $\(binds.count)")
    }

    mutating func add(_ column: String, _ value: Int64?, operator op: String = "=") {
        guard let value else { return }
        binds.append(value)
        conditions.append("\(column) \(op) $\(binds.count)")
    }

    func select(from table: String, orderBy order: String, limit: Int?, offset: Int? = nil) -> PostgresQuery {
        var sql = "SELECT * FROM \(table)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY \(order)"
        var binds = binds
        if let limit {
            binds.append(limit)
            sql += " LIMIT $\(binds.count)"
        }
        if let offset {
            binds.append(offset)
            sql += " OFFSET $\(binds.count)"
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
