import Benchmark
import DealFlowCore
import DealFlowEngine
import DealFlowPostgres
import DealFlowTestKit
import Foundation

/// Durable fires through the engine on PostgreSQL, from 1, 4 and 16 clients at once: each client a
/// task with its own deals (no conflicts), all on one pool. The server is a cluster started for the run
/// with its default durability (`fsync` on, `synchronous_commit` on), unless
/// `DEALFLOW_TEST_POSTGRES_URL` names another.
func postgresFireBenchmarks() {
    setenv("DEALFLOW_TEST_POSTGRES_DURABLE", "1", 1)
    for clients in [1, 4, 16] {
        Benchmark(
            "postgres: durable fires, \(clients) concurrent client\(clients == 1 ? "" : "s")",
            configuration: .init(scalingFactor: .kilo, maxDuration: .seconds(60), maxIterations: 3)
        ) { benchmark in
            let store = try await PostgresStore(url: try PostgresTestServer.freshDatabase() + "&pool=20")
            defer { store.close() }
            let engine = Engine(store: store, clock: FixedClock(Workload.start), identifiers: RandomIdentifiers())
            _ = try await engine.applyWorkflow(source: Workload.yaml, file: "workload.yaml")
            let dealsPerClient = 64
            for index in 0..<(clients * dealsPerClient) {
                _ = try await engine.create(
                    workflowID: "workload",
                    id: "d\(index)",
                    input: [FieldInput(field: "amount", .text("1000"))],
                    actor: Workload.rep
                )
            }
            let fires = benchmark.scaledIterations.count
            benchmark.startMeasurement()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<clients {
                    group.addTask {
                        var steps = [Int](repeating: 0, count: dealsPerClient)
                        // Round-robin over the client's own deals, each through the workload's cycle.
                        for fire in stride(from: client, to: fires, by: clients) {
                            let slot = (fire / clients) % dealsPerClient
                            let transition = Workload.cycle[steps[slot] % Workload.cycle.count]
                            blackHole(
                                try await engine.fire(
                                    dealID: "d\(client * dealsPerClient + slot)",
                                    transition: transition,
                                    actor: Workload.rep
                                )
                            )
                            steps[slot] += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
            benchmark.stopMeasurement()
        }
    }
}
