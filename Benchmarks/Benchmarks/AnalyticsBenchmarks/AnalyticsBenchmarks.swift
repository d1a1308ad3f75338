import Benchmark
import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import DealFlowYAML
import Foundation
import GRDB

/// Every KPI over 100,000 deals and 1,000,000 history entries, and the gauges of `dealflow metrics`.
/// The database is built once per process (about a minute) and shared by the benchmarks.
let benchmarks: @Sendable () -> Void = {
    // As the `dealflow` command does, before any benchmark opens a database.
    SQLiteStore.turnOffMemoryStatistics()
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .peakMemoryResident],
        warmupIterations: 1,
        maxDuration: .seconds(60),
        maxIterations: 5
    )

    for kind in ReportKind.allCases {
        Benchmark("report \(kind.rawValue): 100,000 deals, 1,000,000 history entries") { benchmark in
            let history = try History.shared()
            benchmark.startMeasurement()
            let report = try await PipelineAnalytics.report(kind, context: history.context, source: history.store)
            benchmark.stopMeasurement()
            blackHole(report.json)
        }
    }

    Benchmark("report html (every chart, one pass): 100,000 deals, 1,000,000 history entries") { benchmark in
        let history = try History.shared()
        benchmark.startMeasurement()
        let page = try await PipelineDashboard.compute(context: history.context, owner: nil, source: history.store)
        blackHole(page.html)
        benchmark.stopMeasurement()
    }

    Benchmark("metrics (counters and gauges): 100,000 deals, 1,000,000 history entries") { benchmark in
        let history = try History.shared()
        benchmark.startMeasurement()
        blackHole(try await history.store.recordedCounts(workflowID: nil))
        var gauges = try await history.store.scanDeals(
            workflow: history.context.workflow,
            owner: nil,
            into: PipelineGauges(workflow: history.context.workflow, now: history.context.now)
        )
        gauges.add(try await history.store.taskFacts(workflowID: "bench", assignee: nil))
        benchmark.stopMeasurement()
        blackHole(gauges)
    }

    postgresReportBenchmarks()
}

/// A year of made-up history: 100,000 deals, ten entries each (creation, then transitions forward,
/// backward, to an outcome and back, and field changes), two currencies, one task per deal.
final class History: @unchecked Sendable {
    let store: SQLiteStore
    let context: ReportContext

    nonisolated(unsafe) private static var instance: History?
    private static let lock = NSLock()

    static func shared() throws -> History {
        lock.lock()
        defer { lock.unlock() }
        if let instance { return instance }
        let made = try History()
        instance = made
        return made
    }

    /// Bump when the generated history changes.
    static let version = "1"

    static let workflow = """
        workflow: bench
        timezone: America/New_York
        fields:
          amount: { type: decimal }
          currency: { type: enum, values: [USD, EUR] }
          close_date: { type: date }
        deal: { amount: amount, currency: currency, close_date: close_date }
        stages:
          lead: { initial: true, probability: 10, rot_after: 14 days }
          qualified: { probability: 30, rot_after: 10 business days }
          proposal: { probability: 60, forecast: best_case, rot_after: 7 days }
          negotiation: { probability: 80, forecast: commit }
          won: { outcome: won }
          lost: { outcome: lost }
          onboarding: { probability: 100, forecast: closed }
        transitions:
          move: { from: [lead, qualified, proposal, negotiation, won, lost], to: lead }
        """

    init() throws {
        // Each benchmark runs in its own process: the history, the same every time, is made by the first
        // and reused by the others (the metadata row says it is complete).
        let directory = NSTemporaryDirectory() + "dealflow-analytics-bench"
        let path = directory + "/history.sqlite"
        let workflow = WorkflowLoader.load(source: History.workflow, file: "bench.yaml").validated!
        context = ReportContext(
            workflow: workflow,
            period: ReportPeriod(
                from: LocalDate(iso: "2026-04-01"),
                to: LocalDate(iso: "2026-10-01"),
                calendar: workflow.definition.zonedCalendar
            ),
            now: DateTimeFormat.parse("2027-01-15T15:00:00Z")!
        )
        if FileManager.default.fileExists(atPath: path), let existing = try? SQLiteStore(path: path),
            (try? existing.writer.read { db in
                try String.fetchOne(db, sql: "SELECT value FROM metadata WHERE key = 'bench'")
            })
                == History.version
        {
            store = existing
            return
        }
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: path)
        let start = Int64(DateTimeFormat.parse("2026-01-01T14:00:00Z")!.timeIntervalSince1970 * 1000)
        let stages = ["lead", "qualified", "proposal", "negotiation", "won", "lost"]
        try store.writer.write { db in
            try db.execute(
                sql: "INSERT INTO workflow_versions VALUES ('bench', 1, ?, 'bench.yaml', 0)",
                arguments: [History.workflow]
            )
            var random = SplitMix(seed: 42)
            let insertHistory = try db.makeStatement(
                sql: """
                    INSERT INTO deal_history (deal_id, deal_version, kind, at, actor, transition, from_stage, to_stage, changes)
                    VALUES (?, ?, ?, ?, 'rep', ?, ?, ?, '{}')
                    """
            )
            let insertDeal = try db.makeStatement(
                sql: """
                    INSERT INTO deals (id, workflow_id, workflow_version, stage, owner, fields, version, created_at,
                    updated_at, entered_stage_at, outcome) VALUES (?, 'bench', 1, ?, ?, ?, 10, ?, ?, ?, ?)
                    """
            )
            let insertTask = try db.makeStatement(
                sql: """
                    INSERT INTO tasks (id, deal_id, workflow_id, title, kind, assignee, due_at, status, stage, keep,
                    created_at, reminded_at) VALUES (?, ?, 'bench', 'Call back', 'call', ?, ?, 'open', 'lead', 0, ?, ?)
                    """
            )
            for index in 0..<100_000 {
                let id = "d\(index)"
                let created = start + Int64(index) * 300_000  // one deal every five minutes: a year
                var at = created
                var stage = "lead"
                var entered = created
                // (kind, at, transition, from, to) after the creation.
                var entries: [(String, Int64, String?, String?, String?)] = []
                for _ in 2...10 {
                    at += Int64(random.next(upTo: 5 * 86_400_000))
                    if random.next(upTo: 4) == 0 {
                        entries.append(("updated", at, nil, nil, nil))
                        continue
                    }
                    // Mostly forward one step, sometimes back, sometimes straight to an outcome, and
                    // from an outcome sometimes reopened.
                    let current = stages.firstIndex(of: stage) ?? 0
                    var next: Int
                    switch random.next(upTo: 10) {
                    case 0...5: next = min(current + 1, 4)
                    case 6: next = max(current - 1, 0)
                    case 7: next = 5
                    default: next = current >= 4 ? 0 : 4
                    }
                    if next == current { next = current == 0 ? 1 : 0 }
                    entries.append(("transitioned", at, "move", stage, stages[next]))
                    stage = stages[next]
                    entered = at
                }
                let amount = "\(1_000 + random.next(upTo: 99_000)).\(random.next(upTo: 100))"
                let currency = random.next(upTo: 3) == 0 ? "EUR" : "USD"
                let close = LocalDate(daysSinceEpoch: Int(created / 86_400_000) + 30 + random.next(upTo: 90))
                let fields = #"{"amount":"\#(amount)","close_date":"\#(close)","currency":"\#(currency)"}"#
                let outcome: String? = stage == "won" ? "won" : stage == "lost" ? "lost" : nil
                let owner = "rep\(index % 25)"
                try insertDeal.execute(arguments: [id, stage, owner, fields, created, at, entered, outcome])
                try insertHistory.execute(arguments: [id, 1, "created", created, nil, nil, "lead"])
                for (offset, entry) in entries.enumerated() {
                    try insertHistory.execute(arguments: [id, offset + 2, entry.0, entry.1, entry.2, entry.3, entry.4])
                }
                let due = created + 86_400_000
                try insertTask.execute(arguments: [
                    "t\(index)", id, owner, due, created, due + Int64(random.next(upTo: 60_000)),
                ])
            }
            try db.execute(sql: "INSERT INTO metadata (key, value) VALUES ('bench', ?)", arguments: [History.version])
        }
    }
}

/// A small deterministic generator, so that every run measures the same history.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(upTo bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
