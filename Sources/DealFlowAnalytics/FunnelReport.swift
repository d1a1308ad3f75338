import DealFlowCore
import Foundation

/// `funnel`: for the deals created in the period, how many reached each funnel step.
///
/// Reaching a later step counts as having passed the earlier ones, so a skipped stage is passed; a
/// backward move keeps the credit already earned; `lost` and the stages after the win are not steps,
/// so a deal lost from qualification reached qualification and no further.
public struct FunnelReport: TimelineReducer, PipelineReport {
    let context: ReportContext
    private let stepIndex: [String: Int]
    /// Deals created in the period.
    public private(set) var cohort = 0
    /// `reached[i]`: cohort deals whose furthest step is `i` or later.
    public private(set) var reached: [Int]
    /// Cohort deals still open, by the stage they are in now.
    public private(set) var openByStage: [String: Int] = [:]

    /// An empty funnel for a context.
    public init(_ context: ReportContext) {
        self.context = context
        self.stepIndex = Dictionary(uniqueKeysWithValues: context.workflow.funnelStages.enumerated().map { ($1, $0) })
        self.reached = Array(repeating: 0, count: context.workflow.funnelStages.count)
    }

    public mutating func add(_ deal: DealTimeline) {
        guard context.period.contains(deal.createdAt) else { return }
        cohort += 1
        let furthest = deal.visits.compactMap { stepIndex[$0.stage] }.max()
        if let furthest {
            for step in 0...furthest { reached[step] += 1 }
        }
        if deal.outcome == nil { openByStage[deal.stage, default: 0] += 1 }
    }

    /// The steps with the conversion into each from the one before (the first from the cohort).
    private var steps: [(stage: String, reached: Int, from: Int)] {
        context.workflow.funnelStages.enumerated().map { index, stage in
            (stage, reached[index], index == 0 ? cohort : reached[index - 1])
        }
    }

    /// The latest file's stages in order, then stages only older versions have.
    private var openStages: [(stage: String, deals: Int)] {
        let latest = context.workflow.definition.stages.map(\.name)
        return (latest + Set(openByStage.keys).subtracting(latest).sorted()).compactMap { stage in
            openByStage[stage].map { (stage, $0) }
        }
    }

    public var json: JSONValue {
        .object(
            [("workflow", .string(context.workflow.id))] + context.period.json + [
                ("cohort", .int(cohort)),
                (
                    "steps",
                    .array(
                        steps.map {
                            .object([
                                ("stage", .string($0.stage)), ("reached", .int($0.reached)), ("of", .int($0.from)),
                                ("conversion", JSONNumber.rate($0.reached, $0.from)),
                            ])
                        }
                    )
                ),
                (
                    "open",
                    .array(openStages.map { .object([("stage", .string($0.stage)), ("deals", .int($0.deals))]) })
                ),
            ]
        )
    }

    public func tables(_ cell: CellFormat) -> [ReportTable] {
        [
            ReportTable(
                title: "Funnel of the \(cohort) deal\(cohort == 1 ? "" : "s") created in the period",
                columns: ["STAGE", "REACHED", "OF COHORT", "FROM PREVIOUS"],
                rows: steps.map {
                    [
                        $0.stage, String($0.reached), cell.percent(ratio($0.reached, cohort)),
                        cell.percent(ratio($0.reached, $0.from)),
                    ]
                }
            ),
            ReportTable(
                title: "Still open",
                columns: ["STAGE", "DEALS"],
                rows: openStages.map { [$0.stage, String($0.deals)] }
            ),
        ]
    }
}
