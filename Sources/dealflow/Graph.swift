import ArgumentParser
import DealFlowCore
import DealFlowYAML

extension WorkflowDiagram.Format: ExpressibleByArgument {}

extension DealFlowCommand {
    struct Graph: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "graph",
            abstract: "Draw a workflow as a Mermaid state diagram or a Graphviz DOT graph.",
            discussion: """
                Stages show their probability and outcome, transitions their name and guards, timers \
                are dashed edges labelled "timer" (Mermaid cannot dash edges; there the label alone marks them). An invalid \
                workflow prints its diagnostics to standard error and exits 1.

                Render DOT with: dealflow graph FILE --format dot | dot -Tsvg > workflow.svg
                """
        )

        @Argument(help: "The workflow file to draw (YAML).")
        var file: String

        @Option(help: "The diagram language.")
        var format: WorkflowDiagram.Format = .mermaid

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let json = try global.resolved().json
            let loaded: LoadedWorkflow
            do {
                loaded = try WorkflowLoader.load(path: file)
            } catch {
                if json {
                    Output.print(Output.jsonError("unreadable-file", error.description).rendered())
                } else {
                    Output.error("error: \(error.description)\n")
                }
                throw ExitCode(1)
            }
            guard let validated = loaded.validated else {
                if json {
                    let document = JSONValue.object([
                        ("error", .string("invalid-workflow")),
                        ("message", .string("'\(file)' is not a valid workflow")),
                        ("diagnostics", .array(loaded.diagnostics.map(\.json))),
                    ])
                    Output.print(document.rendered())
                } else {
                    Output.error(DiagnosticRenderer(sources: [loaded.file: loaded.source]).render(loaded.diagnostics))
                    Output.error("error: '\(file)' is not a valid workflow; fix the errors above to draw it\n")
                }
                throw ExitCode(1)
            }
            let diagram = WorkflowDiagram.render(validated.definition, format: format)
            if json {
                let document = JSONValue.object([
                    ("workflow", .string(validated.id)), ("format", .string(format.rawValue)),
                    ("diagram", .string(diagram)),
                ])
                Output.print(document.rendered())
            } else {
                Output.print(diagram)
            }
        }
    }
}
