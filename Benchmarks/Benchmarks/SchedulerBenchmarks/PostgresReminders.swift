import Benchmark
import DealFlowCore
import DealFlowEngine
import DealFlowPostgres
import DealFlowTestKit
import Foundation

/// 20,000 reminders due at once on PostgreSQL, fired by 1 or 4 schedulers at once (each its own store,
/// as separate processes would be): leased in batches of 500 with `FOR UPDATE SKIP LOCKED`, each batch
/// one transaction that claims its items and writes their outbox events. Reminders per second = 20,000
/// / the wall-clock time. The server runs with its default durability.
func postgresReminderBenchmarks() {
    setenv("DEALFLOW_TEST_POSTGRES_DURABLE", "1", 1)
    for schedulers in [1, 4] {
        Benchmark(
            "postgres: fire 20,000 due reminders, \(schedulers) scheduler\(schedulers == 1 ? "" : "s")",
            configuration: .init(maxDuration: .seconds(120), maxIterations: 3)
        ) { benchmark in
            let url = try PostgresTestServer.freshDatabase()
            let seeding = try await PostgresStore(url: url)
            seeding.close()
            let millis = Int64(Fixture.start.timeIntervalSince1970 * 1000)
            for sql in [
                "INSERT INTO workflow_versions VALUES ('bench', 1, '', 'bench.yaml', 0)",
                """
                INSERT INTO deals (id, workflow_id, workflow_version, stage, owner, fields, version, created_at,
                    updated_at, entered_stage_at)
                SELECT 'd' || i, 'bench', 1, 'open', 'ana', '{}', 1, \(millis), \(millis), \(millis)
                FROM generate_series(1, 20000) AS i
                """,
                """
                INSERT INTO tasks (id, deal_id, workflow_id, title, kind, assignee, due_at, status, stage, keep,
                    created_at)
                SELECT 't' || i, 'd' || i, 'bench', 'Call back', 'call', 'ana', \(millis), 'open', 'open', false,
                    \(millis)
                FROM generate_series(1, 20000) AS i
                """,
                "VACUUM ANALYZE",
            ] {
                _ = try PostgresTestServer.query(sql, in: url)
            }
            var stores: [PostgresStore] = []
            for _ in 0..<schedulers { stores.append(try await PostgresStore(url: url)) }
            defer { for store in stores { store.close() } }
            let now = Fixture.start.addingTimeInterval(60)
            benchmark.startMeasurement()
            let fired = try await withThrowingTaskGroup(of: Int.self) { group in
                for store in stores {
                    group.addTask {
                        try await Scheduler(store: store, clock: FixedClock(now)).fireDue().reminders
                    }
                }
                return try await group.reduce(0, +)
            }
            benchmark.stopMeasurement()
            precondition(fired == 20_000, "fired \(fired)")
        }
    }
}
