import DealFlowCore
import Foundation

/// The dates a report covers, `[from, to)`, read in the workflow's time zone; either end may be open.
public struct ReportPeriod: Hashable, Sendable {
    /// The first day in the period.
    public var from: LocalDate?
    /// The first day after the period.
    public var to: LocalDate?
    /// 00:00 of `from` in the workflow's zone.
    public let start: Date?
    /// 00:00 of `to` in the workflow's zone.
    public let end: Date?

    /// A period of local dates in a calendar's zone.
    public init(from: LocalDate?, to: LocalDate?, calendar: ZonedCalendar) {
        self.from = from
        self.to = to
        self.start = from.map(calendar.startOfDay)
        self.end = to.map(calendar.startOfDay)
    }

    /// Whether an instant falls in the period.
    public func contains(_ instant: Date) -> Bool {
        if let start, instant < start { return false }
        if let end, instant >= end { return false }
        return true
    }

    /// Whether a local date falls in the period.
    public func contains(_ date: LocalDate) -> Bool {
        if let from, date < from { return false }
        if let to, date >= to { return false }
        return true
    }

    /// `from` and `to` as JSON (`null` when open).
    var json: [(String, JSONValue)] {
        [("from", from.map { .string($0.description) } ?? .null), ("to", to.map { .string($0.description) } ?? .null)]
    }
}

/// What every KPI needs besides the deals: the workflow, the period and the present.
public struct ReportContext: Sendable {
    public var workflow: ValidatedWorkflow
    public var period: ReportPeriod
    /// The moment "now": open visits and idle times are measured to it.
    public var now: Date

    /// What each stage name means, in the latest version or the last one that had it.
    public let stages: StageCatalog

    /// Creates a context for a workflow's latest version; `earlierVersions` give the meaning of stages
    /// that deals pinned to an older version may still be in, or went through.
    public init(workflow: ValidatedWorkflow, earlierVersions: [ValidatedWorkflow] = [], period: ReportPeriod, now: Date)
    {
        self.workflow = workflow
        self.period = period
        self.now = now
        self.calendar = workflow.zonedCalendar
        self.stages = StageCatalog(latest: workflow, earlier: earlierVersions)
    }

    /// The workflow's zone and business calendar.
    public let calendar: ZonedCalendar

    func outcome(of stage: String) -> Outcome? { stages.outcome(of: stage) }

    /// `2026-11-06 13:32`: an instant in the workflow's zone, to the minute, for people.
    func localTime(_ instant: Date) -> String {
        let (date, second) = calendar.local(instant)
        return "\(date) \(String(format: "%02d:%02d", second / 3600, second % 3600 / 60))"
    }
}

/// The stages of every version of a workflow by name: the latest version's definition, or for a stage
/// it no longer has, the most recent version's that had it.
///
/// Deals stay on the version they were created with, so a report over all deals meets stages the
/// latest file renamed or removed: a win is still a win.
public struct StageCatalog: Sendable {
    private let stages: [String: Stage]
    /// Each outcome stage's outcome: asked for every stage visit of every deal by the closing KPIs,
    /// without copying the stage out.
    private let outcomes: [String: Outcome]

    /// The stages of the latest version and of earlier ones (in any order).
    public init(latest: ValidatedWorkflow, earlier: [ValidatedWorkflow] = []) {
        var stages: [String: Stage] = [:]
        for version in earlier.sorted(by: { $0.version < $1.version }) + [latest] {
            for stage in version.definition.stages { stages[stage.name] = stage }
        }
        self.stages = stages
        self.outcomes = stages.compactMapValues { $0.outcome?.value }
    }

    /// The stage of a name.
    public subscript(name: String) -> Stage? { stages[name] }

    /// The outcome a stage of this name records, if it is an outcome stage.
    public func outcome(of name: String) -> Outcome? { outcomes[name] }
}
