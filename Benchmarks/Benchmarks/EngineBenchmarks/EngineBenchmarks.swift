import Benchmark
import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import DealFlowYAML
import Foundation

/// The engine: deciding in memory, firing transitions durably one per transaction, importing in bulk.
let benchmarks: @Sendable () -> Void = {
    // As the `dealflow` command does, before any benchmark opens a database.
    SQLiteStore.turnOffMemoryStatistics()
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident],
        warmupIterations: 1,
        maxDuration: .seconds(15),
        maxIterations: 10
    )

    // `decide` alone: a deal cycles through the seven stages of the workload, every transition with a
    // guard and every stage with an on-enter action. One iteration is a thousand decisions.
    Benchmark("decide (in memory)", configuration: .init(scalingFactor: .kilo, maxIterations: 20)) { benchmark in
        let workflow = Workload.workflow
        var deal = Workload.newDeal(in: workflow, id: "d")
        var step = 0
        let now = Workload.start
        for _ in benchmark.scaledIterations {
            let transition = Workload.cycle[step % Workload.cycle.count]
            guard
                case .applied(let change) = DealMachine.decide(
                    .fire(transition: transition, input: [], note: nil),
                    deal: deal,
                    workflow: workflow,
                    actor: Workload.rep,
                    now: now
                )
            else { fatalError("the workload's transitions always fire") }
            deal = change.deal
            step += 1
        }
        blackHole(deal)
    }

    // The disk's own rate of synced writes, measured beside the durable figures that depend on it.
    Benchmark("fdatasync (4 KiB writes)", configuration: .init(scalingFactor: .kilo, maxIterations: 3)) { benchmark in
        let path = NSTemporaryDirectory() + "dealflow-sync-\(UUID().uuidString)"
        let descriptor = open(path, O_CREAT | O_WRONLY, 0o644)
        defer {
            close(descriptor)
            unlink(path)
        }
        let block = [UInt8](repeating: 7, count: 4096)
        for _ in benchmark.scaledIterations {
            _ = block.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, 4096, 0) }
            fdatasync(descriptor)
        }
    }

    // Durable fires through the engine: read, decide, one IMMEDIATE transaction per transition with the
    // deal's compare-and-set, its history entry, tasks, timers and events. Round-robin over 1,000 deals.
    for durability in SQLiteStore.Durability.allCases {
        Benchmark(
            "durable fires, one per transaction (synchronous=\(durability.rawValue.uppercased()))",
            configuration: .init(scalingFactor: .kilo, maxDuration: .seconds(30), maxIterations: 3)
        ) { benchmark in
            let directory = NSTemporaryDirectory() + "dealflow-bench-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let store = try SQLiteStore(path: directory + "/bench.sqlite", durability: durability)
            let engine = Engine(store: store, clock: FixedClock(Workload.start), identifiers: SequentialIdentifiers())
            _ = try await engine.applyWorkflow(source: Workload.yaml, file: "workload.yaml")
            let deals = 1_000
            for index in 0..<deals {
                _ = try await engine.create(
                    workflowID: "workload",
                    id: "d\(index)",
                    input: [FieldInput(field: "amount", .text("1000"))],
                    actor: Workload.rep
                )
            }
            var steps = [Int](repeating: 0, count: deals)
            var index = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let transition = Workload.cycle[steps[index] % Workload.cycle.count]
                blackHole(try await engine.fire(dealID: "d\(index)", transition: transition, actor: Workload.rep))
                steps[index] += 1
                index = (index + 1) % deals
            }
            benchmark.stopMeasurement()
        }
    }

    // A bulk import in one transaction: 100,000 deals, each with a three-stage path (three history entries,
    // the final stage's tasks and timers), parsed from CSV.
    Benchmark(
        "import 100,000 deals with stage paths (one transaction)",
        configuration: .init(scalingFactor: .one, maxDuration: .seconds(120), maxIterations: 2)
    ) { benchmark in
        let directory = NSTemporaryDirectory() + "dealflow-import-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: directory + "/import.sqlite")
        let engine = Engine(store: store, clock: FixedClock(Workload.start), identifiers: SequentialIdentifiers())
        _ = try await engine.applyWorkflow(source: Workload.yaml, file: "workload.yaml")
        var csv = "workflow,id,owner,stage_path,amount,company\n"
        for index in 0..<100_000 {
            csv += "workload,i\(index),ana,prospecting@2026-09-01T10:00Z;qualification@2026-09-05T10:00Z;"
            csv += "proposal@2026-09-09T10:00Z,\(1000 + index % 5000).50,Company \(index)\n"
        }
        benchmark.startMeasurement()
        let (rows, problems) = DealImportFile.read(csv, format: .csv)
        let report = try await engine.importDeals(rows, readProblems: problems, skipBadRows: false, actor: Workload.rep)
        benchmark.stopMeasurement()
        precondition(report.imported.count == 100_000)
    }

    postgresFireBenchmarks()
}

/// The workload every engine benchmark runs (and the peers' scripts will too): seven stages, onboarding
/// and lost leading back to prospecting so deals keep cycling, a guard on every transition, an on-enter
/// action on every stage.
enum Workload {
    static let start = DateTimeFormat.parse("2026-11-23T14:00:00Z")!
    static let rep = Actor(id: "ana", role: "rep")
    static let cycle = ["qualify", "propose", "negotiate", "win", "onboard", "restart", "qualify", "lose", "retry"]

    static let yaml = """
        workflow: workload
        timezone: America/Bogota
        roles: [rep]
        fields:
          amount: { type: decimal, min: 0 }
          company: { type: string }
          touched: { type: int, default: 0 }
        stages:
          prospecting:
            initial: true
            probability: 10
            on_enter: [{ set: { touched: touched + 1 } }]
          qualification:
            probability: 25
            on_enter: [{ set: { touched: touched + 1 } }]
          proposal:
            probability: 50
            on_enter: [{ set: { touched: touched + 1 } }]
          negotiation:
            probability: 75
            on_enter: [{ set: { touched: touched + 1 } }]
          won:
            outcome: won
            on_enter: [{ set: { touched: touched + 1 } }]
          lost:
            outcome: lost
            on_enter: [{ set: { touched: touched + 1 } }]
          onboarding:
            probability: 100
            on_enter: [{ set: { touched: touched + 1 } }]
        transitions:
          qualify: { from: prospecting, to: qualification, guard: amount > 0 }
          propose: { from: qualification, to: proposal, guard: amount > 0 }
          negotiate: { from: proposal, to: negotiation, guard: amount > 0 }
          win: { from: negotiation, to: won, guard: amount > 0 }
          onboard: { from: won, to: onboarding, guard: amount > 0 }
          restart: { from: onboarding, to: prospecting, guard: amount > 0 }
          lose: { from: qualification, to: lost, guard: amount > 0 }
          retry: { from: lost, to: prospecting, guard: amount > 0 }
        """

    static let workflow: ValidatedWorkflow = {
        guard let validated = WorkflowLoader.load(source: yaml, file: "workload.yaml").validated else {
            fatalError("the workload workflow is valid")
        }
        return validated
    }()

    static func newDeal(in workflow: ValidatedWorkflow, id: String) -> Deal {
        guard
            case .applied(let change) = DealMachine.decide(
                .create(id: id, owner: nil, input: [FieldInput(field: "amount", .text("1000"))]),
                deal: nil,
                workflow: workflow,
                actor: rep,
                now: start
            )
        else { fatalError("the workload's deals are valid") }
        return change.deal
    }
}
