import DealFlowCore
import Foundation

/// The open deals of each owner, for the `tasks` KPI.
public struct OpenDealsByOwner: TimelineReducer {
    /// Open deal ids by owner.
    public private(set) var deals: [String: Set<String>] = [:]

    /// None yet.
    public init() {}

    public mutating func add(_ deal: DealTimeline) {
        if deal.outcome == nil { deals[deal.owner, default: []].insert(deal.id) }
    }
}

/// `tasks`: per assignee (a rep, or a role such as `manager`), open tasks, overdue tasks, the share of
/// their open deals that have a task due in the future, and the median reminder lateness (reminded
/// minus due, for the tasks whose due time falls in the period).
public struct TaskReport: PipelineReport {
    let context: ReportContext

    /// One assignee's line.
    public struct Row: Hashable, Sendable {
        public var assignee: String
        public var open: Int
        public var overdue: Int
        public var openDeals: Int
        public var dealsWithFutureTask: Int
        public var lateness: Samples
    }

    public let rows: [Row]

    /// Computes the report from the open deals and every task of the workflow (a deal has a next step
    /// whoever holds it), with one line per assignee, or only `only`'s.
    public init(_ context: ReportContext, openDeals: OpenDealsByOwner, tasks: [TaskFact], only: String? = nil) {
        self.context = context
        var open: [String: Int] = [:]
        var overdue: [String: Int] = [:]
        var lateness: [String: Samples] = [:]
        var dealsWithFutureTask = Set<String>()
        for task in tasks {
            if task.status == "open" {
                open[task.assignee, default: 0] += 1
                if task.dueAt < context.now {
                    overdue[task.assignee, default: 0] += 1
                } else {
                    dealsWithFutureTask.insert(task.dealID)
                }
            }
            if let reminded = task.remindedAt, context.period.contains(task.dueAt) {
                lateness[task.assignee, default: Samples()].add(reminded.timeIntervalSince(task.dueAt))
            }
        }
        let people = Set(open.keys).union(lateness.keys).union(openDeals.deals.keys).sorted()
            .filter { only == nil || $0 == only }
        rows = people.map { person in
            let deals = openDeals.deals[person] ?? []
            return Row(
                assignee: person,
                open: open[person] ?? 0,
                overdue: overdue[person] ?? 0,
                openDeals: deals.count,
                dealsWithFutureTask: deals.filter(dealsWithFutureTask.contains).count,
                lateness: lateness[person] ?? Samples()
            )
        }
    }

    public var json: JSONValue {
        .object(
            [("workflow", .string(context.workflow.id))] + context.period.json + [
                ("now", .string(DateTimeFormat.iso8601(context.now))),
                (
                    "assignees",
                    .array(
                        rows.map {
                            .object([
                                ("assignee", .string($0.assignee)), ("open", .int($0.open)),
                                ("overdue", .int($0.overdue)), ("open_deals", .int($0.openDeals)),
                                ("deals_with_future_task", .int($0.dealsWithFutureTask)),
                                ("future_task_rate", JSONNumber.rate($0.dealsWithFutureTask, $0.openDeals)),
                                ("reminders", .int($0.lateness.count)),
                                ("median_reminder_lateness_seconds", JSONNumber.of($0.lateness.median)),
                            ])
                        }
                    )
                ),
            ]
        )
    }

    public func tables(_ cell: CellFormat) -> [ReportTable] {
        [
            ReportTable(
                columns: ["ASSIGNEE", "OPEN", "OVERDUE", "OPEN DEALS", "WITH NEXT STEP", "MEDIAN LATENESS"],
                rows: rows.map {
                    [
                        $0.assignee, String($0.open), String($0.overdue), String($0.openDeals),
                        cell.percent(ratio($0.dealsWithFutureTask, $0.openDeals)),
                        cell.seconds($0.lateness.median),
                    ]
                }
            )
        ]
    }
}
