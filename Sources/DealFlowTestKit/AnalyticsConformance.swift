import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import DealFlowYAML
import Foundation

/// What every store must give the KPIs and `dealflow metrics`: each deal's history in order, whatever
/// other deals sit among its ids; the owner filter; the deals alone; tasks; the counters of record.
///
/// ```swift
/// @Test(arguments: AnalyticsConformance.Case.allCases)
/// func conforms(_ check: AnalyticsConformance.Case) async throws {
///     try await AnalyticsConformance.run(check, on: try SQLiteStore())
/// }
/// ```
public enum AnalyticsConformance {
    /// One behaviour.
    public enum Case: String, CaseIterable, Sendable {
        case timelinesFollowEachDealsHistoryInOrder
        case anOwnerSeesOnlyTheirDeals
        case dealsAloneCarryTheirLastTouch
        case tasksAndCountersOfRecord
    }

    /// Every deal handed to the reducer, in order.
    struct Collected: TimelineReducer {
        var deals: [DealTimeline] = []
        mutating func add(_ deal: DealTimeline) { deals.append(deal) }
    }

    static let workflowSource = """
        workflow: w
        timezone: UTC
        fields:
          amount: { type: decimal }
          currency: { type: enum, values: [USD, EUR] }
          close_date: { type: date }
        stages:
          open: { initial: true, probability: 20 }
          next: { probability: 60 }
          won: { outcome: won }
        transitions:
          advance: { from: open, to: next }
          win: { from: next, to: won }
          back: { from: next, to: open }
        """

    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    /// Writes a deal's story, one committed change per step: `(seconds after start, kind, stage)`.
    static func story(
        _ store: any DealStore,
        id: String,
        workflow: String = "w",
        owner: String = "ana",
        fields: [String: String] = ["amount": "10.50", "currency": "EUR", "close_date": "2026-12-20"],
        steps: [(Int, String, String)]
    ) async throws {
        var previous: DealRecord?
        for (index, step) in steps.enumerated() {
            let at = start.addingTimeInterval(TimeInterval(step.0))
            let deal = DealRecord(
                id: id,
                workflowID: workflow,
                workflowVersion: 1,
                stage: step.2,
                owner: owner,
                fields: fields,
                version: index + 1,
                createdAt: previous?.createdAt ?? at,
                updatedAt: at,
                enteredStageAt: step.1 == "updated" ? previous?.enteredStageAt ?? at : at,
                outcome: step.2 == "won" ? "won" : nil
            )
            let entry = HistoryRecord(
                dealID: id,
                dealVersion: index + 1,
                kind: step.1,
                at: at,
                actor: owner,
                role: nil,
                transition: step.1 == "transitioned" ? "move" : nil,
                from: previous?.stage,
                to: step.2,
                changes: "{}",
                blockers: nil,
                note: nil
            )
            let task = TaskRecord(
                id: "task-\(id)-\(index)",
                dealID: id,
                workflowID: workflow,
                title: "Call",
                kind: "call",
                assignee: owner,
                dueAt: at.addingTimeInterval(3_600),
                status: "open",
                stage: step.2,
                keep: true,
                escalateAt: nil,
                escalateTo: nil,
                timerIndex: nil,
                createdAt: at
            )
            try await store.commit([
                DealChange(
                    deal: deal,
                    expectedVersion: previous?.version,
                    history: [entry],
                    tasks: step.1 == "created" ? [task] : []
                )
            ])
            previous = deal
        }
    }

    /// Runs one check against a fresh store.
    public static func run(
        _ check: Case,
        on store: some DealStore & PipelineHistorySource & ActivityStore
    ) async throws {
        for id in ["w", "x"] {
            try await store.saveWorkflow(
                StoredWorkflow(
                    id: id,
                    version: 1,
                    source: workflowSource.replacingOccurrences(of: "workflow: w", with: "workflow: \(id)"),
                    file: "\(id).yaml",
                    appliedAt: start
                )
            )
        }
        let workflow = WorkflowLoader.load(source: workflowSource, file: "w.yaml").validated!
        // Ids that sort among each other byte by byte: "a10" < "a2" < "b" < "é"; workflow x's deals
        // fall between them.
        try await story(store, id: "b", owner: "luis", steps: [(0, "created", "open"), (60, "transitioned", "next")])
        try await story(store, id: "a2x", workflow: "x", steps: [(0, "created", "open"), (5, "transitioned", "next")])
        try await story(
            store,
            id: "a2",
            steps: [
                (10, "created", "open"), (20, "transitioned", "next"), (30, "updated", "next"),
                (40, "transitioned", "open"), (50, "transitioned", "next"), (70, "transitioned", "won"),
            ]
        )
        try await story(store, id: "a10", steps: [(5, "created", "open"), (100, "updated", "open")])
        try await story(store, id: "é", steps: [(7, "created", "open")])
        try await story(store, id: "c0", workflow: "x", steps: [(1, "created", "open")])

        switch check {
        case .timelinesFollowEachDealsHistoryInOrder:
            let deals = try await store.scanTimelines(workflow: workflow, owner: nil, into: Collected()).deals
            try StoreConformance.require(
                deals.map(\.id) == ["a10", "a2", "b", "é"],
                "the deals of w, once each in byte order, not \(deals.map(\.id))"
            )
            let a2 = deals[1]
            let expected: [(String, Int, Int?)] = [
                ("open", 10, 20), ("next", 20, 40), ("open", 40, 50), ("next", 50, 70), ("won", 70, nil),
            ]
            try StoreConformance.require(
                a2.visits.count == expected.count
                    && zip(a2.visits, expected).allSatisfy { visit, want in
                        visit.stage == want.0 && visit.enteredAt == start.addingTimeInterval(TimeInterval(want.1))
                            && visit.leftAt == want.2.map { start.addingTimeInterval(TimeInterval($0)) }
                    },
                "a2's visits are \(a2.visits)"
            )
            try StoreConformance.require(a2.outcome == .won, "a2 did not win")
            try StoreConformance.require(
                a2.amount == ExactDecimal(parsing: "10.50") && a2.currency == "EUR"
                    && a2.closeDate == LocalDate(iso: "2026-12-20"),
                "a2's amount, currency and close date are \(String(describing: a2.amount)), \(String(describing: a2.currency)), \(String(describing: a2.closeDate))"
            )
            try StoreConformance.require(
                deals[0].lastTouch == start.addingTimeInterval(100),
                "a field change is a touch: a10 was last touched at \(deals[0].lastTouch)"
            )
        case .anOwnerSeesOnlyTheirDeals:
            let deals = try await store.scanTimelines(workflow: workflow, owner: "luis", into: Collected()).deals
            try StoreConformance.require(deals.map(\.id) == ["b"], "luis's deals are \(deals.map(\.id))")
            try StoreConformance.require(
                deals[0].visits.map(\.stage) == ["open", "next"],
                "b's visits are \(deals[0].visits)"
            )
        case .dealsAloneCarryTheirLastTouch:
            let deals = try await store.scanDeals(workflow: workflow, owner: nil, into: Collected()).deals
            try StoreConformance.require(
                deals.map(\.id) == ["a10", "a2", "b", "é"],
                "the deals of w are \(deals.map(\.id))"
            )
            try StoreConformance.require(deals.allSatisfy(\.visits.isEmpty), "scanDeals read the history")
            try StoreConformance.require(deals[0].lastTouch == start.addingTimeInterval(100), "a10's last touch")
        case .tasksAndCountersOfRecord:
            let tasks = try await store.taskFacts(workflowID: "w", assignee: nil)
            try StoreConformance.require(Set(tasks.map(\.dealID)) == ["a10", "a2", "b", "é"], "w's tasks are \(tasks)")
            let luis = try await store.taskFacts(workflowID: "w", assignee: "luis")
            try StoreConformance.require(luis.map(\.dealID) == ["b"], "luis's tasks are \(luis)")
            let counts = try await store.recordedCounts(workflowID: "w")
            func value(_ name: String, _ labels: [String]) -> Int? {
                counts.first { $0.name == name && $0.labels.map(\.1) == labels }?.value
            }
            try StoreConformance.require(
                value(EngineMetrics.Name.transitions, ["w", "move", "open", "next"]) == 3
                    && value(EngineMetrics.Name.transitions, ["w", "move", "next", "open"]) == 1
                    && value(EngineMetrics.Name.transitions, ["w", "move", "next", "won"]) == 1,
                "w's transitions are \(counts.filter { $0.name == EngineMetrics.Name.transitions }.map { ($0.labels, $0.value) })"
            )
            try StoreConformance.require(
                value(EngineMetrics.Name.tasksScheduled, ["w", "call"]) == 4,
                "w's scheduled tasks are \(counts.filter { $0.name == EngineMetrics.Name.tasksScheduled }.map(\.value))"
            )
            try StoreConformance.require(
                !counts.contains { $0.labels.contains { $0.1 == "x" } },
                "workflow x is counted in w's metrics"
            )
        }
    }
}
