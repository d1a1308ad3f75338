import ArgumentParser
import DealFlowCore
import DealFlowEngine
import Foundation

extension DealFlowCommand.DealCommand {
    struct Reassign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reassign",
            abstract: "Give a deal, or every open deal of a rep, to another owner.",
            discussion: """
                With a deal id, that deal; with --from, every open deal of that owner (of one workflow with \
                --workflow), in one transaction: a rep who leaves. Deals in won or lost stages keep their owner, \
                so that past results stay theirs. Open tasks assigned to the old owner, and escalations aimed at \
                them, move with each deal; each deal's history records the change (not a touch: a stale deal \
                stays stale). Once the roster has users, --to must be one of them.
                """
        )

        @Argument(help: "The deal's id (or use --from).")
        var id: String?

        @Option(help: "Every open deal of this owner.")
        var from: String?

        @Option(help: "The new owner.")
        var to: String

        @Option(help: "With --from: only deals of this workflow.")
        var workflow: String?

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            switch (id, from) {
            case (nil, nil): throw ValidationError("give a deal id, or --from USER for every open deal of a rep")
            case (.some, .some): throw ValidationError("give a deal id or --from, not both")
            default: break
            }
            if workflow != nil, from == nil { throw ValidationError("--workflow goes with --from") }
        }

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let engine = try await settings.engine()
                let moved: [Reassignment]
                if let id {
                    moved = [try await engine.reassign(dealID: id, to: to, actor: settings.actor)]
                } else {
                    moved = try await engine.reassign(
                        from: from ?? "",
                        to: to,
                        workflowID: workflow,
                        actor: settings.actor
                    )
                }
                if settings.json {
                    Output.print(JSONValue.array(moved.map(\.json)).rendered())
                    return
                }
                if let id, let only = moved.first, only.from == only.to {
                    Output.print("\(id): unchanged (already owned by \(to))\n")
                    return
                }
                guard !moved.isEmpty else {
                    Output.print(
                        "\(from ?? "") owns no open deal\(workflow.map { " of \($0)" } ?? ""): nothing to do\n"
                    )
                    return
                }
                var text = moved.map {
                    "\($0.dealID): \($0.from) → \($0.to) (version \($0.version)), \(Format.plural($0.tasksMoved, "task")) moved\n"
                }.joined()
                if moved.count > 1 {
                    let tasks = moved.reduce(0) { $0 + $1.tasksMoved }
                    text += "\(Format.plural(moved.count, "deal")) and \(Format.plural(tasks, "task")) given to \(to)\n"
                }
                Output.print(text)
            }
        }
    }

    struct Note: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "note",
            abstract: "Log a call, an email, a meeting or a note on a deal.",
            discussion: """
                The activity goes into the deal's history and counts as a touch: the deal is no longer stale \
                (rot_after counts from it). The stage and fields do not change.
                """
        )

        @Argument(help: "The deal's id.")
        var id: String

        @Argument(help: "What happened.")
        var text: String

        @Option(help: "call, email, meeting or note (default: note).")
        var kind = "note"

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard ActivityKind(rawValue: kind) != nil else {
                throw ValidationError("'\(kind)' is not an activity; use call, email, meeting or note")
            }
        }

        func run() async throws {
            let settings = try global.resolved()
            let activity = ActivityKind(rawValue: kind) ?? .note
            try await Output.run(settings) {
                let view = try await settings.engine().logActivity(
                    activity,
                    text: text,
                    dealID: id,
                    actor: settings.actor
                )
                Output.print(
                    settings.json
                        ? view.json.rendered()
                        : "\(view.deal.id): \(activity.rawValue) logged (version \(view.deal.version))\n"
                )
            }
        }
    }
}

extension Reassignment {
    /// `{"deal", "from", "to", "version", "tasks_moved"}`.
    var json: JSONValue {
        .object([
            ("deal", .string(dealID)), ("from", .string(from)), ("to", .string(to)), ("version", .int(version)),
            ("tasks_moved", .int(tasksMoved)),
        ])
    }
}
