import DealFlowCore
import Foundation

/// The state of a workflow's pipeline now, for gauges: open deals and their amount per stage, the
/// weighted pipeline, stale deals per stage, open and overdue tasks.
///
/// A deal is open while it has no outcome (onboarding after a win is not open). Amounts stay per
/// currency and are summed exactly.
public struct PipelineGauges: TimelineReducer {
    let workflow: ValidatedWorkflow
    let stageCatalog: StageCatalog
    let now: Date
    private let calendar: ZonedCalendar
    /// Open deals per stage.
    public private(set) var openDeals: [String: Int] = [:]
    /// Open amount per stage, per currency.
    public private(set) var openAmount: [String: MoneyTotals] = [:]
    /// Σ amount × stage probability / 100 over the open deals, per currency.
    public private(set) var weighted = MoneyTotals()
    /// Open deals idle longer than their stage's `rot_after`, per stage.
    public private(set) var staleDeals: [String: Int] = [:]
    /// Open tasks and the overdue ones among them.
    public private(set) var openTasks = 0
    public private(set) var overdueTasks = 0

    /// Empty gauges of a workflow at an instant; `earlierVersions` give the meaning of stages that
    /// deals pinned to an older version are in.
    public init(workflow: ValidatedWorkflow, earlierVersions: [ValidatedWorkflow] = [], now: Date) {
        self.workflow = workflow
        self.stageCatalog = StageCatalog(latest: workflow, earlier: earlierVersions)
        self.now = now
        self.calendar = workflow.zonedCalendar
    }

    public mutating func add(_ deal: DealTimeline) {
        guard deal.outcome == nil, let stage = stageCatalog[deal.stage], stage.outcome == nil else { return }
        openDeals[deal.stage, default: 0] += 1
        openAmount[deal.stage, default: MoneyTotals()].add(deal.amount, currency: deal.currencyKey)
        let weight = deal.amount?.multiplied(by: stage.effectiveProbability)?.divided(by: ExactDecimal(100))
        weighted.add(weight, currency: deal.currencyKey)
        if stage.isStale(lastTouch: deal.lastTouch, now: now, calendar: calendar) {
            staleDeals[deal.stage, default: 0] += 1
        }
    }

    /// Counts the open and overdue tasks.
    public mutating func add(_ tasks: [TaskFact]) {
        for task in tasks where task.status == "open" {
            openTasks += 1
            if task.dueAt < now { overdueTasks += 1 }
        }
    }

    /// The stages in the latest file's order, then any others deals are in, for stable output.
    public var stages: [String] {
        let latest = workflow.definition.stages.map(\.name)
        return latest + Set(openDeals.keys).subtracting(latest).sorted()
    }
}
