import ArgumentParser
import DealFlowCore
import DealFlowEngine
import Foundation

extension DealFlowImportFormat: ExpressibleByArgument {}
typealias DealFlowImportFormat = DealImportFile.Format

extension DealFlowCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import deals from CSV or JSON lines, each with the stages it went through.",
            discussion: """
                CSV: a header row with the columns workflow, id, owner, an optional stage_path such as \
                prospecting@2026-01-05T10:00Z;qualification@2026-01-09T15:30Z, and one column per field, named \
                as the field. JSON lines: the same keys, with the fields under "fields". Each deal is created as \
                'deal create' does; a stage path is replayed with its times, and only the final stage gets \
                tasks and timers (already due ones are marked late).

                The whole file is checked first: bad rows are reported by number and nothing is imported, unless \
                --skip-bad-rows. Then every deal is written in one transaction: after a crash, all of them are \
                there or none is.
                """
        )

        @Argument(help: "The file to import (.csv, or .jsonl for JSON lines).")
        var file: String

        @Option(help: "The file's format (default: from its name).")
        var format: DealFlowImportFormat?

        @Flag(help: "Import the good rows and report the bad ones, instead of importing nothing.")
        var skipBadRows = false

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                guard let data = FileManager.default.contents(atPath: file),
                    let text = String(data: data, encoding: .utf8)
                else {
                    throw EngineError.invalidInput(
                        Rejection(.invalidValue, "cannot read '\(file)': no such file, or not UTF-8 text")
                    )
                }
                let (rows, problems) = DealImportFile.read(text, format: format ?? DealImportFile.Format(path: file))
                let engine = try await settings.engine()
                let report: Engine.ImportReport
                do {
                    report = try await engine.importDeals(
                        rows,
                        readProblems: problems,
                        skipBadRows: skipBadRows,
                        actor: settings.actor
                    )
                } catch EngineError.importFailed(let problems) {
                    if !settings.json { Output.error(problems.map { "\(file): \($0)\n" }.joined()) }
                    throw EngineError.importFailed(problems)
                }
                if settings.json {
                    Output.print(
                        JSONValue.object([
                            ("imported", .int(report.imported.count)),
                            (
                                "skipped",
                                .array(
                                    report.skipped.map {
                                        .object([("row", .int($0.row)), ("message", .string($0.message))])
                                    }
                                )
                            ),
                        ]).rendered()
                    )
                } else {
                    Output.error(report.skipped.map { "\(file): skipped \($0)\n" }.joined())
                    Output.print(
                        "imported \(Format.plural(report.imported.count, "deal")) from \(file)"
                            + (report.skipped.isEmpty
                                ? "\n" : " (\(Format.plural(report.skipped.count, "row")) skipped)\n")
                    )
                }
            }
        }
    }
}
