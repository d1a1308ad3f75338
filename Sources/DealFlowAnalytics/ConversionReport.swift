import DealFlowCore
import Foundation

/// `conversion`: of the deals that entered funnel stage S in the period (counted once, at their first
/// entry in the period), the share that later entered the next step or any later one (the win
/// included), and the strict share whose very next stage was the next step.
public struct ConversionReport: TimelineReducer, PipelineReport {
    let context: ReportContext
    private let stepIndex: [String: Int]
    private var entered: [Int]
    private var advanced: [Int]
    private var direct: [Int]

    /// An empty report for a context.
    public init(_ context: ReportContext) {
        self.context = context
        self.stepIndex = Dictionary(uniqueKeysWithValues: context.workflow.funnelStages.enumerated().map { ($1, $0) })
        let count = max(context.workflow.funnelStages.count - 1, 0)
        (entered, advanced, direct) = (
            Array(repeating: 0, count: count), Array(repeating: 0, count: count),
            Array(repeating: 0, count: count)
        )
    }

    public mutating func add(_ deal: DealTimeline) {
        var counted = Set<Int>()
        for (position, visit) in deal.visits.enumerated() {
            guard let step = stepIndex[visit.stage], step < entered.count, !counted.contains(step),
                context.period.contains(visit.enteredAt)
            else { continue }
            counted.insert(step)
            entered[step] += 1
            let later = deal.visits[(position + 1)...]
            if later.contains(where: { (stepIndex[$0.stage] ?? -1) > step }) { advanced[step] += 1 }
            if let next = later.first, stepIndex[next.stage] == step + 1 { direct[step] += 1 }
        }
    }

    private var rows: [(stage: String, next: String, entered: Int, advanced: Int, direct: Int)] {
        let stages = context.workflow.funnelStages
        return entered.indices.map { (stages[$0], stages[$0 + 1], entered[$0], advanced[$0], direct[$0]) }
    }

    public var json: JSONValue {
        .object(
            [("workflow", .string(context.workflow.id))] + context.period.json + [
                (
                    "steps",
                    .array(
                        rows.map {
                            .object([
                                ("stage", .string($0.stage)), ("next", .string($0.next)), ("entered", .int($0.entered)),
                                ("advanced", .int($0.advanced)), ("rate", JSONNumber.rate($0.advanced, $0.entered)),
                                ("direct", .int($0.direct)), ("direct_rate", JSONNumber.rate($0.direct, $0.entered)),
                            ])
                        }
                    )
                )
            ]
        )
    }

    public func tables(_ cell: CellFormat) -> [ReportTable] {
        [
            ReportTable(
                columns: ["STAGE", "NEXT", "ENTERED", "ADVANCED", "RATE", "DIRECT", "DIRECT RATE"],
                rows: rows.map {
                    [
                        $0.stage, $0.next, String($0.entered), String($0.advanced),
                        cell.percent(ratio($0.advanced, $0.entered)), String($0.direct),
                        cell.percent(ratio($0.direct, $0.entered)),
                    ]
                }
            )
        ]
    }
}
