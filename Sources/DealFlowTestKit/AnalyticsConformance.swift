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
        case thousandsOfDealsComeWholeAndInOrder
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
        steps: [(Int, String, String)]
    ) async throws {
        var previous: DealRecord?
        for (index, step) in steps.enumerated() {
            let change = change(
                id: id,
                workflow: workflow,
                owner: owner,
                step: step,
                number: index + 1,
                after: previous
            )
            try await store.commit([change])
            previous = change.deal
        }
    }

    /// A deal's change for one step of its story, `number` counting from 1, with its history entry and,
    /// on creation, a task.
    static func change(
        id: String,
        workflow: String = "w",
        owner: String = "ana",
        fields: [String: String] = ["amount": "10.50", "currency": "EUR", "close_date": "2026-12-20"],
        step: (Int, String, String),
        number: Int,
        after previous: DealRecord?
    ) -> DealChange {
        let at = start.addingTimeInterval(TimeInterval(step.0))
        let deal = DealRecord(
            id: id,
            workflowID: workflow,
            workflowVersion: 1,
            stage: step.2,
            owner: owner,
            fields: fields,
            version: number,
            createdAt: previous?.createdAt ?? at,
            updatedAt: at,
            enteredStageAt: step.1 == "updated" ? previous?.enteredStageAt ?? at : at,
            outcome: step.2 == "won" ? "won" : nil
        )
        let entry = HistoryRecord(
            dealID: id,
            dealVersion: number,
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
            id: "task-\(id)-\(number)",
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
        return DealChange(
            deal: deal,
            expectedVersion: previous?.version,
            history: [entry],
            tasks: step.1 == "created" ? [task] : []
        )
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
        case .thousandsOfDealsComeWholeAndInOrder:
            try await thousandsOfDeals(store, workflow: workflow)
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

    /// A deal's id, workflow, owner, fields and story, written before a scan that must give them back.
    struct PlannedDeal {
        var id: String
        var workflow: String
        var owner: String
        var fields: [String: String]
        var steps: [(Int, String, String)]
    }

    /// 2,500 deals, more than a store may read in one go (SQLite hands them from thread to thread in
    /// batches of 1,024): every one comes through once, in byte order of id, with its own visits, amount,
    /// currency, close date and owner, whatever deals of another workflow sit among them; a deal whose
    /// history holds nothing comes through with no visits.
    static func thousandsOfDeals(
        _ store: some DealStore & PipelineHistorySource,
        workflow: ValidatedWorkflow
    ) async throws {
        let expected = (0..<2_500).map { number -> PlannedDeal in
            let id = "m" + String(number + 10_000).dropFirst()  // m0000 ... m2499: byte order is number order
            var steps: [(Int, String, String)] = [(1_000 + number, "created", "open")]
            if number % 2 == 0 { steps.append((100_000 + number, "transitioned", "next")) }
            if number % 6 == 0 { steps.append((200_000 + number, "transitioned", "open")) }
            if number % 5 == 0 { steps.append((300_000 + number, "updated", steps.last!.2)) }
            var fields = ["amount": "\(number).25", "currency": number % 3 == 0 ? "USD" : "EUR"]
            if number % 4 != 0 { fields["close_date"] = "2027-01-\(10 + number % 19)" }
            return PlannedDeal(
                id: id,
                workflow: number % 7 == 3 ? "x" : "w",
                owner: number % 2 == 0 ? "ana" : "luis",
                fields: fields,
                steps: steps
            )
        }
        let inW = expected.filter { $0.workflow == "w" }
        // Deals whose history holds nothing (none is written so, but a scan counts them all the same):
        // the 1,024th and 1,025th deals of w (a10, a2 and b come first), where a store that reads in
        // batches of 1,024 (SQLite does) ends one and starts the next, and the last of the m deals.
        let withoutHistory: Set<String> = [inW[1_020].id, inW[1_021].id, inW[inW.count - 1].id]
        var previous: [String: DealRecord] = [:]
        for round in 0..<4 {
            let changes = expected.compactMap { deal -> DealChange? in
                guard round < deal.steps.count else { return nil }
                var change = change(
                    id: deal.id,
                    workflow: deal.workflow,
                    owner: deal.owner,
                    fields: deal.fields,
                    step: deal.steps[round],
                    number: round + 1,
                    after: previous[deal.id]
                )
                if withoutHistory.contains(deal.id) { change.history = [] }
                previous[deal.id] = change.deal
                return change
            }
            _ = try await store.commit(changes)
        }

        /// The scanned deals are the wanted ones, in order, each with its own story and fields.
        func requireScan(_ deals: [DealTimeline], gives wanted: [PlannedDeal], _ scan: String) throws {
            try StoreConformance.require(
                deals.map(\.id) == wanted.map(\.id),
                "\(scan): \(deals.count) deals in the order \(deals.prefix(3).map(\.id))..., not the \(wanted.count) expected"
            )
            for (deal, want) in zip(deals, wanted) {
                let visits =
                    withoutHistory.contains(want.id)
                    ? []
                    : want.steps.filter { $0.1 != "updated" }.map {
                        (start.addingTimeInterval(TimeInterval($0.0)), $0.2)
                    }
                let lastTouch = start.addingTimeInterval(TimeInterval(want.steps.last!.0))
                try StoreConformance.require(
                    deal.visits.map(\.enteredAt) == visits.map(\.0) && deal.visits.map(\.stage) == visits.map(\.1)
                        && deal.lastTouch == lastTouch,
                    "\(scan): \(want.id)'s visits are \(deal.visits), last touched \(deal.lastTouch)"
                )
                try StoreConformance.require(
                    deal.owner == want.owner && deal.stage == want.steps.last!.2
                        && deal.amount == ExactDecimal(parsing: want.fields["amount"]!)
                        && deal.currency == want.fields["currency"]
                        && deal.closeDate == want.fields["close_date"].flatMap { LocalDate(iso: $0) },
                    "\(scan): \(want.id) came through as \(deal)"
                )
            }
        }
        let deals = try await store.scanTimelines(workflow: workflow, owner: nil, into: Collected()).deals
        try requireScan(deals.filter { $0.id.hasPrefix("m") }, gives: inW, "every deal of w")
        let luis = try await store.scanTimelines(workflow: workflow, owner: "luis", into: Collected()).deals
        try requireScan(luis.filter { $0.id.hasPrefix("m") }, gives: inW.filter { $0.owner == "luis" }, "luis's deals")
        let alone = try await store.scanDeals(workflow: workflow, owner: nil, into: Collected()).deals
            .filter { $0.id.hasPrefix("m") }
        try StoreConformance.require(
            alone.map(\.id) == inW.map(\.id) && alone.allSatisfy(\.visits.isEmpty),
            "scanDeals gave \(alone.count) deals of w"
        )
    }
}
