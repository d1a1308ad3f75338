import ArgumentParser
import CSV
import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation

/// `dealflow report`: pipeline KPIs from the history, as a table, JSON or CSV, or all of them as one
/// HTML page.
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Pipeline KPIs: funnel, conversion, win rate, cycle, time in stage, velocity, forecast, stale deals, tasks.",
        discussion: """
            KIND is one of funnel, conversion, winrate, cycle, stages, velocity, forecast, stale, tasks, or html \
            (every chart on one self-contained page, written to --out). docs/operators-guide.md defines each KPI.

            The period is [--from, --to), dates in the workflow's time zone; either end may be left open. \
            Amounts are summed per currency, exactly. With --format json every rate comes with its numerator \
            and denominator.
            """
    )

    @Argument(help: ArgumentHelp("The KPI, or html.", valueName: "kind"))
    var kind: String

    @Option(help: "The workflow (default: the only one in the database).")
    var workflow: String?

    @Option(help: ArgumentHelp("The first day of the period (YYYY-MM-DD).", valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("The first day after the period (YYYY-MM-DD).", valueName: "date"))
    var to: String?

    @Option(help: "Only the deals of this owner (for tasks: the tasks assigned to this user or role).")
    var owner: String?

    @Option(help: "table, json or csv (default: table; json with --json).")
    var format: String?

    @Option(help: ArgumentHelp("For html: the file to write.", valueName: "file"))
    var out: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard kind == "html" || ReportKind(rawValue: kind) != nil else {
            let kinds = ReportKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("'\(kind)' is not a report; choose one of \(kinds), or html")
        }
        if let format, !["table", "json", "csv"].contains(format) {
            throw ValidationError("'\(format)' is not a format for --format; use table, json or csv")
        }
        if kind == "html", out == nil { throw ValidationError("report html needs --out FILE") }
        if kind != "html", out != nil { throw ValidationError("--out is only for report html") }
        let (start, end) = try period()
        if let start, let end, start >= end {
            throw ValidationError("--from \(start) is not before --to \(end); the period is [from, to)")
        }
    }

    private func period() throws -> (LocalDate?, LocalDate?) {
        func date(_ text: String?, _ option: String) throws -> LocalDate? {
            guard let text else { return nil }
            guard let date = LocalDate(iso: text) else {
                throw ValidationError("'\(text)' is not a date for \(option); write YYYY-MM-DD")
            }
            return date
        }
        return (try date(from, "--from"), try date(to, "--to"))
    }

    func run() async throws {
        let settings = try global.resolved()
        try await Output.run(settings) {
            let store = try await settings.store()
            let engine = Engine(store: store, clock: settings.clock)
            let workflow = try await Report.workflow(workflow, engine: engine)
            let (start, end) = try period()
            let context = ReportContext(
                workflow: workflow,
                earlierVersions: Array(try await engine.versions(ofWorkflow: workflow.id).dropLast()),
                period: ReportPeriod(from: start, to: end, calendar: workflow.zonedCalendar),
                now: settings.clock.now()
            )
            if kind == "html" {
                let page = try await PipelineDashboard.compute(context: context, owner: owner, source: store)
                guard FileManager.default.createFile(atPath: out!, contents: Data(page.html.utf8)) else {
                    let folder = URL(fileURLWithPath: out!).deletingLastPathComponent().path
                    throw EngineError.invalidInput(
                        Rejection(
                            .invalidValue,
                            "cannot write '\(out!)': check that the folder '\(folder)' exists and is writable"
                        )
                    )
                }
                if settings.json {
                    Output.print(JSONValue.object([("written", .string(out!))]).rendered())
                } else {
                    Output.print("wrote \(out!)\n")
                }
                return
            }
            let report = try await PipelineAnalytics.report(
                ReportKind(rawValue: kind)!,
                context: context,
                owner: owner,
                source: store
            )
            switch format ?? (settings.json ? "json" : "table") {
            case "json": Output.print(report.json.rendered())
            case "csv": Output.print(try Report.csv(report.tables(.csv)[0]))
            default: Output.print(Report.text(report.tables(.display)))
            }
        }
    }

    /// The named workflow, or the only one stored.
    static func workflow(_ id: String?, engine: Engine) async throws -> ValidatedWorkflow {
        if let id { return try await engine.workflow(id: id) }
        let ids = try await engine.workflowIDs()
        guard ids.count == 1 else {
            let message =
                ids.isEmpty
                ? "the database has no workflow yet; apply one with 'dealflow workflow apply FILE'"
                : "the database has \(ids.count) workflows (\(ids.joined(separator: ", "))); choose one with --workflow"
            throw EngineError.invalidInput(Rejection(.invalidValue, message))
        }
        return try await engine.workflow(id: ids[0])
    }

    static func text(_ tables: [ReportTable]) -> String {
        tables.map { table in
            let heading = table.title.map { "\($0)\n" } ?? ""
            guard !table.rows.isEmpty else { return heading + "(none)\n" }
            return heading + Table.render(table.columns, table.rows)
        }.joined(separator: "\n")
    }

    static func csv(_ table: ReportTable) throws -> String {
        let writer = try CSVWriter(stream: .toMemory())
        try writer.write(row: table.columns.map { $0.lowercased().replacingOccurrences(of: " ", with: "_") })
        for row in table.rows { try writer.write(row: row) }
        writer.stream.close()
        let data = writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
