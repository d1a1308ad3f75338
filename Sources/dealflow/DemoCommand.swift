import ArgumentParser
import DealFlowCore
import DealFlowEngine
import DealFlowPostgres
import DealFlowSQLite
import DealFlowYAML
import Foundation

extension DealFlowCommand {
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo",
            abstract: "Load the example workflows and the demo deals, replay days of rep activity, and summarize.",
            discussion: """
                Applies workflows/*.yaml, imports seeds/*.csv (LatAm and European companies), then replays the \
                given number of working days on a virtual clock starting Monday 2026-11-02: reps advance deals \
                with their stages' probabilities, fill in what guards ask for, are sometimes blocked, and lose \
                some; new leads and service requests arrive. The same seed gives the same run. Run it from the \
                repository's root. The database (--db, default ./dealflow.sqlite) is created anew; a database \
                holding anything but an earlier demo is refused, so the demo never replaces real deals. A \
                PostgreSQL database (--db postgres://...) must be empty.
                """
        )

        @Option(help: "How many working days to replay.")
        var days = 20

        @Option(help: "The random seed.")
        var seed: UInt64 = 7

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard (0...365).contains(days) else {
                throw ValidationError("--days must be between 0 and 365, not \(days)")
            }
        }

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let store: any CommandStore =
                    if let postgres = settings.postgres {
                        try await Self.emptyDatabase(postgres, seed: seed)
                    } else {
                        try await Self.freshDatabase(at: settings.databasePath, seed: seed)
                    }
                let simulation = try await DemoSimulation(store: store, seed: seed, actor: settings.actor)
                try await simulation.load()
                try await simulation.run(days: days)
                Output.print(try await simulation.summary(databasePath: settings.databasePath, json: settings.json))
            }
        }

        /// A PostgreSQL database for the demo: it must be empty, since a shared database's history is
        /// never deleted, not even an earlier demo's.
        static func emptyDatabase(_ location: PostgresLocation, seed: UInt64) async throws -> PostgresStore {
            let store = try await PostgresStore(location: location)
            let holdsDeals = try await store.dealCount() > 0
            let holdsWorkflows = try await !store.workflows().isEmpty
            if holdsDeals || holdsWorkflows {
                throw EngineError.invalidInput(
                    Rejection(
                        .invalidValue,
                        "\(location) already holds deals or workflows (a PostgreSQL database is never wiped, not even for an earlier demo); create an empty one for the demo with createdb"
                    )
                )
            }
            try await store.setMetadata("demo.seed", String(seed))
            return store
        }

        /// A new database at `path`, replacing an earlier demo's but nothing else.
        static func freshDatabase(at path: String, seed: UInt64) async throws -> SQLiteStore {
            if FileManager.default.fileExists(atPath: path) {
                let existing = try SQLiteStore(path: path)
                let isDemo = try await existing.metadata("demo.seed") != nil
                let holdsDeals = try await existing.dealCount() > 0
                let holdsWorkflows = try await !existing.workflows().isEmpty
                if !isDemo, holdsDeals || holdsWorkflows {
                    throw EngineError.invalidInput(
                        Rejection(
                            .invalidValue,
                            "'\(path)' already holds deals or workflows that are not a demo's; give the demo its own file with --db"
                        )
                    )
                }
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
            let store = try SQLiteStore(path: path, durability: .normal)
            try await store.setMetadata("demo.seed", String(seed))
            return store
        }
    }
}

/// A small, fast, reproducible random number generator (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
}

/// Reps at work, simulated: what `dealflow demo` runs.
final class DemoSimulation {
    static let start = DateTimeFormat.parse("2026-11-02T13:00:00Z")!

    let store: any CommandStore
    let clock = ManualClock(DemoSimulation.start)
    let engine: Engine
    /// Fires reminders, escalations and timers as simulated time passes, as a daemon would.
    let scheduler: Scheduler
    var schedulerReport = Scheduler.Report()
    let importer: Actor
    var random: SeededRandom
    var fired = 0
    var updated = 0
    var blocked = 0
    var refused = 0
    var created = 0

    init(store: any CommandStore, seed: UInt64, actor: Actor) async throws {
        self.store = store
        engine = Engine(store: store, clock: clock, identifiers: SequentialIdentifiers())
        scheduler = Scheduler(store: store, clock: clock, identifiers: SequentialIdentifiers(namespace: "s"))
        importer = actor
        random = SeededRandom(seed: seed)
    }

    func load() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: "workflows").filter { $0.hasSuffix(".yaml") }
            .sorted()
        guard !files.isEmpty else {
            throw EngineError.invalidInput(
                Rejection(.invalidValue, "no workflows/*.yaml here; run the demo from the repository's root")
            )
        }
        for file in files {
            let path = "workflows/" + file
            let loaded = try WorkflowLoader.load(path: path)
            _ = try await engine.applyWorkflow(source: loaded.source, file: path)
        }
        let seeds =
            (try? FileManager.default.contentsOfDirectory(atPath: "seeds"))?.filter { $0.hasSuffix(".csv") }.sorted()
            ?? []
        for file in seeds {
            let text = try String(contentsOfFile: "seeds/" + file, encoding: .utf8)
            let (rows, problems) = DealImportFile.read(text, format: .csv)
            _ = try await engine.importDeals(
                rows,
                readProblems: problems,
                skipBadRows: false,
                actor: Actor(id: "import")
            )
        }
    }

    func run(days: Int) async throws {
        var day = 0
        var date = ZonedCalendar.utc.date(of: DemoSimulation.start)
        while day < days {
            if date.weekday != .sat, date.weekday != .sun {
                try await work(on: date)
                day += 1
            }
            date = date.adding(days: 1)
        }
        clock.set(ZonedCalendar.utc.instant(on: date, secondOfDay: 13 * 3600))
        schedulerReport.add(try await scheduler.fireDue())
    }

    private func work(on date: LocalDate) async throws {
        let morning = ZonedCalendar.utc.instant(on: date, secondOfDay: 13 * 3600)
        clock.set(morning)
        schedulerReport.add(try await scheduler.fireDue())
        try await newArrivals(on: date)
        let deals = try await engine.deals(DealQuery())
        for view in deals where isOpen(view) {
            guard random.chance(0.3) else { continue }
            clock.set(morning.addingTimeInterval(Double(Int.random(in: 0..<(9 * 3600), using: &random))))
            try await act(on: view)
        }
    }

    /// Stages where nothing more happens in a few weeks of demo: closed, lost, or long-term customers.
    static let restingStages: Set<String> = ["closed", "churned", "customer", "former_customer", "reopened"]
    /// Moves that go back rather than forward; reps make them rarely.
    static let backwardMoves: Set<String> = ["reopen", "revive", "win_back", "go_stale"]

    private func isOpen(_ view: DealView) -> Bool {
        guard let stage = view.workflow.stage(named: view.deal.stage) else { return false }
        return stage.outcome?.value != .lost && !DemoSimulation.restingStages.contains(stage.name)
    }

    private func act(on view: DealView) async throws {
        let workflow = view.workflow
        let stage = workflow.stage(named: view.deal.stage)
        let probability = Double(stage?.effectiveProbability.description ?? "0") ?? 0
        let order = workflow.definition.stages.map(\.name)
        let position = order.firstIndex(of: view.deal.stage) ?? 0
        let leaving = workflow.transitions(leaving: view.deal.stage).filter { $0.to.value != view.deal.stage }
        let losing = leaving.filter { workflow.stage(named: $0.to.value)?.outcome?.value == .lost }
        let forward = leaving.filter { transition in
            let target = workflow.stage(named: transition.to.value)
            return target?.outcome?.value != .lost && !DemoSimulation.backwardMoves.contains(transition.name)
                && (order.firstIndex(of: transition.to.value) ?? 0) > position
        }
        let chosen: Transition?
        if let lose = losing.first, random.chance(0.06 * (1 - probability / 100) + 0.01) {
            chosen = lose
        } else if !forward.isEmpty, random.chance(0.3) {
            chosen = forward[Int.random(in: 0..<forward.count, using: &random)]
        } else {
            chosen = nil
        }
        guard let transition = chosen else {
            try await touch(view)
            return
        }
        let actor = self.actor(for: transition, view: view)
        let input = transition.requires.compactMap { field -> FieldInput? in
            guard view.value(of: field.value).isNull else { return nil }
            return plausibleValue(for: field.value, in: workflow).map { FieldInput(field: field.value, .text($0)) }
        }
        do {
            _ = try await engine.fire(dealID: view.deal.id, transition: transition.name, input: input, actor: actor)
            fired += 1
        } catch EngineError.blocked(_, _, let blockers) {
            blocked += 1
            // The rep fills in what the guards asked for; the next try may pass.
            var fixes: [FieldInput] = []
            for blocker in blockers where blocker.kind == .guard || blocker.kind == .requires {
                for seen in blocker.values where workflow.scope.fields[seen.name] != nil {
                    if let value = plausibleValue(for: seen.name, in: workflow, seen: seen.value) {
                        fixes.append(FieldInput(field: seen.name, .text(value)))
                    }
                }
            }
            if !fixes.isEmpty, (try? await engine.update(dealID: view.deal.id, input: fixes, actor: actor)) != nil {
                updated += 1
            }
        } catch EngineError.roleNotAllowed {
            refused += 1
        } catch EngineError.invalidInput {
            // An action could not run on this deal's values; the rep moves on.
        }
    }

    /// A rep updates a deal without moving it: a newer close date, a note.
    private func touch(_ view: DealView) async throws {
        let workflow = view.workflow
        var input: [FieldInput] = []
        if let close = workflow.dealFields.closeDate, random.chance(0.3) {
            input.append(
                FieldInput(
                    field: close,
                    .text(clock.now().formattedDate(plusDays: Int.random(in: 20...120, using: &random)))
                )
            )
        }
        if workflow.scope.fields["notes"] != nil, random.chance(0.2) {
            input.append(
                FieldInput(
                    field: "notes",
                    .text("Call on \(clock.now().formattedDate(plusDays: 0)): next step agreed.")
                )
            )
        }
        guard !input.isEmpty else { return }
        if (try? await engine.update(dealID: view.deal.id, input: input, actor: actor(for: nil, view: view))) != nil {
            updated += 1
        }
    }

    private func actor(for transition: Transition?, view: DealView) -> Actor {
        let declared = view.workflow.definition.roles?.map(\.value) ?? []
        let allowed = transition?.roles?.map(\.value) ?? declared
        if let first = declared.first, allowed.contains(first) { return Actor(id: view.deal.owner, role: first) }
        return Actor(id: "maria", role: allowed.first ?? declared.last)
    }

    /// A value a rep would enter for a field, or to satisfy a guard that saw `seen`.
    private func plausibleValue(for name: String, in workflow: ValidatedWorkflow, seen: Value = .null) -> String? {
        guard let binding = workflow.scope.fields[name] else { return nil }
        let field = workflow.definition.fields[binding.index]
        switch field.type {
        case .bool: return "true"
        case .int, .decimal:
            if name.contains("complaint") { return "0" }
            if name.contains("health") { return String(Int.random(in: 70...95, using: &random)) }
            if name.contains("discount") || name.contains("pct") {
                return String(Int.random(in: 0...15, using: &random))
            }
            if name.contains("seats") { return String(Int.random(in: 5...80, using: &random)) }
            let value = Int.random(in: 8...180, using: &random) * 1000
            if let maximum = field.maximum?.value, ExactDecimal(value) > maximum { return maximum.description }
            return String(value)
        case .date:
            if name.contains("start") { return clock.now().formattedDate(plusDays: 0) }
            return clock.now().formattedDate(plusDays: Int.random(in: 45...365, using: &random))
        case .datetime: return DateTimeFormat.iso8601(clock.now())
        case .enumeration(let values):
            return values[Int.random(in: 0..<values.count, using: &random)]
        case .string, .text:
            if name.contains("email") { return "contact@example.com" }
            if name.contains("resolution") { return "Solved on a call with the customer; confirmed by email." }
            if name.contains("cause") { return "A configuration mistake on our side." }
            return "Noted on \(clock.now().formattedDate(plusDays: 0))"
        }
    }

    static let leads = [
        "Ferretería El Roble", "Quantum Analytics Bogotá", "Lácteos La Sabana", "Cervecería Altiplano", "Nube Andina",
        "Clínica San Rafael", "Autopartes del Centro", "Viñedos Alentejo", "Bäckerei Sonnenschein", "Moda Milano Srl",
        "Puerto Seco Logística", "AgroTech Cerrado", "Energía Solar Atacama", "Banco Popular Digital", "Helados Polar",
    ]

    private func newArrivals(on date: LocalDate) async throws {
        for _ in 0..<Int.random(in: 0...2, using: &random) {
            let company = DemoSimulation.leads[Int.random(in: 0..<DemoSimulation.leads.count, using: &random)]
            let owner = ["ana", "luis", "sofia", "mateo", "camila", "diego"][Int.random(in: 0..<6, using: &random)]
            _ = try await engine.create(
                workflowID: "b2b-sales",
                owner: owner,
                input: [
                    FieldInput(field: "company", .text(company)),
                    FieldInput(field: "currency", .text(random.chance(0.5) ? "USD" : "COP")),
                ],
                actor: Actor(id: owner, role: "rep")
            )
            created += 1
        }
        if random.chance(0.6) {
            let customer = DemoSimulation.leads[Int.random(in: 0..<DemoSimulation.leads.count, using: &random)]
            _ = try await engine.create(
                workflowID: "service-requests",
                owner: "carla",
                input: [
                    FieldInput(field: "customer", .text(customer)),
                    FieldInput(field: "subject", .text("Question about the last invoice")),
                    FieldInput(field: "kind", .text(random.chance(0.3) ? "complaint" : "question")),
                ],
                actor: Actor(id: "carla", role: "agent")
            )
            created += 1
        }
    }

    /// Where the deals stand, per workflow and stage, with amounts summed exactly per currency.
    func summary(databasePath: String, json: Bool) async throws -> String {
        let deals = try await engine.deals(DealQuery())
        let workflows = try await engine.workflowVersions().map(\.id).reduce(into: [String]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        var text =
            "DealFlow demo: \(deals.count) deals after replaying until \(clock.now().formattedDate(plusDays: 0)) (\(databasePath))\n"
        var jsonWorkflows: [JSONValue] = []
        for id in workflows {
            let workflow = try await engine.workflow(id: id)
            let mine = deals.filter { $0.deal.workflowID == id }
            text += "\n\(id): \(workflow.definition.title ?? "")\n"
            var rows: [[String]] = []
            var jsonStages: [JSONValue] = []
            for stage in workflow.definition.stages {
                let inStage = mine.filter { $0.deal.stage == stage.name }
                var totals: [String: ExactDecimal] = [:]
                if let amountField = workflow.dealFields.amount {
                    for view in inStage {
                        let currency = workflow.dealFields.currency.map { Format.value(view.value(of: $0)) } ?? ""
                        switch view.value(of: amountField) {
                        case .decimal(let amount):
                            totals[currency] = (totals[currency] ?? .zero).adding(amount) ?? .zero
                        case .int(let amount):
                            totals[currency] = (totals[currency] ?? .zero).adding(ExactDecimal(amount)) ?? .zero
                        default: break
                        }
                    }
                }
                let amounts = totals.keys.sorted().map { "\(totals[$0]!.formatted()) \($0)" }.joined(separator: ", ")
                rows.append(["  " + stage.name, String(inStage.count), amounts])
                jsonStages.append(
                    .object([
                        ("stage", .string(stage.name)), ("deals", .int(inStage.count)),
                        ("amounts", .object(totals.keys.sorted().map { ($0, .string(totals[$0]!.description)) })),
                    ])
                )
            }
            text += Table.render(["  STAGE", "DEALS", "AMOUNT"], rows)
            jsonWorkflows.append(.object([("workflow", .string(id)), ("stages", .array(jsonStages))]))
        }
        text +=
            "\nactivity: \(fired) transitions fired, \(updated) updates, \(blocked) blocked attempts, \(refused) refused, \(created) new deals\n"
        let scheduled = schedulerReport
        text +=
            "scheduler: \(scheduled.reminders) reminders, \(scheduled.escalations) escalations, \(scheduled.transitions) timer transitions, \(scheduled.blocked) blocked timers, \(scheduled.tasksCreated) repeating tasks\n"
        let db = databasePath == "dealflow.sqlite" ? "" : " --db \(databasePath)"
        text += "\nlook around:\n  dealflow deal list --workflow b2b-sales --stage negotiation\(db)\n"
        text += "  dealflow deal transitions b2b-0150\(db)\n  dealflow deal history b2b-0150\(db)\n"
        text += "  dealflow tasks list --owner ana\(db)\n  dealflow events --type task.escalated\(db)\n"
        if json {
            return JSONValue.object([
                ("deals", .int(deals.count)), ("workflows", .array(jsonWorkflows)),
                (
                    "activity",
                    .object([
                        ("transitions", .int(fired)), ("updates", .int(updated)), ("blocked", .int(blocked)),
                        ("refused", .int(refused)), ("created", .int(created)),
                    ])
                ),
                ("scheduler", schedulerReport.json(at: clock.now())),
            ]).rendered()
        }
        return text
    }
}

extension Date {
    /// `YYYY-MM-DD` in UTC, some days later.
    func formattedDate(plusDays days: Int) -> String {
        ZonedCalendar.utc.date(of: self).adding(days: days).description
    }
}
