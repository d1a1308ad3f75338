import DealFlowCore
import Foundation

/// What a rep does today: overdue tasks, tasks due today, the ones coming this week, and stale deals,
/// each oldest first. "Today" is the day in the time zone of each task's or deal's workflow.
///
/// ```swift
/// let agenda = Agenda(owner: "ana", tasks: tasks, deals: deals, workflows: byID, now: clock.now())
/// ```
public struct Agenda: Sendable {
    /// An open task with the workflow its day is counted in.
    public struct Item: Sendable {
        public var task: TaskRecord
        public var workflow: ValidatedWorkflow
    }

    /// A deal idle longer than its stage's `rot_after`.
    public struct StaleDeal: Sendable {
        public var deal: DealView
        /// Its latest change, activity or transition: staleness counts from here.
        public var lastTouch: Date
        public var rotAfter: CalendarDuration
    }

    public var owner: String
    public var now: Date
    /// Open tasks due before now.
    public var overdue: [Item] = []
    /// Open tasks due later today.
    public var today: [Item] = []
    /// Open tasks due in the six days after today.
    public var thisWeek: [Item] = []
    public var stale: [StaleDeal] = []

    /// Sorts `owner`'s open tasks and deals into the agenda; tasks of a workflow not in `workflows` are
    /// left out, as are tasks due after this week.
    public init(
        owner: String,
        tasks: [TaskRecord],
        deals: [DealView],
        workflows: [String: ValidatedWorkflow],
        now: Date
    ) {
        self.owner = owner
        self.now = now
        for task in tasks.sorted(by: { ($0.dueAt, $0.id) < ($1.dueAt, $1.id) }) where task.status == "open" {
            guard let workflow = workflows[task.workflowID] else { continue }
            let calendar = workflow.zonedCalendar
            let today = calendar.date(of: now)
            let item = Item(task: task, workflow: workflow)
            if task.dueAt < now {
                overdue.append(item)
            } else if calendar.date(of: task.dueAt) == today {
                self.today.append(item)
            } else if calendar.date(of: task.dueAt) <= today.adding(days: 6) {
                thisWeek.append(item)
            }
        }
        for view in deals where view.deal.owner == owner && DealMachine.isStale(view.deal, in: view.workflow, now: now)
        {
            guard let rotAfter = view.workflow.stage(named: view.deal.stage)?.rotAfter?.value else { continue }
            stale.append(StaleDeal(deal: view, lastTouch: view.deal.updatedAt, rotAfter: rotAfter))
        }
        stale.sort { ($0.lastTouch, $0.deal.deal.id) < ($1.lastTouch, $1.deal.deal.id) }
    }
}
