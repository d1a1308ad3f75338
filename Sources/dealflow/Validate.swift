import ArgumentParser
import DealFlowCore
import DealFlowYAML

extension DealFlowCommand {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check workflow files and print every problem with its file, line and column.",
            discussion: """
                Every error and warning of every file is reported, each with a stable code \
                (docs/workflow-language.md lists them). Exit status: 0 when no file has an error \
                (warnings are allowed unless --strict), 1 otherwise.
                """
        )

        @Argument(help: "The workflow files to check (YAML).")
        var files: [String]

        @Flag(help: "Treat warnings as errors: exit 1 if any file has a warning.")
        var strict = false

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let json = try global.resolved().json
            var diagnostics: [JSONValue] = []
            var text = ""
            var errorCount = 0
            var warningCount = 0
            var failedFiles = 0
            for path in files {
                let loaded: LoadedWorkflow
                do {
                    loaded = try WorkflowLoader.load(path: path)
                } catch {
                    failedFiles += 1
                    errorCount += 1
                    diagnostics.append(Diagnostic.unreadableFileJSON(path: path, message: error.description))
                    text += "\(path): error: \(error.description) [unreadable-file]\n"
                    continue
                }
                let errors = loaded.diagnostics.filter(\.isError).count
                let warnings = loaded.diagnostics.count - errors
                errorCount += errors
                warningCount += warnings
                if errors > 0 || (strict && warnings > 0) { failedFiles += 1 }
                diagnostics += loaded.diagnostics.map(\.json)
                text += DiagnosticRenderer(sources: [loaded.file: loaded.source]).render(loaded.diagnostics)
                if let validated = loaded.validated {
                    let definition = validated.definition
                    let verdict = strict && warnings > 0 ? "fails --strict" : "ok"
                    let summary =
                        "\(path): \(verdict): workflow '\(validated.id)', \(count(definition.stages.count, "stage")), "
                        + "\(count(definition.transitions.count, "transition")), \(count(definition.fields.count, "field"))"
                    text += summary + (warnings > 0 ? ", \(count(warnings, "warning"))\n" : "\n")
                }
            }
            if json {
                Output.print(JSONValue.array(diagnostics).rendered())
            } else {
                if files.count > 1 || failedFiles > 0 {
                    text +=
                        "\(count(files.count, "file")) checked: \(count(errorCount, "error")), \(count(warningCount, "warning"))\n"
                }
                Output.print(text)
            }
            if failedFiles > 0 { throw ExitCode(1) }
        }

        private func count(_ number: Int, _ noun: String) -> String {
            "\(number) \(noun)\(number == 1 ? "" : "s")"
        }
    }
}
