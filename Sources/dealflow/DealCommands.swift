import ArgumentParser
import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import Foundation

extension DealFlowCommand {
    struct DealCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deal",
            abstract: "Create deals, change them, fire transitions, and read where they stand.",
            subcommands: [
                Create.self, Set.self, Fire.self, Note.self, Reassign.self, Show.self, List.self, History.self,
                Transitions.self,
            ]
        )
    }
}

/// Reads `--set FIELD=VALUE` options.
func fieldInputs(_ assignments: [String]) throws -> [FieldInput] {
    try assignments.map { assignment in
        guard let input = FieldInput(assignment: assignment) else {
            throw ValidationError(
                "'\(assignment)' is not FIELD=VALUE; write for example amount=12000 (an empty value clears)"
            )
        }
        return input
    }
}

extension DealFlowCommand.DealCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Start a deal in its workflow's initial stage.",
            discussion: """
                Values are read by their field's type and checked: a date that does not exist, a value an enum \
                does not have, or an unknown field is an error naming it. Required fields must be given; \
                defaults are applied. The initial stage's on_enter actions run and its timers are scheduled.
                """
        )

        @Option(help: "The workflow's id; the deal starts on its highest version.")
        var workflow: String

        @Option(help: "The deal's id (default: a generated one).")
        var id: String?

        @Option(help: "The rep who owns it (default: the actor).")
        var owner: String?

        @Option(
            name: .customLong("set"),
            help: ArgumentHelp("A field value; repeat for several.", valueName: "field=value")
        )
        var assignments: [String] = []

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            _ = try fieldInputs(assignments)
        }

        func run() async throws {
            let settings = try global.resolved()
            let input = try fieldInputs(assignments)
            try await Output.run(settings) {
                let engine = try await settings.engine()
                let view = try await engine.create(
                    workflowID: workflow,
                    id: id,
                    owner: owner,
                    input: input,
                    actor: settings.actor
                )
                let tasks = try await engine.store.openTasks(dealID: view.deal.id)
                if settings.json {
                    Output.print(view.json.rendered())
                } else {
                    Output.print(
                        "created \(view.deal.id) in \(view.workflow.id) (version \(view.workflow.version)), stage "
                            + "\(view.deal.stage), owner \(view.deal.owner)\n" + tasksText(tasks, view.workflow)
                    )
                }
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Change field values of a deal.",
            discussion: """
                Values are checked as for 'deal create'. A required field, or one the current stage requires, \
                cannot be cleared. Every change is one history entry and adds one to the deal's version.
                """
        )

        @Argument(help: "The deal's id.")
        var id: String

        @Argument(help: ArgumentHelp("Field values; an empty value clears the field.", valueName: "field=value"))
        var assignments: [String]

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            _ = try fieldInputs(assignments)
        }

        func run() async throws {
            let settings = try global.resolved()
            let input = try fieldInputs(assignments)
            try await Output.run(settings) {
                let engine = try await settings.engine()
                let (view, changes) = try await engine.update(dealID: id, input: input, actor: settings.actor)
                if settings.json {
                    Output.print(view.json.rendered())
                } else if changes.isEmpty {
                    Output.print("\(view.deal.id): unchanged (version \(view.deal.version) already has these values)\n")
                } else {
                    Output.print(
                        "\(view.deal.id): version \(view.deal.version)\n"
                            + changes.map { "  \($0.field): \(Format.value($0.old)) → \(Format.value($0.new))\n" }
                            .joined()
                    )
                }
            }
        }
    }

    struct Fire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fire",
            abstract: "Fire a transition on a deal.",
            discussion: """
                The transition must exist and leave the deal's stage, and the actor's role must be allowed. \
                The --set values are applied first; then the transition's requires, its guards and the target \
                stage's requires are checked. If anything fails, nothing changes and every blocker is printed \
                (exit 3; a refused role exits 5). Otherwise, in one transaction: the old stage's on_exit, the \
                transition's actions, the new stage's on_enter, the old stage's tasks and timers cancelled, \
                the new stage's timers scheduled, the history entry and the outbox events written.
                """
        )

        @Argument(help: "The deal's id.")
        var id: String

        @Argument(help: "The transition's name.")
        var transition: String

        @Option(
            name: .customLong("set"),
            help: ArgumentHelp("A field value to apply first; repeat for several.", valueName: "field=value")
        )
        var assignments: [String] = []

        @Option(help: "A note for the history.")
        var note: String?

        @Option(help: "Fire only if the deal is at this version; otherwise exit 4 (conflict).")
        var expectVersion: Int?

        @Option(help: "A key that makes a repeated fire return the first result and change nothing.")
        var idempotencyKey: String?

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            _ = try fieldInputs(assignments)
        }

        func run() async throws {
            let settings = try global.resolved()
            let input = try fieldInputs(assignments)
            try await Output.run(settings) {
                let engine = try await settings.engine()
                let result = try await engine.fire(
                    dealID: id,
                    transition: transition,
                    input: input,
                    note: note,
                    expectVersion: expectVersion,
                    idempotencyKey: idempotencyKey,
                    actor: settings.actor
                )
                if settings.json {
                    Output.print(result.json.rendered())
                } else {
                    let replay = result.replayed ? " (already done with this idempotency key; nothing changed)" : ""
                    Output.print(
                        "\(result.dealID): \(result.transition): \(result.from) → \(result.to) (version \(result.version))\(replay)\n"
                            + "  \(Format.plural(result.tasksScheduled, "task")) scheduled, \(result.tasksCancelled) cancelled\n"
                    )
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a deal: its stage, fields, open tasks and pending timers."
        )

        @Argument(help: "The deal's id.")
        var id: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let engine = try await settings.engine()
                let view = try await engine.deal(id: id)
                let tasks = try await engine.store.openTasks(dealID: id)
                let timers = try await engine.store.pendingTimers(dealID: id)
                if settings.json {
                    guard case .object(let members) = view.json else { return }
                    Output.print(
                        JSONValue.object(
                            members + [("tasks", .array(tasks.map(\.json))), ("timers", .array(timers.map(\.json)))]
                        ).rendered()
                    )
                    return
                }
                let deal = view.deal
                let workflow = view.workflow
                var text = "\(deal.id)  \(workflow.id) v\(deal.workflowVersion)  stage \(deal.stage)"
                text += deal.outcome.map { " (\($0.rawValue))" } ?? ""
                text += "  owner \(deal.owner)  version \(deal.version)\n"
                text +=
                    "created \(Format.time(deal.createdAt, in: workflow)), in stage since \(Format.time(deal.enteredStageAt, in: workflow))\n"
                if let guidance = workflow.stage(named: deal.stage)?.guidance { text += "guidance: \(guidance)\n" }
                text += "\nfields:\n"
                text += Table.render(
                    ["  FIELD", "VALUE"],
                    workflow.definition.fields.enumerated().map { ["  " + $1.name, Format.value(deal.fields[$0])] }
                )
                text += tasksText(tasks, workflow)
                if !timers.isEmpty {
                    text += "\npending timers:\n"
                    text += Table.render(
                        ["  DUE", "DOES"],
                        timers.map {
                            [
                                "  " + Format.time($0.dueAt, in: workflow) + ($0.late ? " (late)" : ""),
                                $0.effect == "fire"
                                    ? "fire \($0.transition ?? "")" : "next task, every \($0.every ?? "")",
                            ]
                        }
                    )
                }
                Output.print(text)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List and find deals.",
            discussion: """
                --workflow, --stage and --owner (and --limit and --offset when nothing else filters or sorts) \
                run in the database; --where, --closing-before, --stale and --sort run on the deals they return. \
                --where takes a condition in the guard language, type-checked against the workflow's schema \
                before anything is listed: --where 'amount > 10000 and close_date < today + 30 days'.
                """
        )

        @Option(help: "Only deals of this workflow.")
        var workflow: String?

        @Option(help: "Only deals in this stage.")
        var stage: String?

        @Option(help: "Only deals of this owner.")
        var owner: String?

        @Option(name: .customLong("where"), help: "Only deals for which this condition (guard language) is true.")
        var condition: String?

        @Option(help: ArgumentHelp("Only deals whose close date is before this day.", valueName: "date"))
        var closingBefore: String?

        @Flag(help: "Only deals idle longer than their stage's rot_after.")
        var stale = false

        @Option(
            help: ArgumentHelp(
                "Order by a field, or id, stage, owner, created_at, updated_at, entered_stage_at, version (the deal's), e.g. amount:desc.",
                valueName: "field[:desc]"
            )
        )
        var sort: String?

        @Option(help: "At most this many deals (default: all).")
        var limit: Int?

        @Option(help: "Skip this many deals first.")
        var offset: Int?

        @Option(help: "table, json or csv (default: table, or json with --json).")
        var format: String?

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more, not \(limit)") }
            if let offset, offset < 0 { throw ValidationError("--offset must be 0 or more, not \(offset)") }
            if let format, !["table", "json", "csv"].contains(format) {
                throw ValidationError("'\(format)' is not a format; use table, json or csv")
            }
            if let closingBefore, LocalDate(iso: closingBefore) == nil {
                throw ValidationError("'\(closingBefore)' is not a date for --closing-before; write YYYY-MM-DD")
            }
            if let sort, DealFilter.Sort(sort) == nil {
                throw ValidationError("'\(sort)' is not FIELD or FIELD:desc for --sort")
            }
        }

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let engine = try await settings.engine()
                try await checkNames(engine)
                var filter = DealFilter(
                    condition: condition,
                    closingBefore: closingBefore.flatMap { LocalDate(iso: $0) },
                    staleOnly: stale,
                    sort: sort.flatMap { DealFilter.Sort($0) }
                )
                var query = DealQuery(workflowID: workflow, stage: stage, owner: owner)
                if let closingBefore { query.fieldBefore = try await closeDateBound(closingBefore, engine: engine) }
                var views: [DealView]
                if condition == nil && !stale && sort == nil && (closingBefore == nil || query.fieldBefore != nil) {
                    // Everything runs in the database, paging too.
                    query.limit = limit
                    query.offset = offset
                    views = try await engine.deals(query)
                } else {
                    views = try await engine.deals(query)
                    try await compile(&filter, engine: engine, for: views)
                    let now = settings.clock.now()
                    views = filter.sorted(views.filter { filter.matches($0, now: now, actor: settings.actor) })
                    views = Array(views.dropFirst(offset ?? 0).prefix(limit ?? Int.max))
                }
                try print(views, as: format ?? (settings.json ? "json" : "table"))
            }
        }

        /// `--closing-before` as a bound the database applies: every workflow listed keeps its close date
        /// in a field of the same name (the common case); refused when none has one.
        private func closeDateBound(_ day: String, engine: Engine) async throws -> DealQuery.FieldBefore? {
            var names = Swift.Set<String>()
            for id in try await workflowIDs(engine) {
                if let field = try await engine.workflow(id: id).dealFields.closeDate { names.insert(field) }
            }
            guard !names.isEmpty else {
                throw EngineError.invalidInput(
                    Rejection(
                        .invalidValue,
                        "--closing-before: no workflow listed has a close date (a date field named close_date, or the one deal.close_date names)"
                    )
                )
            }
            return names.count == 1 ? DealQuery.FieldBefore(field: names.first ?? "", value: day) : nil
        }

        private func workflowIDs(_ engine: Engine) async throws -> [String] {
            if let workflow { return [workflow] }
            return try await engine.workflowIDs()
        }

        /// A misspelt stage or workflow would list nothing and look like an empty pipeline: say so instead.
        private func checkNames(_ engine: Engine) async throws {
            if let stage {
                let ids = try await workflowIDs(engine)
                var stages: [String] = []
                for id in ids { stages += try await engine.workflow(id: id).definition.stages.map(\.name) }
                if !stages.contains(stage) {
                    let hint = SpellingSuggestion.hint(for: stage, among: stages)
                    throw EngineError.invalidInput(
                        Rejection(.invalidValue, "no workflow here has a stage '\(stage)'\(hint)")
                    )
                }
            } else if let workflow {
                _ = try await engine.workflow(id: workflow)
            }
        }

        /// Checks the filter against every workflow version it will meet: the highest version of each
        /// workflow listed (so that a mistake is reported even with no deal yet), and those the deals are
        /// on. It is an error if it fits none of them; a version it does not fit (a field another workflow
        /// or a later version has) is left out with a note.
        private func compile(_ filter: inout DealFilter, engine: Engine, for views: [DealView]) async throws {
            var versions: [(String, Int?)] = try await workflowIDs(engine).map { ($0, nil) }
            versions += Swift.Set(views.map { "\($0.workflow.id)\u{0}\($0.workflow.version)" }).sorted().map { key in
                let parts = key.split(separator: "\u{0}")
                return (String(parts[0]), Int(parts[1]))
            }
            var failures: [(workflow: ValidatedWorkflow, diagnostics: [Diagnostic])] = []
            var fits = 0
            var seen = Swift.Set<String>()
            for (id, version) in versions {
                let checked = try await engine.workflow(id: id, version: version)
                guard seen.insert("\(checked.id)@\(checked.version)").inserted else { continue }
                let diagnostics = filter.compile(for: checked).filter(\.isError)
                if diagnostics.isEmpty { fits += 1 } else { failures.append((checked, diagnostics)) }
            }
            let renderer = DiagnosticRenderer(sources: ["--where": condition ?? "", "--sort": sort ?? ""])
            if fits == 0, let first = failures.first {
                throw EngineError.invalidInput(
                    Rejection(.invalidValue, renderer.render(first.diagnostics).trimmingCharacters(in: .newlines))
                )
            }
            for failure in failures
            where views.contains(where: {
                $0.workflow.id == failure.workflow.id && $0.workflow.version == failure.workflow.version
            }) {
                Output.error(
                    "note: the deals of \(failure.workflow.id) v\(failure.workflow.version) are left out: "
                        + "\(failure.diagnostics[0].message)\n"
                )
            }
        }

        private func print(_ views: [DealView], as format: String) throws {
            switch format {
            case "json":
                Output.print(JSONValue.array(views.map(\.json)).rendered())
            case "csv":
                var fields: [String] = []
                for view in views {
                    for field in view.workflow.definition.fields where !fields.contains(field.name) {
                        fields.append(field.name)
                    }
                }
                let header = ["id", "workflow", "workflow_version", "stage", "owner", "version"] + fields
                let rows = views.map { view in
                    [
                        view.deal.id, view.deal.workflowID, String(view.deal.workflowVersion), view.deal.stage,
                        view.deal.owner, String(view.deal.version),
                    ] + fields.map { FieldValues.storedText(view.value(of: $0)) ?? "" }
                }
                Output.print(try Report.csv(ReportTable(title: nil, columns: header, rows: rows)))
            default:
                guard !views.isEmpty else {
                    Output.print("no deal matches\n")
                    return
                }
                let rows = views.map { view -> [String] in
                    let fields = view.workflow.dealFields
                    let amount = fields.amount.map { Format.money(view.value(of: $0)) } ?? "-"
                    let currency = fields.currency.map { Format.value(view.value(of: $0)) } ?? ""
                    let close = fields.closeDate.map { Format.value(view.value(of: $0)) } ?? "-"
                    return [
                        view.deal.id, view.deal.workflowID, view.deal.stage, view.deal.owner,
                        amount == "-" ? "-" : "\(amount) \(currency)", close, String(view.deal.version),
                    ]
                }
                Output.print(Table.render(["ID", "WORKFLOW", "STAGE", "OWNER", "AMOUNT", "CLOSE", "VERSION"], rows))
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "Show a deal's history: every change, and every refused or blocked attempt, in order."
        )

        @Argument(help: "The deal's id.")
        var id: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let engine = try await settings.engine()
                let entries = try await engine.history(dealID: id)
                if settings.json {
                    Output.print(JSONValue.array(entries.map(\.json)).rendered())
                    return
                }
                let workflow = try await engine.deal(id: id).workflow
                var text = ""
                for entry in entries {
                    let who = entry.role.map { "\(entry.actor) (\($0))" } ?? entry.actor
                    var line = "#\(entry.sequence)  \(Format.time(entry.at, in: workflow))  \(entry.kind)"
                    switch entry.kind {
                    case "created": line += "  \(who)  in \(entry.to ?? "")"
                    case "transitioned":
                        line += "  \(who)  \(entry.transition ?? ""): \(entry.from ?? "") → \(entry.to ?? "")"
                    case "updated", "reassigned", "call", "email", "meeting", "note": line += "  \(who)"
                    case "migrated": line += "  \(who)  \(entry.from ?? "") → \(entry.to ?? "")"
                    default: line += "  \(who)  \(entry.transition ?? "") from \(entry.from ?? "")"
                    }
                    text += line + "\n"
                    if case .object(let members) = (try? JSONValue.parse(entry.changes)) ?? .object([]) {
                        text += members.map { "    \(Format.change($0.0, $0.1))\n" }.joined()
                    }
                    if let blockers = entry.blockers,
                        case .array(let items) = (try? JSONValue.parse(blockers)) ?? .array([])
                    {
                        text += items.map { "    - \($0["explanation"]?.text ?? $0["message"]?.text ?? "")\n" }.joined()
                    }
                    if let note = entry.note { text += "    note: \(note)\n" }
                }
                Output.print(text)
            }
        }
    }

    struct Transitions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transitions",
            abstract: "List the transitions from a deal's stage, whether each may fire now, and what blocks it.",
            discussion: "Each blocker shows the guard, its message and the values it saw, for the actor and role given."
        )

        @Argument(help: "The deal's id.")
        var id: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let engine = try await settings.engine()
                let (view, transitions) = try await engine.transitions(dealID: id, actor: settings.actor)
                if settings.json {
                    Output.print(
                        JSONValue.object([
                            ("deal", .string(view.deal.id)), ("stage", .string(view.deal.stage)),
                            ("version", .int(view.deal.version)),
                            (
                                "transitions",
                                .array(
                                    transitions.map { availability in
                                        .object([
                                            ("name", .string(availability.transition.name)),
                                            ("to", .string(availability.transition.to.value)),
                                            ("allowed", .bool(availability.isAllowed)),
                                            ("blockers", .array(availability.blockers.map(\.json))),
                                        ])
                                    }
                                )
                            ),
                        ]).rendered()
                    )
                    return
                }
                var text =
                    "\(view.deal.id) is in \(view.deal.stage) (version \(view.deal.version)); as \(settings.actor):\n"
                if transitions.isEmpty { text += "  no transition leaves \(view.deal.stage)\n" }
                for availability in transitions {
                    let mark = availability.isAllowed ? "ok     " : "blocked"
                    text += "  \(mark) \(availability.transition.name) → \(availability.transition.to.value)\n"
                    text += availability.blockers.map { "          - \(Output.describe($0))\n" }.joined()
                }
                Output.print(text)
            }
        }
    }
}

/// The open tasks of a deal, for human output.
func tasksText(_ tasks: [TaskRecord], _ workflow: ValidatedWorkflow) -> String {
    guard !tasks.isEmpty else { return "" }
    return "\nopen tasks:\n"
        + Table.render(
            ["  DUE", "KIND", "ASSIGNEE", "TITLE"],
            tasks.map { ["  " + Format.time($0.dueAt, in: workflow), $0.kind, $0.assignee, $0.title] }
        )
}
