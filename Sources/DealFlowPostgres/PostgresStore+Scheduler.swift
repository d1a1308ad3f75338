import DealFlowEngine
import Foundation
import PostgresNIO
import Synchronization

extension PostgresStore: SchedulerStore {
    /// Leases the due items to this process, oldest first, skipping those another live process holds.
    ///
    /// A row another scheduler is leasing at this moment is skipped (`FOR UPDATE SKIP LOCKED`) rather
    /// than waited for; a row another scheduler holds is skipped until its lease has run out on the
    /// database's clock, and then taken over (a rescue). ``perform(_:)`` fires an item only while this
    /// process still holds it.
    public func dueItems(dueBy now: Date, since: Date?, limit: Int) async throws -> [DueItem] {
        let due = Millis.of(now)
        let after = since.map(Millis.of) ?? Int64.min
        let leaseMillis = Int64(location.lease.components.seconds * 1000)
        let clock = Self.databaseMillis
        let holder = holder
        let (items, rescued) = try await write { connection in
            var items: [DueItem] = []
            var rescued = 0
            let kinds: [(table: String, condition: String, order: String, make: (PostgresRow) throws -> DueItem)] = [
                (
                    "tasks", "status = 'open' AND reminded_at IS NULL AND due_at <= $1 AND due_at > $2", "due_at",
                    { .reminder(try Self.taskRecord($0)) }
                ),
                (
                    "tasks",
                    """
                    status = 'open' AND escalated_at IS NULL AND escalate_at IS NOT NULL AND escalate_at <= $1
                    AND escalate_at > $2
                    """,
                    "escalate_at", { .escalation(try Self.taskRecord($0)) }
                ),
                (
                    "timers", "status = 'pending' AND due_at <= $1 AND due_at > $2", "due_at",
                    { .timer(try Self.timerRecord($0)) }
                ),
            ]
            for kind in kinds {
                var binds = PostgresBindings()
                binds.append(due)
                binds.append(after)
                binds.append(holder)
                binds.append(limit)
                binds.append(leaseMillis)
                let sql = """
                    WITH picked AS (
                        SELECT id, leased_by AS previous_holder FROM \(kind.table)
                        WHERE \(kind.condition) AND (leased_by IS NULL OR leased_by = $3 OR lease_until < \(clock))
                        ORDER BY \(kind.order), id LIMIT $4 FOR UPDATE SKIP LOCKED
                    )
                    UPDATE \(kind.table) AS leased SET leased_by = $3, lease_until = \(clock) + $5
                    FROM picked WHERE leased.id = picked.id
                    RETURNING leased.*, picked.previous_holder
                    """
                for row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: Self.quiet)
                    .collect()
                {
                    items.append(try kind.make(row))
                    let previous = try row.makeRandomAccess()["previous_holder"].decode(String?.self)
                    if let previous, previous != holder { rescued += 1 }
                }
            }
            // Each kind leased up to `limit`: what is beyond it overall goes back at once, so that other
            // schedulers can take it (a task kept for its reminder keeps its lease for its escalation).
            items.sort { ($0.dueAt, $0.key) < ($1.dueAt, $1.key) }
            let kept = items.prefix(limit)
            let surplus = items.dropFirst(limit)
            let keptIDs = Set(kept.map(Self.rowID))
            for table in ["tasks", "timers"] {
                let ids = Array(
                    Set(surplus.filter { Self.table(of: $0) == table }.map(Self.rowID)).subtracting(keptIDs)
                )
                guard !ids.isEmpty else { continue }
                var binds = PostgresBindings()
                binds.append(ids)
                binds.append(holder)
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            UPDATE \(table) SET leased_by = NULL, lease_until = NULL
                            WHERE id = ANY($1) AND leased_by = $2
                            """,
                        binds: binds
                    ),
                    logger: Self.quiet
                )
            }
            return (Array(kept), rescued)
        }
        if rescued > 0 {
            rescues.add(rescued, ordering: .relaxed)
            metrics.rescued(rescued)
        }
        if !items.isEmpty { startRenewingLeases() }
        return items
    }

    private static func rowID(_ item: DueItem) -> String {
        switch item {
        case .reminder(let task), .escalation(let task): task.id
        case .timer(let timer): timer.id
        }
    }

    private static func table(of item: DueItem) -> String {
        if case .timer = item { "timers" } else { "tasks" }
    }

    /// The earliest instant at which this process could fire something: an item another process holds
    /// counts from when its lease runs out. Each part reads the edge of an index.
    public func nextDueAt() async throws -> Date? {
        try await read { connection in
            let millis = try await connection.query(
                """
                SELECT least(
                    (SELECT due_at FROM tasks WHERE status = 'open' AND reminded_at IS NULL
                        AND (leased_by IS NULL OR leased_by = \(holder)) ORDER BY due_at LIMIT 1),
                    (SELECT escalate_at FROM tasks WHERE status = 'open' AND escalated_at IS NULL
                        AND escalate_at IS NOT NULL AND (leased_by IS NULL OR leased_by = \(holder))
                        ORDER BY escalate_at LIMIT 1),
                    (SELECT due_at FROM timers WHERE status = 'pending'
                        AND (leased_by IS NULL OR leased_by = \(holder)) ORDER BY due_at LIMIT 1),
                    (SELECT min(lease_until) FROM tasks WHERE leased_by IS NOT NULL AND leased_by <> \(holder)),
                    (SELECT min(lease_until) FROM timers WHERE leased_by IS NOT NULL AND leased_by <> \(holder))
                )
                """,
                logger: Self.quiet
            ).decode(Int64?.self).first { _ in true }
            return millis.flatMap { $0 }.map(Millis.date)
        }
    }

    /// The earliest due instant of anything not yet fired, whoever holds it: how long the oldest item
    /// has waited, for monitoring.
    public func oldestDueAt() async throws -> Date? {
        try await read { connection in
            let millis = try await connection.query(
                """
                SELECT least(
                    (SELECT min(due_at) FROM tasks WHERE status = 'open' AND reminded_at IS NULL),
                    (SELECT min(escalate_at) FROM tasks WHERE status = 'open' AND escalated_at IS NULL
                        AND escalate_at IS NOT NULL),
                    (SELECT min(due_at) FROM timers WHERE status = 'pending')
                )
                """,
                logger: Self.quiet
            ).decode(Int64?.self).first { _ in true }
            return millis.flatMap { $0 }.map(Millis.date)
        }
    }

    /// Counts the notifications of commits (`LISTEN`), from this process and every other: reading it
    /// costs no query.
    public func changeToken() async throws -> Int64 {
        try await changes.start(location: location)
        return changes.count
    }

    public func sharedNow() async throws -> Date? {
        try await read { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(Self.databaseMillis)"), logger: Self.quiet)
                .decode(Int64.self).first { _ in true }.map(Millis.date)
        }
    }

    public func releaseClaims() async throws {
        leases.stop()
        try await write { connection in
            // Other schedulers wait for these items' leases to run out: wake them.
            try await connection.query("NOTIFY \(unescaped: ChangeListener.channel)", logger: Self.quiet)
            for table in ["tasks", "timers"] {
                var binds = PostgresBindings()
                binds.append(holder)
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "UPDATE \(table) SET leased_by = NULL, lease_until = NULL WHERE leased_by = $1",
                        binds: binds
                    ),
                    logger: Self.quiet
                )
            }
        }
    }

    public func perform(_ firings: [Firing]) async throws -> [FiringOutcome] {
        let holder = holder
        return try await write { connection in
            var outcomes: [FiringOutcome] = []
            var events: [EventRecord] = []
            let items = firings.map(\.item)
            let released = (
                tasks: items.filter { Self.table(of: $0) == "tasks" }.map(Self.rowID),
                timers: items.filter { Self.table(of: $0) == "timers" }.map(Self.rowID)
            )
            // Every item still held is locked at once, so that no lease can run out half way through
            // the batch; an item whose lease another process has taken over is left to it.
            try await connection.query(
                """
                SELECT 1 FROM tasks WHERE id = ANY(\(released.tasks)) AND leased_by = \(holder)
                ORDER BY id FOR UPDATE
                """,
                logger: Self.quiet
            )
            try await connection.query(
                """
                SELECT 1 FROM timers WHERE id = ANY(\(released.timers)) AND leased_by = \(holder)
                ORDER BY id FOR UPDATE
                """,
                logger: Self.quiet
            )
            var index = 0
            while index < firings.count {
                // A run of reminders and escalations is claimed in one statement per kind.
                if Self.isNotice(firings[index]) {
                    var end = index
                    while end < firings.count && Self.isNotice(firings[end]) { end += 1 }
                    let run = firings[index..<end]
                    let claimed = try await Self.claimNotices(run, holder: holder, on: connection)
                    for firing in run {
                        let performed = claimed.contains(firing.item.key)
                        if performed { events += firing.events }
                        outcomes.append(performed ? .performed : .skipped)
                    }
                    index = end
                    continue
                }
                let firing = firings[index]
                index += 1
                // Only a deal change can be refused (its deal changed): that one is undone alone.
                let undoable = firing.change != nil
                if undoable { try await connection.query("SAVEPOINT firing", logger: Self.quiet) }
                var outcome = FiringOutcome.skipped
                do {
                    if try await Self.claim(firing, holder: holder, on: connection) {
                        if let change = firing.change {
                            _ = try await Self.apply(change, on: connection)
                            events += change.events
                        }
                        if let attempt = firing.attempt { try await Self.insertAttempt(attempt, on: connection) }
                        try await Self.insert(firing.tasks, on: connection)
                        try await Self.insert(firing.timers, on: connection)
                        events += firing.events
                        outcome = .performed
                    }
                } catch StoreError.versionConflict where undoable {
                    outcome = .conflict
                }
                if undoable {
                    let end = outcome == .performed ? "RELEASE SAVEPOINT firing" : "ROLLBACK TO SAVEPOINT firing"
                    try await connection.query(PostgresQuery(unsafeSQL: end), logger: Self.quiet)
                }
                outcomes.append(outcome)
            }
            // The leases end with the batch, not with each claim (a task's reminder and escalation may both
            // be in it): what was fired is closed, what was not is given back.
            try await connection.query(
                """
                UPDATE tasks SET leased_by = NULL, lease_until = NULL
                WHERE id = ANY(\(released.tasks)) AND leased_by = \(holder)
                """,
                logger: Self.quiet
            )
            try await connection.query(
                """
                UPDATE timers SET leased_by = NULL, lease_until = NULL
                WHERE id = ANY(\(released.timers)) AND leased_by = \(holder)
                """,
                logger: Self.quiet
            )
            let scheduled = zip(firings, outcomes).contains { firing, outcome in
                outcome == .performed
                    && (!firing.tasks.isEmpty || !firing.timers.isEmpty || !(firing.change?.tasks.isEmpty ?? true)
                        || !(firing.change?.timers.isEmpty ?? true))
            }
            try await Self.appendEvents(events, notify: scheduled, on: connection)
            return outcomes
        }
    }

    /// A reminder or an escalation: a claim and its events, nothing that can be refused.
    private static func isNotice(_ firing: Firing) -> Bool {
        switch firing.item {
        case .reminder, .escalation:
            firing.change == nil && firing.attempt == nil && firing.tasks.isEmpty && firing.timers.isEmpty
        case .timer: false
        }
    }

    /// Claims reminders and escalations in two statements, on the same terms as ``claim(_:holder:on:)``;
    /// returns the keys of the items claimed.
    private static func claimNotices(
        _ firings: ArraySlice<Firing>,
        holder: String,
        on connection: PostgresConnection
    ) async throws -> Set<String> {
        var claimed = Set<String>()
        for (column, dueColumn, isReminder) in [
            ("reminded_at", "due_at", true), ("escalated_at", "escalate_at", false),
        ] {
            var keys: [String: String] = [:]
            var ids: [String] = []
            var dues: [Int64] = []
            var firedAt: [Int64] = []
            for firing in firings {
                switch firing.item {
                case .reminder(let task) where isReminder, .escalation(let task) where !isReminder:
                    keys[task.id] = firing.item.key
                    ids.append(task.id)
                    dues.append(Millis.of(firing.item.dueAt))
                    firedAt.append(Millis.of(firing.firedAt))
                default: continue
                }
            }
            guard !ids.isEmpty else { continue }
            var binds = PostgresBindings()
            binds.append(ids)
            binds.append(dues)
            binds.append(firedAt)
            binds.append(holder)
            let sql = """
                UPDATE tasks AS task SET \(column) = claim.fired_at
                FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS claim (id, due, fired_at)
                WHERE task.id = claim.id AND task.status = 'open' AND task.\(column) IS NULL
                AND task.\(dueColumn) = claim.due AND task.leased_by = $4
                RETURNING task.id
                """
            for try await id in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: quiet)
                .decode(String.self)
            {
                if let key = keys[id] { claimed.insert(key) }
            }
        }
        return claimed
    }

    /// Marks the item fired if this process still holds it and it is exactly as it was read.
    private static func claim(_ firing: Firing, holder: String, on connection: PostgresConnection) async throws -> Bool
    {
        let firedAt = Millis.of(firing.firedAt)
        let rows: [PostgresRow]
        switch firing.item {
        case .reminder(let task):
            rows = try await connection.query(
                """
                UPDATE tasks SET reminded_at = \(firedAt)
                WHERE id = \(task.id) AND status = 'open' AND reminded_at IS NULL AND due_at = \(Millis.of(task.dueAt))
                AND leased_by = \(holder) RETURNING 1
                """,
                logger: quiet
            ).collect()
        case .escalation(let task):
            rows = try await connection.query(
                """
                UPDATE tasks SET escalated_at = \(firedAt)
                WHERE id = \(task.id) AND status = 'open' AND escalated_at IS NULL
                AND escalate_at = \(task.escalateAt.map(Millis.of)) AND leased_by = \(holder) RETURNING 1
                """,
                logger: quiet
            ).collect()
        case .timer(let timer):
            rows = try await connection.query(
                """
                UPDATE timers SET status = \(firing.timerStatus), closed_at = \(firedAt) WHERE id = \(timer.id) AND status = 'pending' AND due_at = \(Millis.of(timer.dueAt))
                AND leased_by = \(holder) RETURNING 1
                """,
                logger: quiet
            ).collect()
        }
        return rows.count == 1
    }

    /// Keeps this process's leases alive while it works: every third of a lease, each lease it holds
    /// is extended by a whole lease, on the database's clock. A process that dies stops renewing, and
    /// its items are rescued once the last renewal runs out.
    func startRenewingLeases() {
        let interval = location.lease / 3
        let leaseMillis = Int64(location.lease.components.seconds * 1000)
        leases.start { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                _ = try? await self.write { connection in
                    for table in ["tasks", "timers"] {
                        var binds = PostgresBindings()
                        binds.append(self.holder)
                        binds.append(leaseMillis)
                        try await connection.query(
                            PostgresQuery(
                                // Rows this process is firing are locked by its own transaction, which
                                // ends their leases anyway: skipped rather than waited for.
                                unsafeSQL: """
                                    UPDATE \(table) SET lease_until = \(Self.databaseMillis) + $2 WHERE id IN (
                                        SELECT id FROM \(table) WHERE leased_by = $1 FOR UPDATE SKIP LOCKED
                                    )
                                    """,
                                binds: binds
                            ),
                            logger: Self.quiet
                        )
                    }
                }
            }
        }
    }
}

/// A background task started once, on demand, and stopped with the store.
final class LeaseKeeper: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)

    func start(_ body: @escaping @Sendable () async -> Void) {
        task.withLock { running in
            if running == nil { running = Task(operation: body) }
        }
    }

    func stop() {
        task.withLock { running in
            running?.cancel()
            running = nil
        }
    }
}

/// Listens on the channel that commits scheduling new work notify, on a connection of its own outside
/// the pool (so that it never takes one of the pool's), and counts notifications.
final class ChangeListener: Sendable {
    /// The channel commits notify.
    static let channel = "dealflow_changes"
    private let notifications = Atomic<Int64>(0)
    private let listening = Atomic<Bool>(false)
    private let task = Mutex<Task<Void, Never>?>(nil)

    var count: Int64 { notifications.load(ordering: .relaxed) }

    /// Starts listening, if not yet, and returns once the server has confirmed `LISTEN`: a commit after
    /// that changes ``count``.
    func start(location: PostgresLocation) async throws {
        task.withLock { running in
            guard running == nil else { return }
            running = Task { [self] in
                while !Task.isCancelled {
                    do {
                        let connection = try await PostgresConnection.connect(
                            configuration: try location.connectionConfiguration(),
                            id: 1,
                            logger: PostgresStore.quiet
                        )
                        defer { Task { try? await connection.close() } }
                        try await connection.listen(on: Self.channel) { stream in
                            self.listening.store(true, ordering: .releasing)
                            for try await _ in stream { self.notifications.add(1, ordering: .relaxed) }
                        }
                    } catch {
                        // The connection was lost: whatever was notified meanwhile is unknown, so count a
                        // change, and listen again.
                        self.listening.store(false, ordering: .releasing)
                        self.notifications.add(1, ordering: .relaxed)
                        try? await Task.sleep(for: .milliseconds(500))
                    }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !listening.load(ordering: .acquiring) {
            guard ContinuousClock.now < deadline else {
                throw StoreError.unavailable("the database did not confirm LISTEN \(Self.channel) within 10 s")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func stop() {
        task.withLock { running in
            running?.cancel()
            running = nil
        }
    }
}
