import ArgumentParser
import DealFlowCore
import DealFlowEngine
import Foundation

/// `dealflow tasks`: the follow-up tasks workflows create, as reps work them.
struct TaskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List, add, complete, snooze and reassign follow-up tasks.",
        subcommands: [List.self, Add.self, Done.self, Snooze.self, Reassign.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List tasks, by due time.",
            discussion: "Without --status, open tasks. Every matching task is listed unless --limit is given."
        )

        @Option(help: "Only tasks assigned to this user (or role).")
        var owner: String?

        @Option(help: "Only tasks of this deal.")
        var deal: String?

        @Option(
            help: ArgumentHelp(
                "Only tasks due before this instant: ISO 8601 (2026-11-30T00:00:00Z), a date, or a duration from now (3 days).",
                valueName: "time"
            )
        )
        var dueBefore: String?

        @Option(help: "open, done, cancelled or all (default: open).")
        var status = "open"

        @Option(help: "At most this many tasks.")
        var limit: Int?

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard ["open", "done", "cancelled", "all"].contains(status) else {
                throw ValidationError("'\(status)' is not a task status; use open, done, cancelled or all")
            }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit)") }
            if let dueBefore, TaskCommand.instant(dueBefore, now: Date()) == nil {
                throw ValidationError(
                    "'\(dueBefore)' is not a time for --due-before; write an ISO 8601 instant, a date or a duration such as '3 days'"
                )
            }
        }

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let engine = try await settings.engine()
                let now = settings.clock.now()
                let query = TaskQuery(
                    assignee: owner,
                    dealID: deal,
                    dueBefore: dueBefore.flatMap { TaskCommand.instant($0, now: now) },
                    status: status == "all" ? nil : status,
                    limit: limit
                )
                let tasks = try await engine.tasks(query)
                if settings.json {
                    Output.print(JSONValue.array(tasks.map(\.json)).rendered())
                    return
                }
                guard !tasks.isEmpty else {
                    Output.print("no \(status == "all" ? "" : status + " ")tasks\n")
                    return
                }
                Output.print(
                    Table.render(
                        ["ID", "DUE (UTC)", "STATUS", "DEAL", "KIND", "ASSIGNEE", "TITLE"],
                        tasks.map {
                            [
                                $0.id, Format.utc($0.dueAt) + ($0.status == "open" && $0.dueAt <= now ? " !" : ""),
                                $0.status, $0.dealID, $0.kind, $0.assignee, $0.title,
                            ]
                        }
                    )
                )
            }
        }
    }

    struct Done: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "done", abstract: "Mark an open task done.")

        @Argument(help: "The task's id.")
        var id: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let task = try await settings.engine().completeTask(id: id, actor: settings.actor)
                Output.print(settings.json ? task.json.rendered() : "\(task.id) done: \(task.title)\n")
            }
        }
    }

    struct Snooze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "snooze",
            abstract: "Move an open task's due time later.",
            discussion: """
                The duration is added to the task's due time, or to now if it is already overdue, in its \
                workflow's time zone and business calendar ('2 days', '3 business days', '4 hours'). Its \
                escalation moves with it, it reminds again when due, and the snooze is logged with who did it.
                """
        )

        @Argument(help: "The task's id.")
        var id: String

        @Argument(help: "How much later, e.g. '2 days' or '3 business days'.")
        var duration: String

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if case .failure(let error) = CalendarDuration.parse(duration) {
                throw ValidationError(error.message)
            }
        }

        func run() async throws {
            let settings = try global.resolved()
            guard case .success(let amount) = CalendarDuration.parse(duration) else { return }
            try await Output.run(settings) {
                let task = try await settings.engine().snoozeTask(id: id, by: amount, actor: settings.actor)
                Output.print(
                    settings.json ? task.json.rendered() : "\(task.id) snoozed to \(Format.utc(task.dueAt)) UTC\n"
                )
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a follow-up task to a deal by hand.",
            discussion: """
                --due takes a duration from now in the workflow's calendar ('2 days', '3 business days'), a \
                date (due at the end of that working day, in the workflow's time zone) or an ISO 8601 instant. \
                The task is assigned to the deal's owner unless --assignee says otherwise, survives the deal \
                changing stage, and reminds when due like any other.
                """
        )

        @Argument(help: "The deal's id.")
        var deal: String

        @Argument(help: "What to do.")
        var title: String

        @Option(help: ArgumentHelp("When: '2 days', '2026-12-04' or '2026-12-04T15:00:00Z'.", valueName: "when"))
        var due: String

        @Option(help: "Who does it (default: the deal's owner).")
        var assignee: String?

        @Option(help: "call, email, meeting or todo (default: todo).")
        var kind = "todo"

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard TaskKind(rawValue: kind) != nil else {
                throw ValidationError("'\(kind)' is not a task kind; use call, email, meeting or todo")
            }
            _ = try TaskCommand.due(due)
        }

        func run() async throws {
            let settings = try global.resolved()
            let when = try TaskCommand.due(due)
            try await Output.run(settings) {
                let task = try await settings.engine().addTask(
                    dealID: deal,
                    title: title,
                    due: when,
                    assignee: assignee,
                    kind: TaskKind(rawValue: kind) ?? .todo,
                    actor: settings.actor
                )
                Output.print(
                    settings.json
                        ? task.json.rendered()
                        : "\(task.id) added to \(task.dealID) for \(task.assignee), due \(Format.utc(task.dueAt)) UTC: \(task.title)\n"
                )
            }
        }
    }

    struct Reassign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reassign",
            abstract: "Give an open task to someone else.",
            discussion: "An escalation aimed at the old assignee moves too. The change is logged with who made it."
        )

        @Argument(help: "The task's id.")
        var id: String

        @Option(help: "The new assignee.")
        var to: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let task = try await settings.engine().reassignTask(id: id, to: to, actor: settings.actor)
                Output.print(
                    settings.json ? task.json.rendered() : "\(task.id) assigned to \(task.assignee): \(task.title)\n"
                )
            }
        }
    }

    /// Reads `--due`: a duration, a date or an instant.
    static func due(_ text: String) throws -> TaskDue {
        if let instant = DateTimeFormat.parse(text) { return .at(instant) }
        if let date = LocalDate(iso: text) { return .on(date) }
        switch CalendarDuration.parse(text) {
        case .success(let duration): return .after(duration)
        case .failure:
            throw ValidationError(
                "'\(text)' is not a time for --due; write a duration ('2 days'), a date (2026-12-04) or an ISO 8601 instant"
            )
        }
    }

    /// An instant, a date (00:00 UTC) or a duration from `now`.
    static func instant(_ text: String, now: Date) -> Date? {
        if let instant = DateTimeFormat.parse(text) { return instant }
        if let date = LocalDate(iso: text) { return ZonedCalendar.utc.startOfDay(date) }
        if case .success(let duration) = CalendarDuration.parse(text) {
            return ZonedCalendar.utc.adding(duration, to: now)
        }
        return nil
    }
}
