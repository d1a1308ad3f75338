import CoreMetrics
import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation
import MetricsTestKit
import Testing

/// The engine and the scheduler report to the factory they are given, never to a global one, with
/// labels that name workflows, transitions and kinds but no deal or person.
@Suite struct EngineMetricsTests {
    static let workflow = """
        workflow: m
        timezone: UTC
        roles: [rep, manager]
        fields:
          amount: { type: decimal }
        stages:
          open:
            initial: true
            on_enter:
              - task: { title: "Call", due: 1 hour, assignee: owner, kind: call }
          won:
            outcome: won
        transitions:
          win:
            from: open
            to: won
            roles: [manager]
            guard: amount > 0
        """

    @Test func everyCounterAndTheLatenessHistogram() async throws {
        let metrics = TestMetrics()
        let store = try SQLiteStore()
        let clock = ManualClock("2026-03-02T09:00:00Z")
        let engine = Engine(store: store, clock: clock, metrics: EngineMetrics(factory: metrics))
        let scheduler = Scheduler(store: store, clock: clock, metrics: EngineMetrics(factory: metrics))
        _ = try await engine.applyWorkflow(source: Self.workflow, file: "m.yaml")
        let rep = Actor(id: "ana", role: "rep")
        let manager = Actor(id: "maria", role: "manager")

        _ = try await engine.create(workflowID: "m", id: "d1", owner: "ana", input: [], actor: rep)
        #expect(
            try metrics.expectCounter(EngineMetrics.Name.tasksScheduled, [("workflow", "m"), ("kind", "call")])
                .totalValue == 1
        )

        await #expect(throws: EngineError.self) { try await engine.fire(dealID: "d1", transition: "win", actor: rep) }
        #expect(
            try metrics.expectCounter(EngineMetrics.Name.roleDenied, [("workflow", "m"), ("transition", "win")])
                .totalValue == 1
        )

        await #expect(throws: EngineError.self) {
            try await engine.fire(dealID: "d1", transition: "win", actor: manager)
        }
        #expect(
            try metrics.expectCounter(
                EngineMetrics.Name.blocked,
                [("workflow", "m"), ("transition", "win"), ("kind", "guard")]
            ).totalValue == 1
        )

        // The call falls due at 10:00; the scheduler runs at 10:30.
        clock.advance(by: 5_400)
        _ = try await scheduler.fireDue()
        #expect(
            try metrics.expectCounter(EngineMetrics.Name.remindersFired, [("workflow", "m"), ("kind", "reminder")])
                .totalValue == 1
        )
        #expect(try metrics.expectCounter(EngineMetrics.Name.schedulerClaims).totalValue == 1)
        #expect(try metrics.expectTimer(EngineMetrics.Name.reminderLateness).values == [1_800_000_000_000])

        _ = try await engine.update(dealID: "d1", input: [FieldInput(field: "amount", .text("5"))], actor: manager)
        _ = try await engine.fire(dealID: "d1", transition: "win", actor: manager)
        #expect(
            try metrics.expectCounter(
                EngineMetrics.Name.transitions,
                [("workflow", "m"), ("transition", "win"), ("from", "open"), ("to", "won")]
            ).totalValue == 1
        )
        // Every fire is timed, refused and blocked ones too.
        #expect(try metrics.expectTimer(EngineMetrics.Name.commandDuration, [("command", "fire")]).values.count == 3)
        #expect(try metrics.expectTimer(EngineMetrics.Name.commandDuration, [("command", "create")]).values.count == 1)
        // No label anywhere names the deal or a person.
        let labels = metrics.counters.flatMap { $0.dimensions.map(\.1) }
        #expect(!labels.contains("d1") && !labels.contains("ana") && !labels.contains("maria"))
    }
}
