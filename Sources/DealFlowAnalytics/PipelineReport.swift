import DealFlowCore
import Foundation

/// Rows and columns of a report, for a terminal table or CSV.
public struct ReportTable: Hashable, Sendable {
    /// A heading printed above the table, if it has one.
    public var title: String?
    public var columns: [String]
    public var rows: [[String]]

    /// Creates a table.
    public init(title: String? = nil, columns: [String], rows: [[String]]) {
        self.title = title
        self.columns = columns
        self.rows = rows
    }
}

/// A computed KPI: the JSON that carries every numerator and denominator, and the tables people read.
///
/// The first table is the report's main one, the one `--format csv` writes with raw cells.
public protocol PipelineReport: Sendable {
    var json: JSONValue { get }
    /// The tables, with cells written for people (`50.0%`, `1,250.00`) or raw for CSV (`0.5`, `1250`).
    func tables(_ cell: CellFormat) -> [ReportTable]
}

/// The KPIs `dealflow report` computes; docs/operators-guide.md defines each.
public enum ReportKind: String, CaseIterable, Sendable {
    case funnel, conversion, winrate, cycle, stages, velocity, forecast, stale, tasks
}

/// Computes KPIs from a store's history, one pass over the deals per report.
///
/// ```swift
/// let context = ReportContext(workflow: workflow, period: period, now: clock.now)
/// let funnel = try await PipelineAnalytics.report(.funnel, context: context, source: store)
/// print(funnel.json.rendered())
/// ```
public enum PipelineAnalytics {
    /// One KPI over the deals of the context's workflow (of one owner, if given).
    public static func report(
        _ kind: ReportKind,
        context: ReportContext,
        owner: String? = nil,
        source: some PipelineHistorySource
    ) async throws -> any PipelineReport {
        func scan(_ report: some TimelineReducer & PipelineReport) async throws -> any PipelineReport {
            try await source.scanTimelines(workflow: context.workflow, owner: owner, into: report)
        }
        // The forecast and staleness read only what each deal is now (stage, outcome, amount, close
        // date, last touch), so they skip the history: a tenth of the rows.
        func scanPresent(_ report: some TimelineReducer & PipelineReport) async throws -> any PipelineReport {
            try await source.scanDeals(workflow: context.workflow, owner: owner, into: report)
        }
        switch kind {
        case .funnel: return try await scan(FunnelReport(context))
        case .conversion: return try await scan(ConversionReport(context))
        case .winrate: return try await scan(WinRateReport(context))
        case .cycle: return try await scan(CycleReport(context))
        case .stages: return try await scan(StageTimeReport(context))
        case .velocity: return try await scan(VelocityReport(context))
        case .forecast: return try await scanPresent(ForecastReport(context))
        case .stale: return try await scanPresent(StaleReport(context))
        case .tasks:
            // Every task of the workflow: a deal has a next step whoever holds it.
            let deals = try await source.scanDeals(workflow: context.workflow, owner: owner, into: OpenDealsByOwner())
            let tasks = try await source.taskFacts(workflowID: context.workflow.id, assignee: nil)
            return TaskReport(context, openDeals: deals, tasks: tasks, only: owner)
        }
    }
}
