import ArgumentParser
import DealFlowCore
import DealFlowEngine
import Foundation

extension DealFlowCommand {
    struct AgendaCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agenda",
            abstract: "What a rep does today: overdue tasks, today's, this week's, and stale deals.",
            discussion: """
                Open tasks assigned to the rep (or to a role the roster gives them), oldest first: overdue, due \
                today, and due in the six days after today; then the rep's deals idle longer than their stage's rot_after, longest idle first. Days \
                are counted and times shown in each workflow's time zone.
                """
        )

        @Option(help: "Whose agenda (default: the actor).")
        var owner: String?

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let engine = try await settings.engine()
                let owner = owner ?? settings.actor.id
                // Tasks given to a role (an escalation to 'manager') are on the agenda of whoever holds it.
                let roles = try await engine.users().first { $0.id == owner }?.roles ?? []
                var tasks: [TaskRecord] = []
                for assignee in [owner] + roles {
                    tasks += try await engine.tasks(TaskQuery(assignee: assignee, status: "open"))
                }
                let deals = try await engine.deals(DealQuery(owner: owner))
                var workflows: [String: ValidatedWorkflow] = [:]
                for id in Set(tasks.map(\.workflowID)) { workflows[id] = try await engine.workflow(id: id) }
                let agenda = Agenda(
                    owner: owner,
                    tasks: tasks,
                    deals: deals,
                    workflows: workflows,
                    now: settings.clock.now()
                )
                Output.print(settings.json ? agenda.json.rendered() : agenda.text)
            }
        }
    }
}

extension Agenda {
    var json: JSONValue {
        func items(_ items: [Item]) -> JSONValue {
            .array(
                items.map { $0.task.json.adding([("due_local", .string(Format.time($0.task.dueAt, in: $0.workflow)))]) }
            )
        }
        return .object([
            ("owner", .string(owner)), ("now", .string(DateTimeFormat.iso8601(now))),
            ("overdue", items(overdue)), ("today", items(today)), ("this_week", items(thisWeek)),
            (
                "stale",
                .array(
                    stale.map {
                        .object([
                            ("deal", .string($0.deal.deal.id)), ("workflow", .string($0.deal.workflow.id)),
                            ("stage", .string($0.deal.deal.stage)),
                            ("last_touch", .string(DateTimeFormat.iso8601($0.lastTouch))),
                            ("rot_after", .string($0.rotAfter.description)),
                        ])
                    }
                )
            ),
        ])
    }

    var text: String {
        var text = "agenda of \(owner)\n"
        func section(_ title: String, _ items: [Item]) {
            text += "\n\(title) (\(items.count)):\n"
            guard !items.isEmpty else {
                text += "  nothing\n"
                return
            }
            text += Table.render(
                ["  DUE", "DEAL", "KIND", "TITLE"],
                items.map {
                    let title = $0.task.assignee == owner ? $0.task.title : "\($0.task.title) (as \($0.task.assignee))"
                    return ["  " + Format.time($0.task.dueAt, in: $0.workflow), $0.task.dealID, $0.task.kind, title]
                }
            )
        }
        section("overdue", overdue)
        section("today", today)
        section("this week", thisWeek)
        text += "\nstale deals (\(stale.count)):\n"
        if stale.isEmpty {
            text += "  nothing\n"
        } else {
            text += Table.render(
                ["  DEAL", "STAGE", "LAST TOUCH", "IDLE", "ROT AFTER"],
                stale.map {
                    [
                        "  " + $0.deal.deal.id, $0.deal.deal.stage, Format.time($0.lastTouch, in: $0.deal.workflow),
                        Format.duration(now.timeIntervalSince($0.lastTouch)), $0.rotAfter.description,
                    ]
                }
            )
        }
        return text
    }
}
