import DealFlowEngine
import DealFlowTestKit
import Foundation
import Testing

@testable import DealFlowPostgres

/// What only a shared store has: leases on due items, the database's clock, and schedulers that die.
@Suite("PostgreSQL: leases, the database clock, the schema")
struct PostgresSchedulingTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    /// A workflow row and `count` deals, each with one open task due at `due`.
    static func seed(_ store: PostgresStore, deals count: Int, due: Date = start) async throws {
        try await store.saveWorkflow(StoredWorkflow(id: "w", version: 1, source: "", file: "w.yaml", appliedAt: start))
        let changes = (0..<count).map { index in
            let deal = DealRecord(
                id: "d\(index)",
                workflowID: "w",
                workflowVersion: 1,
                stage: "open",
                owner: "ana",
                fields: [:],
                version: 1,
                createdAt: start,
                updatedAt: start,
                enteredStageAt: start,
                outcome: nil
            )
            let history = HistoryRecord(
                dealID: deal.id,
                dealVersion: 1,
                kind: "created",
                at: start,
                actor: "ana",
                role: nil,
                transition: nil,
                from: nil,
                to: "open",
                changes: "{}",
                blockers: nil,
                note: nil
            )
            let task = TaskRecord(
                id: "t\(index)",
                dealID: deal.id,
                workflowID: "w",
                title: "Call",
                kind: "call",
                assignee: "ana",
                dueAt: due,
                status: "open",
                stage: "open",
                keep: false,
                escalateAt: nil,
                escalateTo: nil,
                timerIndex: nil,
                createdAt: start
            )
            return DealChange(deal: deal, expectedVersion: nil, history: [history], tasks: [task])
        }
        try await store.commit(changes)
    }

    static func reminder(_ item: DueItem, at now: Date) -> Firing {
        guard case .reminder(let task) = item else { fatalError("a reminder was expected, not \(item)") }
        let event = EventRecord(
            type: "task.reminder",
            dealID: task.dealID,
            workflowID: task.workflowID,
            at: now,
            data: "{}",
            key: item.key
        )
        return Firing(item: item, firedAt: now, events: [event])
    }

    @Test func anItemHeldByOneSchedulerIsInvisibleToAnotherUntilItsLeaseRunsOut() async throws {
        let url = try PostgresTestServer.freshDatabase() + "&lease=2"
        let first = try await PostgresStore(url: url)
        let second = try await PostgresStore(url: url)
        defer { second.close() }
        try await Self.seed(first, deals: 10)
        let now = Self.start.addingTimeInterval(60)

        let held = try await first.dueItems(dueBy: now, since: nil, limit: 6)
        #expect(held.count == 6)
        let rest = try await second.dueItems(dueBy: now, since: nil, limit: 100)
        #expect(rest.count == 4, "the second scheduler saw items the first holds")
        #expect(Set(held.map(\.key)).isDisjoint(with: rest.map(\.key)))
        #expect(
            try await second.perform(rest.map { Self.reminder($0, at: now) }) == Array(repeating: .performed, count: 4)
        )

        // The first scheduler dies: it neither fires nor gives back. Nothing is due for the second until
        // the lease has run out on the database's clock, and then it takes the items over.
        first.close()
        #expect(try await second.dueItems(dueBy: now, since: nil, limit: 100).isEmpty)
        try await Task.sleep(for: .milliseconds(2_300))
        let rescued = try await second.dueItems(dueBy: now, since: nil, limit: 100)
        #expect(Set(rescued.map(\.key)) == Set(held.map(\.key)))
        #expect(second.leaseRescues == 6)
        #expect(try await second.perform(rescued.map { Self.reminder($0, at: now) }).allSatisfy { $0 == .performed })
        let events = try await second.events(after: 0, type: "task.reminder", limit: nil)
        #expect(events.count == 10 && Set(events.compactMap(\.key)).count == 10)
    }

    @Test func aSchedulerWhoseLeaseWasTakenOverFiresNothing() async throws {
        let url = try PostgresTestServer.freshDatabase() + "&lease=2"
        let slow = try await PostgresStore(url: url)
        let other = try await PostgresStore(url: url)
        defer {
            slow.close()
            other.close()
        }
        try await Self.seed(slow, deals: 3)
        let now = Self.start.addingTimeInterval(60)
        let stale = try await slow.dueItems(dueBy: now, since: nil, limit: 10)
        #expect(stale.count == 3)
        // The slow scheduler stalls (a long pause of its process): it stops renewing, its lease runs
        // out, and the other takes the items over without firing them yet.
        slow.leases.stop()
        try await Task.sleep(for: .milliseconds(2_300))
        let taken = try await other.dueItems(dueBy: now, since: nil, limit: 10)
        #expect(taken.count == 3 && other.leaseRescues == 3)
        // The slow one wakes up and tries to fire what it read: it no longer holds it, so nothing fires.
        #expect(try await slow.perform(stale.map { Self.reminder($0, at: now) }).allSatisfy { $0 == .skipped })
        #expect(try await other.events(after: 0, type: "task.reminder", limit: nil).isEmpty)
        #expect(try await other.perform(taken.map { Self.reminder($0, at: now) }).allSatisfy { $0 == .performed })
        #expect(try await other.events(after: 0, type: "task.reminder", limit: nil).count == 3)
    }

    @Test func releasedClaimsAreDueForAnotherSchedulerAtOnce() async throws {
        let url = try PostgresTestServer.freshDatabase()
        let first = try await PostgresStore(url: url)
        let second = try await PostgresStore(url: url)
        defer {
            first.close()
            second.close()
        }
        try await Self.seed(first, deals: 5)
        let now = Self.start.addingTimeInterval(60)
        #expect(try await first.dueItems(dueBy: now, since: nil, limit: 10).count == 5)
        #expect(try await second.dueItems(dueBy: now, since: nil, limit: 10).isEmpty)
        #expect(try await second.nextDueAt()! > now, "items another holds are due for it only when the lease ends")
        let token = try await second.changeToken()
        try await first.releaseClaims()
        // The other scheduler is woken: its change token moves within moments.
        let deadline = ContinuousClock.now + .seconds(5)
        while try await second.changeToken() == token && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await second.changeToken() != token, "giving claims back woke nobody")
        #expect(try await second.dueItems(dueBy: now, since: nil, limit: 10).count == 5)
        #expect(second.leaseRescues == 0, "given back is not rescued")
    }

    @Test func theSchedulerFiresByTheDatabasesClockNotItsOwn() async throws {
        let url = try PostgresTestServer.freshDatabase()
        let store = try await PostgresStore(url: url)
        defer { store.close() }
        // Due an hour ago by the database's clock; the scheduler's own clock is a year behind.
        try await Self.seed(store, deals: 2, due: Date().addingTimeInterval(-3600))
        let behind = FixedClock(Date().addingTimeInterval(-365 * 86_400))
        let byOwnClock = Scheduler(store: store, clock: behind, usesStoreClock: false)
        #expect(try await byOwnClock.fireDue().fired == 0)
        let byDatabase = Scheduler(store: store, clock: behind, usesStoreClock: true)
        let report = try await byDatabase.fireDue()
        #expect(report.reminders == 2)
        #expect(report.maxLateness >= 3590 && report.maxLateness < 3700)
        let shared = try #require(try await store.sharedNow())
        #expect(abs(shared.timeIntervalSinceNow) < 5)
    }

    @Test func theHistoryIsAppendOnlyAndTheMigrationsHaveTheEmbeddedStoresNames() async throws {
        let url = try PostgresTestServer.freshDatabase()
        let store = try await PostgresStore(url: url)
        defer { store.close() }
        try await Self.seed(store, deals: 1)
        try await store.recordAttempt(
            HistoryRecord(
                dealID: "d0",
                dealVersion: nil,
                kind: "blocked",
                at: Self.start,
                actor: "ana",
                role: nil,
                transition: "win",
                from: "open",
                to: nil,
                changes: "{}",
                blockers: "[]",
                note: nil
            )
        )
        #expect(
            try await store.completeTask(
                id: "t0",
                entry: TaskLogEntry(taskID: "t0", at: Self.start, actor: "ana", action: "done", detail: nil)
            )
        )
        try await store.recordRefusal(
            AccessRefusal(at: Self.start, actor: "mallory", role: nil, action: "deal note d1", dealID: nil, reason: "x")
        )
        for sql in [
            "UPDATE deal_history SET actor = 'mallory'", "DELETE FROM deal_history", "TRUNCATE deal_history",
            "DELETE FROM deal_audit", "TRUNCATE deal_audit", "UPDATE task_log SET actor = 'mallory'",
            "TRUNCATE task_log", "UPDATE access_refusals SET actor = 'ana'", "DELETE FROM access_refusals",
            "TRUNCATE access_refusals",
        ] {
            #expect(throws: PostgresTestServer.Unavailable.self, "\(sql) was allowed") {
                try PostgresTestServer.query(sql, in: url)
            }
        }
        #expect(try PostgresTestServer.query("SELECT count(*) FROM deal_history", in: url) == "1")
        let names = try PostgresTestServer.query("SELECT name FROM dealflow_migrations ORDER BY name", in: url)
        #expect(
            names.split(separator: "\n") == [
                "v1 workflows, deals, history, tasks, timers, outbox",
                "v2 scheduler: reminders, recurrences, outbox keys, task log, delivery",
                "v3 roster and access refusals",
                "v4 indexes for the reports and the scheduler's backlog",
                "v5 a workflow's deals in id order, for the reports",
            ]
        )
        // A second process opening the same database finds it migrated, and migrates nothing again.
        let again = try await PostgresStore(url: url)
        again.close()
        #expect(try PostgresTestServer.query("SELECT count(*) FROM dealflow_migrations", in: url) == "5")
    }

    @Test func aBadURLIsNamedPartByPart() throws {
        for (url, complaint) in [
            ("postgres://127.0.0.1/db", "names no user"),
            ("postgres://ana@127.0.0.1", "names no database"),
            ("postgres://ana@127.0.0.1/db?pool=0", "pool=0"),
            ("postgres://ana@127.0.0.1/db?lease=1", "lease=1"),
            ("postgres://ana@127.0.0.1/db?sslmode=maybe", "sslmode=maybe"),
            ("postgres://ana@127.0.0.1/db?colour=blue", "'colour'"),
        ] {
            #expect {
                try PostgresLocation(url: url)
            } throws: { error in
                "\(error)".contains(complaint)
            }
        }
        let location = try PostgresLocation(url: "postgres://ana:secret@db.example:6543/sales?pool=4&lease=10")
        #expect(location.description == "postgres://ana@db.example:6543/sales")
        #expect(location.poolSize == 4 && location.lease == .seconds(10) && location.password == "secret")
    }
}
