import ArgumentParser
import DealFlowCore
import DealFlowEngine
import Foundation

extension DealFlowCommand.WorkflowCommand {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Move the open deals of a workflow to a newer version.",
            discussion: """
                Deals are pinned to the version they were created on, so a fixed guard or a new timer does \
                not reach them until they move. Each open deal on an older version lands in the stage of the \
                same name, or the one --map gives. A deal stays where it is, with the reason, when its stage is \
                gone and not mapped, when a value no longer fits the new schema, or when the new stage's \
                requires are not met.

                Without --dry-run, the deals that can move move in one transaction: each gets a 'migrated' \
                history entry (its version goes up by one), its old stage's pending timers are cancelled and \
                the new stage's are scheduled from when it entered the stage (an overdue one fires at the \
                scheduler's next run), and its open tasks are kept. Exit 1 if any deal cannot move.
                """
        )

        @Argument(help: "The workflow's id.")
        var id: String

        @Option(help: "The version to move to.")
        var toVersion: Int

        @Option(
            name: .customLong("map"),
            help: ArgumentHelp("Where deals in an old stage land; repeat for several.", valueName: "old=new")
        )
        var mappings: [String] = []

        @Flag(help: "Print the plan and write nothing.")
        var dryRun = false

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            _ = try mapping()
            if toVersion < 1 { throw ValidationError("--to-version must be 1 or more, not \(toVersion)") }
        }

        func mapping() throws -> [String: String] {
            var mapping: [String: String] = [:]
            for text in mappings {
                let parts = text.split(separator: "=", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ValidationError("'\(text)' is not OLD=NEW for --map; write for example demo=presentation")
                }
                guard mapping[parts[0]] == nil else {
                    throw ValidationError("--map gives stage '\(parts[0])' twice")
                }
                mapping[parts[0]] = parts[1]
            }
            return mapping
        }

        func run() async throws {
            let settings = try global.resolved()
            let mapping = try mapping()
            try await Output.run(settings) {
                let plan = try await settings.engine().migrate(
                    workflowID: id,
                    toVersion: toVersion,
                    mapping: mapping,
                    dryRun: dryRun,
                    actor: settings.actor
                )
                Output.print(settings.json ? plan.json.rendered() : plan.text(dryRun: dryRun))
                if !plan.stays.isEmpty { throw ExitCode(Output.Status.badInput) }
            }
        }
    }
}

extension MigrationPlan {
    var json: JSONValue {
        .object([
            ("workflow", .string(workflowID)), ("to_version", .int(targetVersion)), ("applied", .bool(applied)),
            (
                "moves",
                .array(
                    moves.map {
                        .object([
                            ("deal", .string($0.dealID)), ("from_version", .int($0.fromVersion)),
                            ("from", .string($0.fromStage)), ("to", .string($0.toStage)),
                            ("changes", FieldChange.json($0.fieldChanges)), ("timers", .int($0.timersScheduled)),
                            ("timers_due_now", .int($0.timersLate)),
                        ])
                    }
                )
            ),
            (
                "stays",
                .array(
                    stays.map {
                        .object([
                            ("deal", .string($0.dealID)), ("version", .int($0.version)), ("stage", .string($0.stage)),
                            ("reason", .string($0.reason)),
                        ])
                    }
                )
            ),
        ])
    }

    /// The moves by stage (a team migrates hundreds of deals at once; `--json` lists each), then every
    /// deal that cannot move, one per line, since each needs someone's attention.
    func text(dryRun: Bool) -> String {
        var text = "\(workflowID): open deals on older versions → version \(targetVersion)"
        text += dryRun ? " (dry run: nothing written)\n" : "\n"
        if moves.isEmpty && stays.isEmpty { return text + "no open deal is on an older version\n" }
        if !moves.isEmpty {
            struct Group {
                var from: String
                var to: String
                var deals = 0
                var timers = 0
                var due = 0
                var fields: Swift.Set<String> = []
            }
            var groups: [Group] = []
            for move in moves {
                let from = "v\(move.fromVersion) \(move.fromStage)"
                var index = groups.firstIndex { $0.from == from && $0.to == move.toStage }
                if index == nil {
                    groups.append(Group(from: from, to: move.toStage))
                    index = groups.count - 1
                }
                guard let index else { continue }
                groups[index].deals += 1
                groups[index].timers += move.timersScheduled
                groups[index].due += move.timersLate
                groups[index].fields.formUnion(
                    move.fieldChanges.map { "\($0.field): \(Format.value($0.old)) → \(Format.value($0.new))" }
                )
            }
            text += "\n\(dryRun ? "would move" : "moved"):\n"
            text += Table.render(
                ["  FROM", "TO", "DEALS", "TIMERS", "FIELDS"],
                groups.map {
                    [
                        "  " + $0.from, $0.to, String($0.deals),
                        $0.due == 0 ? String($0.timers) : "\($0.timers) (\($0.due) due now)",
                        $0.fields.isEmpty ? "-" : $0.fields.sorted().joined(separator: "; "),
                    ]
                }
            )
        }
        if !stays.isEmpty {
            text += "\ncannot move (they stay where they are):\n"
            text += Table.render(
                ["  DEAL", "AT", "WHY"],
                stays.map { ["  " + $0.dealID, "v\($0.version) \($0.stage)", $0.reason] }
            )
        }
        let verb = dryRun ? "would move" : "moved"
        text += "\n\(Format.plural(moves.count, "deal")) \(verb), \(stays.count) cannot move\n"
        return text
    }
}
