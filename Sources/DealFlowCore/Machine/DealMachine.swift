import Foundation

/// The pure core of the engine: given a workflow, a deal, a command, an actor and the time, decide
/// what happens, without performing any of it.
///
/// Like XState's `transition(logic, snapshot, event)`, `decide` returns the deal's next state and the
/// effects (history entry, tasks, timers, cancellations, events) as values; the engine performs them
/// in one transaction. The same inputs always give the same decision.
///
/// ```swift
/// let decision = DealMachine.decide(.fire(transition: "qualify", input: [], note: nil),
///                                   deal: deal, workflow: workflow, actor: Actor(id: "ana", role: "rep"), now: now)
/// ```
public enum DealMachine {
    /// Decides a command. `deal` is `nil` only for `.create`.
    public static func decide(
        _ command: DealCommand,
        deal: Deal?,
        workflow: ValidatedWorkflow,
        actor: Actor,
        now: Date
    ) -> Decision {
        switch command {
        case .create(let id, let owner, let input):
            return create(id: id, owner: owner ?? actor.id, input: input, workflow: workflow, actor: actor, now: now)
        case .update(let input):
            guard let deal else { preconditionFailure("an update needs the deal") }
            return update(deal, input: input, workflow: workflow, actor: actor, now: now)
        case .fire(let name, let input, let note):
            guard let deal else { preconditionFailure("a fire needs the deal") }
            return fire(name, on: deal, input: input, note: note, workflow: workflow, actor: actor, now: now)
        }
    }

    /// Everything that stops `transition` from firing on `deal` now, without input: the list a UI uses
    /// to grey out a button. Empty when it may fire.
    public static func blockers(
        of transition: Transition,
        for deal: Deal,
        workflow: ValidatedWorkflow,
        actor: Actor,
        now: Date
    ) -> [Blocker] {
        if let blocker = stageBlocker(transition, deal) { return [blocker] }
        let actor = actor.acting(for: transition)
        var blockers: [Blocker] = []
        if let blocker = roleBlocker(transition, actor) { blockers.append(blocker) }
        return blockers
            + conditionBlockers(
                transition,
                leadingTo: workflow.stage(named: transition.to.value),
                in: deal.environment(in: workflow, actor: actor, now: now),
                workflow: workflow
            )
    }

    // MARK: - Create

    private static func create(
        id: String,
        owner: String,
        input: [FieldInput],
        workflow: ValidatedWorkflow,
        actor: Actor,
        now: Date
    ) -> Decision {
        let definition = workflow.definition
        if id.isEmpty || id.count > 128
            || id.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 })
        {
            return .rejected(
                Rejection(.invalidValue, "'\(id)' cannot be a deal id: use 1 to 128 characters without spaces")
            )
        }
        guard !owner.trimmingCharacters(in: .whitespaces).isEmpty else {
            return .rejected(Rejection(.invalidValue, "a deal's owner cannot be empty"))
        }
        var fields = definition.fields.map { $0.defaultValue?.value ?? .null }
        switch apply(input, to: fields, workflow: workflow) {
        case .failure(let rejection): return .rejected(rejection)
        case .success(let updated): fields = updated
        }
        if let position = workflow.firstUnsetRequiredField(in: fields) {
            let missing = workflow.scope.fieldNames[position]
            return .rejected(
                Rejection(
                    .missingField,
                    "'\(missing)' is required to create a deal in '\(workflow.id)'; give it with --set \(missing)=..."
                )
            )
        }
        guard let initial = workflow.stage(named: workflow.initialStage) else {
            preconditionFailure("a validated workflow has its initial stage")
        }
        if let field = initial.requires.first(where: { fields[index($0.value, workflow)].isNull }) {
            return .rejected(
                Rejection(
                    .missingField,
                    "stage '\(initial.name)' requires '\(field.value)' to enter it; give it with --set \(field.value)=..."
                )
            )
        }
        var deal = Deal(
            id: id,
            workflowID: workflow.id,
            workflowVersion: workflow.version,
            stage: initial.name,
            owner: owner,
            fields: fields,
            version: 1,
            createdAt: now,
            updatedAt: now,
            enteredStageAt: now,
            outcome: initial.outcome?.value
        )
        var effects = Effects()
        var environment = deal.environment(in: workflow, actor: actor, now: now)
        if let failure = run(
            initial.onEnter,
            for: deal,
            in: &environment,
            taskStage: initial.name,
            effects: &effects,
            workflow: workflow,
            actor: actor,
            now: now
        ) {
            return .rejected(failure)
        }
        deal.fields = environment.fields
        schedule(initial, for: deal, effects: &effects, workflow: workflow, now: now)
        let changes = diff(definition.fields.map { _ in .null }, deal.fields, workflow)
        let entry = HistoryEntry(
            kind: .created,
            at: now,
            actor: actor.id,
            role: actor.role,
            to: initial.name,
            changes: changes
        )
        let created = createdEvent(deal, workflow: workflow, actor: actor, imported: false)
        return .applied(
            AppliedChange(
                deal: deal,
                previousVersion: nil,
                entry: entry,
                tasks: effects.tasks,
                timers: effects.timers,
                cancellations: [],
                events: [created] + effects.events
            )
        )
    }

    // MARK: - Import

    /// A deal imported with the stages it went through: created in the first stage of `path` (which
    /// must be the initial stage) at its time, then moved along each step at its time, by a transition
    /// that leads there (guards and roles are not checked: this is history, not a request).
    ///
    /// Actions run at each step's time, so `set: { closed_on: today }` records the day it happened.
    /// Only the final stage gets tasks and timers, scheduled from when the deal entered it; those already
    /// due are marked late. The result has one history entry per step.
    public static func replay(
        id: String,
        owner: String?,
        input: [FieldInput],
        path: [(stage: String, at: Date)],
        workflow: ValidatedWorkflow,
        actor: Actor,
        now: Date
    ) -> Result<(change: AppliedChange, entries: [HistoryEntry]), Rejection> {
        let stageNames = workflow.definition.stages.map(\.name)
        for step in path where workflow.stage(named: step.stage) == nil {
            let hint =
                SpellingSuggestion.closest(to: step.stage, among: stageNames).map { " (did you mean '\($0)'?)" } ?? ""
            return .failure(
                Rejection(
                    .invalidValue,
                    "stage_path names '\(step.stage)', which is not a stage of '\(workflow.id)'\(hint)"
                )
            )
        }
        if let first = path.first, first.stage != workflow.initialStage {
            return .failure(
                Rejection(
                    .invalidValue,
                    "stage_path starts in '\(first.stage)', but deals of '\(workflow.id)' start in '\(workflow.initialStage)'"
                )
            )
        }
        for (earlier, later) in zip(path, path.dropFirst()) where later.at < earlier.at {
            return .failure(
                Rejection(.invalidValue, "stage_path enters '\(later.stage)' before it entered '\(earlier.stage)'")
            )
        }
        if let last = path.last, last.at > now {
            return .failure(Rejection(.invalidValue, "stage_path enters '\(last.stage)' in the future"))
        }
        let created = create(
            id: id,
            owner: owner ?? actor.id,
            input: input,
            workflow: workflow,
            actor: actor,
            now: path.first?.at ?? now
        )
        guard case .applied(let creation) = created else {
            if case .rejected(let rejection) = created { return .failure(rejection) }
            preconditionFailure("a create is applied or rejected")
        }
        var deal = creation.deal
        var entries = [creation.entry]
        var finalEffects = Effects(tasks: creation.tasks, timers: creation.timers, events: [])
        for step in path.dropFirst() {
            guard let source = workflow.stage(named: deal.stage), let target = workflow.stage(named: step.stage),
                let transition = workflow.definition.transitions.first(where: {
                    $0.leaves(deal.stage) && $0.to.value == step.stage
                })
            else {
                return .failure(
                    Rejection(
                        .invalidValue,
                        "stage_path goes from '\(deal.stage)' to '\(step.stage)', but no transition leads there"
                    )
                )
            }
            var environment = deal.environment(in: workflow, actor: actor, now: step.at)
            let moved = move(
                deal,
                along: transition,
                from: source,
                to: target,
                at: step.at,
                workflow: workflow,
                actor: actor,
                now: now,
                environment: &environment,
                checkingRequirements: false
            )
            guard case .success(let (next, effects)) = moved else {
                if case .failure(let rejection) = moved { return .failure(rejection) }
                preconditionFailure("a move succeeds or fails")
            }
            entries.append(
                HistoryEntry(
                    kind: .transitioned,
                    at: step.at,
                    actor: actor.id,
                    role: actor.role,
                    transition: transition.name,
                    from: deal.stage,
                    to: target.name,
                    changes: diff(deal.fields, next.fields, workflow),
                    note: "imported"
                )
            )
            deal = next
            finalEffects = Effects(tasks: effects.tasks, timers: effects.timers, events: [])
        }
        if let stage = workflow.stage(named: deal.stage),
            let field = stage.requires.first(where: { deal.fields[index($0.value, workflow)].isNull })
        {
            return .failure(
                Rejection(.missingField, "stage '\(stage.name)' requires '\(field.value)', which the row does not give")
            )
        }
        let timers = finalEffects.timers.map { timer -> NewTimer in
            var timer = timer
            timer.isLate = timer.dueAt < now
            return timer
        }
        let event = createdEvent(deal, workflow: workflow, actor: actor, imported: true)
        let change = AppliedChange(
            deal: deal,
            previousVersion: nil,
            entry: entries[entries.count - 1],
            tasks: finalEffects.tasks,
            timers: timers,
            cancellations: [],
            events: [event]
        )
        return .success((change, entries))
    }

    // MARK: - Update

    private static func update(
        _ deal: Deal,
        input: [FieldInput],
        workflow: ValidatedWorkflow,
        actor: Actor,
        now: Date
    ) -> Decision {
        let fields: [Value]
        switch apply(input, to: deal.fields, workflow: workflow) {
        case .failure(let rejection): return .rejected(rejection)
        case .success(let updated): fields = updated
        }
        let stage = workflow.stage(named: deal.stage)
        for (position, field) in workflow.definition.fields.enumerated()
        where fields[position].isNull && !deal.fields[position].isNull {
            if field.isRequired { return .rejected(requiredFieldCleared(field, on: deal)) }
            if stage?.requires.contains(where: { $0.value == field.name }) == true {
                return .rejected(
                    Rejection(
                        .missingField,
                        "stage '\(deal.stage)' requires '\(field.name)', so it cannot be cleared while deal '\(deal.id)' is there"
                    )
                )
            }
        }
        let changes = diff(deal.fields, fields, workflow)
        guard !changes.isEmpty else { return .unchanged(deal) }
        var updated = deal
        updated.fields = fields
        updated.version += 1
        updated.updatedAt = now
        var effects = Effects()
        var cancellations: [Cancellation] = []
        if let stage {
            // An `at` timer is computed again when a field it reads changes.
            let changed = Set(changes.map(\.field))
            for (timerIndex, timer) in stage.timers.enumerated() {
                guard case .at = timer.schedule, let compiled = timer.compiledAt,
                    compiled.reads.contains(where: { changed.contains($0.description) })
                else { continue }
                cancellations.append(.timer(stage: stage.name, index: timerIndex))
                schedule(
                    timer,
                    index: timerIndex,
                    of: stage,
                    for: updated,
                    effects: &effects,
                    workflow: workflow,
                    now: now
                )
            }
        }
        let entry = HistoryEntry(
            kind: .updated,
            at: now,
            actor: actor.id,
            role: actor.role,
            from: deal.stage,
            to: deal.stage,
            changes: changes
        )
        let event = NewEvent(
            type: "deal.updated",
            data: .object([
                ("deal", .string(deal.id)), ("workflow", .string(workflow.id)), ("actor", .string(actor.id)),
                ("changes", FieldChange.json(changes)),
            ])
        )
        return .applied(
            AppliedChange(
                deal: updated,
                previousVersion: deal.version,
                entry: entry,
                tasks: effects.tasks,
                timers: effects.timers,
                cancellations: cancellations,
                events: [event]
            )
        )
    }

    // MARK: - Fire

    private static func fire(
        _ name: String,
        on deal: Deal,
        input: [FieldInput],
        note: String?,
        workflow: ValidatedWorkflow,
        actor: Actor,
        now: Date
    ) -> Decision {
        guard let (transition, target) = workflow.transitionWithTarget(named: name) else {
            let available = workflow.transitions(leaving: deal.stage).map(\.name)
            let suggestion = SpellingSuggestion.closest(to: name, among: workflow.definition.transitions.map(\.name))
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            let list =
                available.isEmpty
                ? "none leaves '\(deal.stage)'" : "from '\(deal.stage)': " + available.joined(separator: ", ")
            return .rejected(
                Rejection(.unknownTransition, "workflow '\(workflow.id)' has no transition '\(name)'\(hint); \(list)")
            )
        }
        let actor = actor.acting(for: transition)
        func audit(_ kind: AuditEntry.Kind, _ blockers: [Blocker]) -> AuditEntry {
            AuditEntry(
                kind: kind,
                dealID: deal.id,
                at: now,
                actor: actor.id,
                role: actor.role,
                transition: name,
                stage: deal.stage,
                blockers: blockers,
                note: note
            )
        }
        if let blocker = stageBlocker(transition, deal) { return .blocked(audit(.blocked, [blocker])) }
        if let blocker = roleBlocker(transition, actor) { return .refused(audit(.refused, [blocker])) }
        var tentative = deal
        switch apply(input, to: deal.fields, workflow: workflow) {
        case .failure(let rejection): return .rejected(rejection)
        case .success(let fields): tentative.fields = fields
        }
        if let cleared = workflow.firstUnsetRequiredField(in: tentative.fields) {
            return .rejected(requiredFieldCleared(workflow.definition.fields[cleared], on: deal))
        }
        // One environment for the guards and then the actions, which change it as they go: building
        // one per guard and per `set` copied the deal's values, strings and calendar each time.
        var environment = tentative.environment(in: workflow, actor: actor, now: now)
        let blockers = conditionBlockers(
            transition,
            leadingTo: target,
            in: environment,
            workflow: workflow
        )
        guard blockers.isEmpty else { return .blocked(audit(.blocked, blockers)) }
        guard let source = workflow.stage(named: deal.stage), let target else {
            preconditionFailure("a validated workflow's transitions lead between its stages")
        }
        let next: Deal
        let effects: Effects
        switch move(
            tentative,
            along: transition,
            from: source,
            to: target,
            at: now,
            workflow: workflow,
            actor: actor,
            now: now,
            environment: &environment,
            checkingRequirements: true
        ) {
        case .failure(let rejection): return .rejected(rejection)
        case .success(let moved): (next, effects) = moved
        }
        let changes = diff(deal.fields, next.fields, workflow)
        let entry = HistoryEntry(
            kind: .transitioned,
            at: now,
            actor: actor.id,
            role: actor.role,
            transition: name,
            from: deal.stage,
            to: target.name,
            changes: changes,
            note: note
        )
        let transitioned = NewEvent(
            type: "deal.transitioned",
            data: .object([
                ("deal", .string(deal.id)), ("workflow", .string(workflow.id)), ("transition", .string(name)),
                ("from", .string(deal.stage)), ("to", .string(target.name)), ("actor", .string(actor.id)),
                ("version", .int(next.version)),
            ])
        )
        return .applied(
            AppliedChange(
                deal: next,
                previousVersion: deal.version,
                entry: entry,
                tasks: effects.tasks,
                timers: effects.timers,
                cancellations: [.stage(deal.stage)],
                events: [transitioned] + effects.events
            )
        )
    }

    /// Moves `deal` along `transition` at `time`: the old stage's exit, the transition's actions, then
    /// the new stage's entry, each seeing the writes before it. Tasks they create belong to the stage
    /// being entered; the new stage's tasks and timers are scheduled as of `now`.
    ///
    /// A fire checks the target stage's `requires` after the actions ran; an import's replay checks
    /// only the final stage, since the history it records may predate fields the row now gives.
    ///
    /// `environment` must be `deal`'s at `time`: the actions change its fields, and its stage and entry
    /// time when the target is entered; the new deal's fields are the environment's at the end.
    private static func move(
        _ deal: Deal,
        along transition: Transition,
        from source: Stage,
        to target: Stage,
        at time: Date,
        workflow: ValidatedWorkflow,
        actor: Actor,
        now: Date,
        environment: inout EvaluationEnvironment,
        checkingRequirements: Bool
    ) -> Result<(deal: Deal, effects: Effects), Rejection> {
        var next = deal
        var effects = Effects()
        func perform(_ actions: [Action]) -> Rejection? {
            run(
                actions,
                for: next,
                in: &environment,
                taskStage: target.name,
                effects: &effects,
                workflow: workflow,
                actor: actor,
                now: time
            )
        }
        if let failure = perform(source.onExit) ?? perform(transition.actions) { return .failure(failure) }
        next.stage = target.name
        next.enteredStageAt = time
        environment.stage = target.name
        environment.enteredStageAt = time
        if let failure = perform(target.onEnter) { return .failure(failure) }
        next.fields = environment.fields
        next.version = deal.version + 1
        next.updatedAt = time
        next.outcome = outcome(entering: target, from: deal.outcome, workflow: workflow)
        if checkingRequirements, let rejection = missingAfterActions(next, entering: target, workflow: workflow) {
            return .failure(rejection)
        }
        schedule(target, for: next, effects: &effects, workflow: workflow, now: now)
        effects.events = effects.events.map {
            $0.adding([
                ("transition", .string(transition.name)), ("from", .string(deal.stage)), ("to", .string(target.name)),
            ])
        }
        return .success((next, effects))
    }

    private static func requiredFieldCleared(_ field: FieldDefinition, on deal: Deal) -> Rejection {
        Rejection(.missingField, "'\(field.name)' is required and cannot be cleared on deal '\(deal.id)'")
    }

    private static func createdEvent(
        _ deal: Deal,
        workflow: ValidatedWorkflow,
        actor: Actor,
        imported: Bool
    )
        -> NewEvent
    {
        var data: [(String, JSONValue)] = [
            ("deal", .string(deal.id)), ("workflow", .string(workflow.id)), ("stage", .string(deal.stage)),
            ("owner", .string(deal.owner)), ("actor", .string(actor.id)),
        ]
        if imported { data.append(("imported", .bool(true))) }
        return NewEvent(type: "deal.created", data: .object(data))
    }

    /// Entering an outcome stage records the result; entering a funnel stage (one before the win)
    /// reopens the deal; stages after the win (onboarding, post-sale) keep it.
    private static func outcome(entering stage: Stage, from current: Outcome?, workflow: ValidatedWorkflow) -> Outcome?
    {
        if let outcome = stage.outcome { return outcome.value }
        return workflow.isFunnelStage(stage.name) ? nil : current
    }

    /// A required field, or one the entered stage requires, that the actions left unset.
    private static func missingAfterActions(
        _ deal: Deal,
        entering stage: Stage,
        workflow: ValidatedWorkflow
    ) -> Rejection? {
        if let field = workflow.firstUnsetRequiredField(in: deal.fields) {
            return Rejection(
                .actionFailed,
                "the actions would leave the required field '\(workflow.scope.fieldNames[field])' unset on deal '\(deal.id)'"
            )
        }
        if let field = stage.requires.first(where: { deal.fields[index($0.value, workflow)].isNull }) {
            return Rejection(
                .actionFailed,
                "the actions would leave '\(field.value)' unset, which stage '\(stage.name)' requires, on deal '\(deal.id)'"
            )
        }
        return nil
    }

    private static func stageBlocker(_ transition: Transition, _ deal: Deal) -> Blocker? {
        guard !transition.leaves(deal.stage) else { return nil }
        let sources: String
        switch transition.from {
        case .anyStage: sources = "every stage but '\(transition.to.value)'"
        case .stages(let stages): sources = stages.map(\.value).joined(separator: ", ")
        }
        return Blocker(
            kind: .stage,
            expression: "from: \(sources)",
            message:
                "'\(transition.name)' does not leave '\(deal.stage)', where the deal is; it starts from \(sources)",
            values: [NamedValue("stage", .string(deal.stage))],
            location: transition.location
        )
    }

    private static func roleBlocker(_ transition: Transition, _ actor: Actor) -> Blocker? {
        guard !actor.isSystem, let roles = transition.roles?.map(\.value) else { return nil }
        if let role = actor.role, roles.contains(role) { return nil }
        let allowed = roles.isEmpty ? "only timers fire it" : "it is for " + roles.joined(separator: ", ")
        let who = actor.role.map { "role '\($0)'" } ?? "no role"
        return Blocker(
            kind: .role,
            expression: "roles: [\(roles.joined(separator: ", "))]",
            message: "\(actor.id) acts in \(who); \(allowed)",
            values: [NamedValue("actor.role", actor.role.map(Value.string) ?? .null)],
            location: transition.roles?.first?.location
        )
    }

    /// The transition's `requires`, its guards and the target stage's `requires`, on the deal whose
    /// environment is given (its fields are the deal's, input applied).
    private static func conditionBlockers(
        _ transition: Transition,
        leadingTo target: Stage?,
        in environment: EvaluationEnvironment,
        workflow: ValidatedWorkflow
    ) -> [Blocker] {
        var blockers: [Blocker] = []
        for field in transition.requires where environment.fields[index(field.value, workflow)].isNull {
            blockers.append(
                Blocker(
                    kind: .requires,
                    expression: field.value,
                    message: "'\(transition.name)' requires '\(field.value)'; set it with --set \(field.value)=...",
                    values: [NamedValue(field.value, .null)],
                    location: field.location
                )
            )
        }
        for guardCondition in transition.guards {
            guard let failure = guardCondition.failure(in: environment) else { continue }
            blockers.append(
                Blocker(
                    kind: .guard,
                    expression: failure.expression,
                    message: failure.message ?? failure.explanation,
                    explanation: failure.explanation,
                    values: failure.values.map { NamedValue($0.name, $0.value) },
                    location: failure.location
                )
            )
        }
        if let target {
            for field in target.requires where environment.fields[index(field.value, workflow)].isNull {
                guard !transition.requires.contains(where: { $0.value == field.value }) else { continue }
                blockers.append(
                    Blocker(
                        kind: .requires,
                        expression: field.value,
                        message:
                            "stage '\(target.name)' requires '\(field.value)'; set it with --set \(field.value)=...",
                        values: [NamedValue(field.value, .null)],
                        location: field.location
                    )
                )
            }
        }
        return blockers
    }

    // MARK: - Fields

    static func index(_ field: String, _ workflow: ValidatedWorkflow) -> Int {
        guard let binding = workflow.scope.fields[field] else {
            preconditionFailure("a validated workflow only names its own fields")
        }
        return binding.index
    }

    /// The fields with the input applied, each value read and checked against its field.
    public static func apply(
        _ input: [FieldInput],
        to fields: [Value],
        workflow: ValidatedWorkflow
    ) -> Result<[Value], Rejection> {
        var fields = fields
        for item in input {
            guard let binding = workflow.scope.fields[item.field] else {
                let suggestion = SpellingSuggestion.closest(to: item.field, among: workflow.scope.fieldNames)
                let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
                return .failure(
                    Rejection(
                        .unknownField,
                        "workflow '\(workflow.id)' has no field '\(item.field)'\(hint); its fields are "
                            + workflow.scope.fieldNames.joined(separator: ", ")
                    )
                )
            }
            let field = workflow.definition.fields[binding.index]
            let result: Result<Value, Rejection>
            switch item.given {
            case .clear: result = .success(.null)
            case .text(let text): result = FieldValues.parse(text, for: field)
            case .value(let value): result = FieldValues.check(value, for: field)
            }
            switch result {
            case .failure(let rejection): return .failure(rejection)
            case .success(let value): fields[binding.index] = value
            }
        }
        return .success(fields)
    }

    private static func diff(_ old: [Value], _ new: [Value], _ workflow: ValidatedWorkflow) -> [FieldChange] {
        var changes: [FieldChange] = []
        for index in workflow.scope.fieldNames.indices
        where !Evaluator.equal(old[index], new[index]) || old[index].isNull != new[index].isNull {
            changes.append(FieldChange(field: workflow.scope.fieldNames[index], old: old[index], new: new[index]))
        }
        return changes
    }

    // MARK: - Actions and timers

    struct Effects {
        var tasks: [NewTask] = []
        var timers: [NewTimer] = []
        var events: [NewEvent] = []
    }

    /// Runs actions in order, each seeing the writes before it in `environment`, whose fields are the
    /// deal's working values; `nil` when they all succeed. `deal` gives its id and owner only: its
    /// fields are the ones before the actions, so read any field from `environment`.
    private static func run(
        _ actions: [Action],
        for deal: Deal,
        in environment: inout EvaluationEnvironment,
        taskStage: String,
        effects: inout Effects,
        workflow: ValidatedWorkflow,
        actor: Actor,
        now: Date
    ) -> Rejection? {
        for action in actions {
            switch action {
            case .set(let set):
                guard let compiled = set.compiled, let fieldIndex = set.fieldIndex else {
                    preconditionFailure("set actions are compiled by the validator")
                }
                let value: Value
                do throws(EvaluationError) {
                    value = try compiled.evaluate(in: environment)
                } catch {
                    return Rejection(
                        .actionFailed,
                        "the action 'set \(set.field.value)' at \(set.location) failed on deal '\(deal.id)': \(error.message)"
                    )
                }
                switch FieldValues.check(value, for: workflow.definition.fields[fieldIndex]) {
                case .failure(let rejection):
                    return Rejection(
                        .actionFailed,
                        "the action 'set \(set.field.value)' at \(set.location) failed on deal '\(deal.id)': \(rejection.message)"
                    )
                case .success(let checked):
                    environment.fields[fieldIndex] = checked
                }
            case .task(let task):
                let calendar = workflow.zonedCalendar
                let due = task.due.map { calendar.adding($0.value, to: now) } ?? now
                effects.tasks.append(
                    newTask(task, due: due, stage: taskStage, timerIndex: nil, deal: deal, workflow: workflow)
                )
            case .notify(let notify):
                effects.events.append(
                    NewEvent(
                        type: notify.event.value,
                        data: .object([
                            ("deal", .string(deal.id)), ("workflow", .string(workflow.id)),
                            ("stage", .string(taskStage)),
                            ("actor", .string(actor.id)),
                        ])
                    )
                )
            }
        }
        return nil
    }

    static func newTask(
        _ task: TaskTemplate,
        due: Date,
        stage: String,
        timerIndex: Int?,
        deal: Deal,
        workflow: ValidatedWorkflow
    ) -> NewTask {
        guard let title = task.compiledTitle else { preconditionFailure("titles are parsed by the validator") }
        let calendar = workflow.zonedCalendar
        let escalation = task.escalation.map {
            TaskEscalation(
                at: calendar.adding($0.after.value, to: due),
                to: $0.to.value == "owner" ? deal.owner : $0.to.value
            )
        }
        return NewTask(
            title: title,
            kind: task.effectiveKind,
            assignee: task.assignee.value == "owner" ? deal.owner : task.assignee.value,
            dueAt: due,
            stage: stage,
            keep: task.keep,
            escalation: escalation,
            timerIndex: timerIndex
        )
    }

    /// Schedules the timers of a stage the deal has just entered.
    private static func schedule(
        _ stage: Stage,
        for deal: Deal,
        effects: inout Effects,
        workflow: ValidatedWorkflow,
        now: Date
    ) {
        for (timerIndex, timer) in stage.timers.enumerated() {
            schedule(timer, index: timerIndex, of: stage, for: deal, effects: &effects, workflow: workflow, now: now)
        }
    }

    /// Computes one timer's instant: `after` from when the deal entered the stage, `at` from the deal's
    /// fields (nothing while a field it reads is unset; a date means 00:00 in the workflow's zone).
    static func schedule(
        _ timer: StageTimer,
        index timerIndex: Int,
        of stage: Stage,
        for deal: Deal,
        effects: inout Effects,
        workflow: ValidatedWorkflow,
        now: Date
    ) {
        let calendar = workflow.zonedCalendar
        guard let due = firstOccurrence(of: timer, for: deal, in: workflow, now: now) else { return }
        let zone = calendar.timeZone.identifier
        switch timer.effect {
        case .fire(let transition):
            effects.timers.append(
                NewTimer(
                    stage: stage.name,
                    index: timerIndex,
                    dueAt: due,
                    zone: zone,
                    effect: .fire(transition.value),
                    every: timer.every?.value,
                    isLate: due < now
                )
            )
        case .task(let task):
            effects.tasks.append(
                newTask(task, due: due, stage: stage.name, timerIndex: timerIndex, deal: deal, workflow: workflow)
            )
            if let every = timer.every?.value {
                // The first task exists now; the timer creates the next one when it falls due.
                let second = Recurrence(anchor: due, every: every).occurrence(1, in: calendar)
                effects.timers.append(
                    NewTimer(
                        stage: stage.name,
                        index: timerIndex,
                        dueAt: second,
                        zone: zone,
                        effect: .nextTask,
                        every: every,
                        anchor: due,
                        occurrence: 1,
                        isLate: second < now
                    )
                )
            }
        }
    }

    /// When a timer's first occurrence falls for a deal in its stage: `after` from when the deal entered
    /// the stage, `at` from its fields (`nil` while a field it reads is unset).
    static func firstOccurrence(
        of timer: StageTimer,
        for deal: Deal,
        in workflow: ValidatedWorkflow,
        now: Date
    ) -> Date? {
        let calendar = workflow.zonedCalendar
        switch timer.schedule {
        case .after(let delay): return calendar.adding(delay.value, to: deal.enteredStageAt)
        case .at:
            let value = try? timer.compiledAt?.evaluate(in: deal.environment(in: workflow, actor: .system, now: now))
            switch value {
            case .date(let date)?: return calendar.startOfDay(date)
            case .datetime(let instant)?: return instant
            default: return nil
            }
        }
    }
}
