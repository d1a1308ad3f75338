import Benchmark
import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation
import GRDB

/// The scheduler: a backlog of 100,000 due reminders, and the lateness of reminders at a steady rate.
let benchmarks: @Sendable () -> Void = {
    // As the `dealflow` command does, before any benchmark opens a database.
    SQLiteStore.turnOffMemoryStatistics()
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident],
        warmupIterations: 0,
        maxDuration: .seconds(120),
        maxIterations: 3
    )

    // 100,000 reminders due at once (a week of downtime, or a bulk import), fired in batches of 500,
    // each batch one IMMEDIATE transaction that claims the items and writes their outbox events.
    // One iteration fires them all; reminders per second = 100,000 / its wall-clock time.
    Benchmark("scheduler: fire 100,000 due reminders (synchronous=FULL)") { benchmark in
        let (store, _, cleanup) = try Fixture.store()
        defer { cleanup() }
        try Fixture.seed(store, deals: 100_000, dueAt: Fixture.start)
        let scheduler = Scheduler(store: store, clock: FixedClock(Fixture.start.addingTimeInterval(60)))
        benchmark.startMeasurement()
        let report = try await scheduler.fireDue()
        benchmark.stopMeasurement()
        precondition(report.reminders == 100_000, "fired \(report.reminders)")
    }

    // A daemon on the real clock while another connection schedules reminders at a steady rate: every
    // 10 ms one transaction adds `rate / 100` of them, each due one second after it is written. Each
    // reminder's lateness (from its due instant to the instant the scheduler fired it) is one sample of
    // `lateness (µs)`; the table gives its percentiles.
    let lateness = BenchmarkMetric.custom("lateness (µs)", polarity: .prefersSmaller, useScalingFactor: false)
    for (rate, name) in [(100, "100"), (1_000, "1,000")] {
        Benchmark(
            "scheduler: lateness at \(name) reminders/s",
            configuration: .init(metrics: [lateness, .peakMemoryResident], maxIterations: 1)
        ) { benchmark in
            let (store, path, cleanup) = try Fixture.store()
            defer { cleanup() }
            try Fixture.seed(store, deals: 1, dueAt: nil)
            let scheduler = Scheduler(store: store, clock: SystemClock())
            let daemon = Task { try await scheduler.run() }
            let producer = try SQLiteStore(path: path)
            let perTick = rate / 100
            let ticks = 1_000  // ten seconds
            let begun = ContinuousClock.now
            for tick in 0..<ticks {
                let due = Date().addingTimeInterval(1)
                try await producer.writer.write { db in
                    for index in 0..<perTick {
                        try Fixture.insertTask(db, id: "steady-\(tick)-\(index)", dueAt: due)
                    }
                }
                // Against the clock, not 10 ms after the last write: the rate stays the one named.
                try await Task.sleep(until: begun + .milliseconds(10 * (tick + 1)))
            }
            try await Task.sleep(for: .seconds(2))
            scheduler.stop()
            _ = try await daemon.value
            let samples = try await store.writer.read { db in
                try Int64.fetchAll(
                    db,
                    sql: "SELECT reminded_at - due_at FROM tasks WHERE id LIKE 'steady-%' AND reminded_at IS NOT NULL"
                )
            }
            precondition(samples.count == ticks * perTick, "only \(samples.count) of \(ticks * perTick) reminded")
            for millis in samples { benchmark.measurement(lateness, Int(millis) * 1000) }
        }
    }

    postgresReminderBenchmarks()
}

enum Fixture {
    static let start = DateTimeFormat.parse("2026-11-23T14:00:00Z")!

    static let workflow = """
        workflow: bench
        timezone: UTC
        stages:
          open:
            initial: true
        transitions:
          close: { from: open, to: open }
        """

    /// A database file in a temporary folder, and how to remove it.
    static func store() throws -> (SQLiteStore, String, () -> Void) {
        let directory = NSTemporaryDirectory() + "dealflow-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/bench.sqlite"
        return (try SQLiteStore(path: path), path, { try? FileManager.default.removeItem(atPath: directory) })
    }

    /// `deals` deals, each with one open task due at `dueAt` (none when `nil`), written in one transaction.
    static func seed(_ store: SQLiteStore, deals: Int, dueAt: Date?) throws {
        try store.writer.write { db in
            try db.execute(
                sql: "INSERT INTO workflow_versions VALUES ('bench', 1, ?, 'bench.yaml', 0)",
                arguments: [workflow]
            )
            let millis = Int64(start.timeIntervalSince1970 * 1000)
            for index in 0..<deals {
                try db.execute(
                    sql: """
                        INSERT INTO deals (id, workflow_id, workflow_version, stage, owner, fields, version, created_at,
                        updated_at, entered_stage_at) VALUES (?, 'bench', 1, 'open', 'ana', '{}', 1, ?, ?, ?)
                        """,
                    arguments: ["d\(index)", millis, millis, millis]
                )
                if let dueAt { try insertTask(db, id: "t\(index)", dueAt: dueAt, deal: "d\(index)") }
            }
        }
    }

    static func insertTask(_ db: Database, id: String, dueAt: Date, deal: String = "d0") throws {
        try db.execute(
            sql: """
                INSERT INTO tasks (id, deal_id, workflow_id, title, kind, assignee, due_at, status, stage, keep,
                created_at) VALUES (?, ?, 'bench', 'Call back', 'call', 'ana', ?, 'open', 'open', 0, ?)
                """,
            arguments: [
                id, deal, Int64((dueAt.timeIntervalSince1970 * 1000).rounded()),
                Int64(start.timeIntervalSince1970 * 1000),
            ]
        )
    }
}
