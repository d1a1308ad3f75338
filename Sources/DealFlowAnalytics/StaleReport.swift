import DealFlowCore
import Foundation

/// `stale`: open deals (no outcome) in a stage with `rot_after`, with no transition and no field change
/// for longer than it, oldest first. The period does not apply: staleness is about now.
public struct StaleReport: TimelineReducer, PipelineReport {
    let context: ReportContext

    /// One idle deal.
    public struct Row: Hashable, Sendable {
        public var dealID: String
        public var owner: String
        public var stage: String
        public var lastTouch: Date
        public var daysIdle: Double
        public var rotAfter: String
    }

    private var found: [Row] = []

    /// An empty report for a context.
    public init(_ context: ReportContext) { self.context = context }

    public mutating func add(_ deal: DealTimeline) {
        guard deal.outcome == nil, let stage = context.stages[deal.stage],
            stage.isStale(lastTouch: deal.lastTouch, now: context.now, calendar: context.calendar),
            let rotAfter = stage.rotAfter?.value
        else { return }
        found.append(
            Row(
                dealID: deal.id,
                owner: deal.owner,
                stage: deal.stage,
                lastTouch: deal.lastTouch,
                daysIdle: context.now.timeIntervalSince(deal.lastTouch) / 86_400,
                rotAfter: rotAfter.description
            )
        )
    }

    /// The idle deals, oldest touch first (then by id).
    public var rows: [Row] {
        found.sorted { ($0.lastTouch, $0.dealID) < ($1.lastTouch, $1.dealID) }
    }

    /// Stale deals per stage, in file order.
    var countsByStage: [(stage: String, deals: Int)] {
        let counts = Dictionary(grouping: found, by: \.stage).mapValues(\.count)
        return context.workflow.definition.stages.compactMap { stage in counts[stage.name].map { (stage.name, $0) } }
    }

    public var json: JSONValue {
        .object([
            ("workflow", .string(context.workflow.id)),
            ("now", .string(DateTimeFormat.iso8601(context.now))),
            ("count", .int(found.count)),
            (
                "deals",
                .array(
                    rows.map {
                        .object([
                            ("deal", .string($0.dealID)), ("owner", .string($0.owner)), ("stage", .string($0.stage)),
                            ("last_touch", .string(DateTimeFormat.iso8601($0.lastTouch))),
                            ("days_idle", JSONNumber.of($0.daysIdle)), ("rot_after", .string($0.rotAfter)),
                        ])
                    }
                )
            ),
        ])
    }

    public func tables(_ cell: CellFormat) -> [ReportTable] {
        [
            ReportTable(
                columns: ["DEAL", "OWNER", "STAGE", "LAST TOUCH", "DAYS IDLE", "ROT AFTER"],
                rows: rows.map {
                    [
                        $0.dealID, $0.owner, $0.stage, context.localTime($0.lastTouch), cell.days($0.daysIdle),
                        $0.rotAfter,
                    ]
                }
            )
        ]
    }
}
