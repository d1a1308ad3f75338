import ArgumentParser
import DealFlowCore
import DealFlowEngine
import DealFlowYAML
import Foundation

extension DealFlowCommand {
    struct WorkflowCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "workflow",
            abstract: "Store workflow versions in the database, and list and show them.",
            subcommands: [Apply.self, List.self, Show.self, Migrate.self]
        )
    }
}

extension DealFlowCommand.WorkflowCommand {
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Validate workflow files and store each as a new version.",
            discussion: """
                A changed file becomes a new version: the file's own 'version' if it has one (refused if that \
                number holds other content), otherwise the next number. Applying the same content again \
                changes nothing. New deals start on the highest version; existing deals stay on theirs. If \
                any file is invalid, nothing is stored.
                """
        )

        @Argument(help: "The workflow files (YAML).")
        var files: [String]

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                var sources: [(String, String)] = []
                for file in files {
                    let loaded: LoadedWorkflow
                    do {
                        loaded = try WorkflowLoader.load(path: file)
                    } catch {
                        throw EngineError.invalidInput(Rejection(.invalidValue, String(describing: error)))
                    }
                    guard loaded.validated != nil else { throw EngineError.invalidWorkflow(loaded) }
                    sources.append((file, loaded.source))
                }
                let engine = try await settings.engine()
                var results: [JSONValue] = []
                var text = ""
                for (application, (file, _)) in zip(
                    try await engine.applyWorkflows(sources.map { ($0.1, $0.0) }, actor: settings.actor),
                    sources
                ) {
                    let definition = application.workflow.definition
                    results.append(
                        .object([
                            ("workflow", .string(application.workflow.id)),
                            ("version", .int(application.workflow.version)),
                            ("file", .string(file)), ("changed", .bool(application.isNewVersion)),
                        ])
                    )
                    text +=
                        application.isNewVersion
                        ? "\(application.workflow.id): version \(application.workflow.version) applied from \(file) "
                            + "(\(Format.plural(definition.stages.count, "stage")), \(Format.plural(definition.transitions.count, "transition")))\n"
                        : "\(application.workflow.id): unchanged (version \(application.workflow.version) has this content)\n"
                }
                Output.print(settings.json ? JSONValue.array(results).rendered() : text)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the stored workflows and their versions."
        )

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let engine = try await settings.engine()
                let versions = try await engine.workflowVersions()
                let ids = versions.map(\.id).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                var rows: [[String]] = []
                var json: [JSONValue] = []
                for id in ids {
                    let latest = try await engine.workflow(id: id)
                    let all = versions.filter { $0.id == id }
                    let applied = all.last.map { DateTimeFormat.iso8601($0.appliedAt) } ?? "-"
                    rows.append([
                        id, String(latest.version), all.map { String($0.version) }.joined(separator: ","), applied,
                        latest.definition.title ?? "",
                    ])
                    json.append(
                        .object([
                            ("workflow", .string(id)), ("latest_version", .int(latest.version)),
                            ("versions", .array(all.map { .int($0.version) })), ("applied_at", .string(applied)),
                            ("title", latest.definition.title.map(JSONValue.string) ?? .null),
                        ])
                    )
                }
                if settings.json {
                    Output.print(JSONValue.array(json).rendered())
                } else if rows.isEmpty {
                    Output.print(
                        "no workflow is applied yet; apply one with: dealflow workflow apply workflows/b2b-sales.yaml\n"
                    )
                } else {
                    Output.print(Table.render(["WORKFLOW", "LATEST", "VERSIONS", "APPLIED", "TITLE"], rows))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a stored workflow version: its stages and transitions."
        )

        @Argument(help: "The workflow's id.")
        var id: String

        @Option(help: "The version to show (default: the highest).")
        var version: Int?

        @Flag(help: "Print the YAML source as it was applied.")
        var source = false

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let engine = try await settings.engine()
                let workflow = try await engine.workflow(id: id, version: version)
                let stored = try await engine.store.workflow(id: id, version: workflow.version)
                let definition = workflow.definition
                if settings.json {
                    Output.print(
                        JSONValue.object([
                            ("workflow", .string(workflow.id)), ("version", .int(workflow.version)),
                            ("title", definition.title.map(JSONValue.string) ?? .null),
                            ("timezone", .string(definition.timeZone.value.identifier)),
                            ("initial_stage", .string(workflow.initialStage)),
                            (
                                "stages",
                                .array(
                                    definition.stages.map { stage in
                                        .object([
                                            ("name", .string(stage.name)),
                                            ("probability", .string(stage.effectiveProbability.description)),
                                            ("forecast", .string(stage.effectiveForecast.rawValue)),
                                            ("outcome", stage.outcome.map { .string($0.value.rawValue) } ?? .null),
                                        ])
                                    }
                                )
                            ),
                            (
                                "transitions",
                                .array(
                                    definition.transitions.map { transition in
                                        .object([
                                            ("name", .string(transition.name)), ("to", .string(transition.to.value)),
                                            (
                                                "from",
                                                .array(
                                                    definition.stages.filter { transition.leaves($0.name) }.map {
                                                        .string($0.name)
                                                    }
                                                )
                                            ),
                                        ])
                                    }
                                )
                            ),
                            ("source", .string(stored?.source ?? "")),
                        ]).rendered()
                    )
                    return
                }
                if source {
                    Output.print(stored?.source ?? "")
                    return
                }
                var text =
                    "\(workflow.id) version \(workflow.version)" + (definition.title.map { ": \($0)" } ?? "") + "\n"
                text +=
                    "time zone \(definition.timeZone.value.identifier); deals start in '\(workflow.initialStage)'\n\nstages:\n"
                text += Table.render(
                    ["  STAGE", "PROBABILITY", "FORECAST", "OUTCOME"],
                    definition.stages.map {
                        [
                            "  " + $0.name, "\($0.effectiveProbability)%", $0.effectiveForecast.rawValue,
                            $0.outcome?.value.rawValue ?? "",
                        ]
                    }
                )
                text += "\ntransitions:\n"
                text += Table.render(
                    ["  TRANSITION", "FROM", "TO", "ROLES"],
                    definition.transitions.map { transition in
                        let from: String
                        switch transition.from {
                        case .anyStage: from = "*"
                        case .stages(let stages): from = stages.map(\.value).joined(separator: ",")
                        }
                        return [
                            "  " + transition.name, from, transition.to.value,
                            transition.roles?.map(\.value).joined(separator: ",") ?? "any",
                        ]
                    }
                )
                Output.print(text)
            }
        }
    }
}
