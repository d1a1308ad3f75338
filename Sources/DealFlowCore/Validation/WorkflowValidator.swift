import Foundation

/// Checks a ``Workflow`` and compiles it into a ``ValidatedWorkflow``, collecting every diagnostic.
///
/// It resolves references to stages, transitions, fields and roles (with suggestions), requires
/// exactly one initial stage, warns about stages that cannot be reached or cannot be left,
/// type-checks every guard, `set` value and timer `at`, parses task titles, and checks that a timer's
/// transition can fire at all: that it leaves the timer's stage and that its `requires` cannot be
/// missing, since a timer supplies no input.
///
/// ```swift
/// let outcome = WorkflowValidator.validate(workflow)
/// if let validated = outcome.validated { ... } else { print(outcome.diagnostics) }
/// ```
public enum WorkflowValidator {
    /// The result of validation.
    public struct Outcome: Sendable {
        /// The compiled workflow, when there is no error.
        public var validated: ValidatedWorkflow?
        /// Every error and warning, in file order.
        public var diagnostics: [Diagnostic]
    }

    /// Validates a workflow.
    public static func validate(_ workflow: Workflow) -> Outcome {
        var validation = Validation(workflow: workflow)
        validation.run()
        let diagnostics = validation.diagnostics.sorted {
            ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column)
        }
        guard !diagnostics.contains(where: \.isError), let initial = validation.initialStage else {
            return Outcome(validated: nil, diagnostics: diagnostics)
        }
        let validated = ValidatedWorkflow(
            definition: validation.workflow,
            scope: validation.scope,
            warnings: diagnostics,
            initialStage: initial,
            dealFields: validation.dealFields
        )
        return Outcome(validated: validated, diagnostics: diagnostics)
    }

    /// Whether a name is a valid stage, transition or workflow name: letters, digits, `-` and `_`.
    public static func isName(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy { Lexer.isIdentifierPart($0) || $0 == "-" }
    }

    /// Whether a name can be used in expressions: a letter or `_`, then letters, digits and `_`.
    public static func isExpressionIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy(Lexer.isIdentifierPart)
    }
}

private struct Validation {
    var workflow: Workflow
    let scope: ExpressionScope
    let checker: TypeChecker
    var diagnostics: [Diagnostic] = []
    var initialStage: String?
    var dealFields = ResolvedDealFields()
    let stageNames: [String]
    let transitionNames: [String]
    var graphIsIncomplete: Bool

    init(workflow: Workflow) {
        self.workflow = workflow
        scope = ExpressionScope(workflow: workflow)
        checker = TypeChecker(scope: scope)
        stageNames = workflow.stages.map(\.name)
        transitionNames = workflow.transitions.map(\.name)
        graphIsIncomplete = !workflow.declarationsWithErrors.transitions.isEmpty
    }

    mutating func report(
        _ code: DiagnosticCode,
        _ message: String,
        at location: SourceLocation,
        severity: Diagnostic.Severity? = nil,
        notes: [Diagnostic.Note] = []
    ) {
        diagnostics.append(Diagnostic(code, message, at: location, severity: severity, notes: notes))
    }

    mutating func run() {
        checkIdentity()
        checkRoles()
        checkFields()
        checkDealFields()
        checkStages()
        checkTransitions()
        checkGraph()
    }

    // MARK: - Names and references

    private mutating func checkIdentity() {
        let id = workflow.id
        if !WorkflowValidator.isName(id.value) {
            report(
                .invalidName,
                "the workflow identifier '\(id.value)' may only use letters, digits, '-' and '_'",
                at: id.location
            )
        }
        if let version = workflow.version, version.value < 1 {
            report(.invalidValue, "version must be a positive integer, not \(version.value)", at: version.location)
        }
    }

    private mutating func checkRoles() {
        guard let roles = workflow.roles else { return }
        reportDuplicates(roles, what: "role")
        for role in roles where !WorkflowValidator.isName(role.value) {
            report(
                .invalidName,
                "the role '\(role.value)' may only use letters, digits, '-' and '_'",
                at: role.location
            )
        }
    }

    private mutating func reportDuplicates(_ items: [Located<String>], what: String) {
        diagnostics += Diagnostic.duplicateEntries(in: items) { "the \(what) '\($0)' is listed twice" }
    }

    /// Reports a reference to an unknown name unless the name's own declaration was already reported.
    private mutating func checkReference(
        _ name: Located<String>,
        among known: [String],
        code: DiagnosticCode,
        what: String
    ) -> Bool {
        if known.contains(name.value) { return true }
        let broken: Set<String>
        switch code {
        case .unknownField: broken = workflow.declarationsWithErrors.fields
        case .unknownStage: broken = workflow.declarationsWithErrors.stages
        case .unknownTransition: broken = workflow.declarationsWithErrors.transitions
        default: broken = []
        }
        if broken.contains(name.value) { return false }
        let suggestion = SpellingSuggestion.closest(to: name.value, among: known)
        report(code, "unknown \(what) '\(name.value)'" + SpellingSuggestion.phrase(suggestion), at: name.location)
        return false
    }

    private mutating func checkFieldReferences(_ names: [Located<String>]) {
        for name in names {
            _ = checkReference(name, among: scope.fieldNames, code: .unknownField, what: "field")
        }
        reportDuplicates(names, what: "field")
    }

    // MARK: - Fields

    private mutating func checkFields() {
        for field in workflow.fields {
            if !WorkflowValidator.isExpressionIdentifier(field.name) {
                report(
                    .invalidName,
                    "the field name '\(field.name)' must start with a letter or '_' and use only letters, digits and '_', "
                        + "so that expressions can read it",
                    at: field.location
                )
            } else if ExpressionScope.reservedNames.contains(field.name) {
                report(
                    .invalidName,
                    "'\(field.name)' is a reserved name in expressions; choose another name for the field",
                    at: field.location
                )
            }
            if case .enumeration(let values) = field.type {
                if values.isEmpty {
                    report(
                        .invalidField,
                        "the enum field '\(field.name)' needs at least one value in 'values'",
                        at: field.location
                    )
                }
                if let defaultValue = field.defaultValue, case .string(let text) = defaultValue.value,
                    !values.contains(text)
                {
                    diagnostics.append(
                        Diagnostic.unknownEnumValue(
                            text,
                            in: EnumDomain(owner: "field '\(field.name)'", values: values),
                            at: defaultValue.location
                        )
                    )
                }
            }
            for bound in [field.minimum, field.maximum].compactMap({ $0 }) where !field.type.isNumeric {
                report(
                    .invalidField,
                    "min and max apply to int and decimal fields; '\(field.name)' is \(field.type.name)",
                    at: bound.location
                )
            }
            if let minimum = field.minimum, let maximum = field.maximum, minimum.value > maximum.value {
                report(
                    .invalidField,
                    "the minimum of '\(field.name)' (\(minimum.value)) is larger than its maximum (\(maximum.value))",
                    at: minimum.location
                )
            }
            if field.type.isNumeric, let defaultValue = field.defaultValue,
                let message = rangeProblem(defaultValue.value, field: field, what: "the default of '\(field.name)' is")
            {
                report(.invalidField, message, at: defaultValue.location)
            }
        }
    }

    private func rangeProblem(_ value: Value, field: FieldDefinition, what: String) -> String? {
        let number: ExactDecimal
        switch value {
        case .int(let value): number = ExactDecimal(value)
        case .decimal(let value): number = value
        default: return nil
        }
        if let minimum = field.minimum, number < minimum.value {
            return "\(what) \(number), below the minimum of '\(field.name)', \(minimum.value)"
        }
        if let maximum = field.maximum, number > maximum.value {
            return "\(what) \(number), above the maximum of '\(field.name)', \(maximum.value)"
        }
        return nil
    }

    // MARK: - Deal fields

    private mutating func checkDealFields() {
        let mapping = workflow.dealFields
        let roles: [(Located<String>?, String, String, (FieldType) -> Bool, String)] = [
            (mapping.amount, "amount", "amount", { $0 == .int || $0 == .decimal }, "decimal or int"),
            (
                mapping.currency, "currency", "currency", { if case .enumeration = $0 { true } else { $0 == .string } },
                "enum or string"
            ),
            (mapping.closeDate, "close_date", "close_date", { $0 == .date }, "date"),
        ]
        var resolved: [String?] = []
        for (explicit, key, defaultName, accepts, expected) in roles {
            if let explicit {
                guard let field = workflow.fields.first(where: { $0.name == explicit.value }) else {
                    if !workflow.declarationsWithErrors.fields.contains(explicit.value) {
                        let suggestion = SpellingSuggestion.closest(to: explicit.value, among: scope.fieldNames)
                        report(
                            .invalidDealField,
                            "deal.\(key) names '\(explicit.value)', which is not a field"
                                + SpellingSuggestion.phrase(suggestion),
                            at: explicit.location
                        )
                    }
                    resolved.append(nil)
                    continue
                }
                if !accepts(field.type) {
                    report(
                        .invalidDealField,
                        "deal.\(key) must name a \(expected) field, but '\(field.name)' is \(field.type.name)",
                        at: explicit.location,
                        notes: [Diagnostic.Note("'\(field.name)' is declared here", at: field.location)]
                    )
                    resolved.append(nil)
                    continue
                }
                resolved.append(field.name)
            } else if let field = workflow.fields.first(where: { $0.name == defaultName }) {
                if accepts(field.type) {
                    resolved.append(field.name)
                } else {
                    report(
                        .invalidDealField,
                        "the field '\(field.name)' is \(field.type.name), so forecasts and reports do not read it as the "
                            + "deal's \(key.replacingOccurrences(of: "_", with: " ")); make it \(expected), or name another field in deal.\(key)",
                        at: field.location,
                        severity: .warning
                    )
                    resolved.append(nil)
                }
            } else {
                resolved.append(nil)
            }
        }
        dealFields = ResolvedDealFields(amount: resolved[0], currency: resolved[1], closeDate: resolved[2])
    }

    // MARK: - Stages

    private mutating func checkStages() {
        var firstInitial: Stage?
        for index in workflow.stages.indices {
            let stage = workflow.stages[index]
            if !WorkflowValidator.isName(stage.name) {
                report(
                    .invalidName,
                    "the stage name '\(stage.name)' may only use letters, digits, '-' and '_'",
                    at: stage.location
                )
            }
            if let initial = stage.initialLocation {
                if let first = firstInitial {
                    report(
                        .multipleInitialStages,
                        "'\(stage.name)' is marked initial, but '\(first.name)' already is; a workflow has exactly one initial stage",
                        at: initial,
                        notes: [Diagnostic.Note("'\(first.name)' is marked initial here", at: first.initialLocation)]
                    )
                } else {
                    firstInitial = stage
                }
            }
            if let probability = stage.probability, probability.value < 0 || probability.value > 100 {
                report(
                    .invalidProbability,
                    "probability must be a percentage from 0 to 100, not \(probability.value)",
                    at: probability.location
                )
            }
            if stage.probability == nil, stage.outcome == nil, dealFields.amount != nil,
                !workflow.declarationsWithErrors.stages.contains(stage.name)
            {
                report(
                    .missingProbability,
                    "stage '\(stage.name)' has no probability; the weighted forecast counts its deals at 0%",
                    at: stage.location
                )
            }
            checkFieldReferences(stage.requires)
            workflow.stages[index].onEnter = checkActions(stage.onEnter)
            workflow.stages[index].onExit = checkActions(stage.onExit)
            for timerIndex in stage.timers.indices {
                workflow.stages[index].timers[timerIndex] = checkTimer(stage.timers[timerIndex], in: stage)
            }
        }
        if let firstInitial {
            initialStage = firstInitial.name
        } else if !workflow.declarationsWithErrors.stages.isEmpty {
            // A stage's `initial:` could not be read; that error already says what to fix.
        } else if !workflow.stages.isEmpty {
            let location = workflow.stages.first?.location ?? workflow.id.location
            report(
                .missingInitialStage,
                "no stage is marked 'initial: true'; deals would have nowhere to start",
                at: location
            )
        } else {
            report(.missingKey, "the workflow has no stages; list them under 'stages:'", at: workflow.id.location)
        }
    }

    private mutating func checkTimer(_ timer: StageTimer, in stage: Stage) -> StageTimer {
        var timer = timer
        if case .at(let source) = timer.schedule {
            let result = checker.checkInstant(source)
            diagnostics += result.diagnostics
            timer.compiledAt = result.compiled
        }
        switch timer.effect {
        case .task(let task):
            timer.effect = .task(checkTask(task))
        case .fire(let name):
            guard checkReference(name, among: transitionNames, code: .unknownTransition, what: "transition"),
                let transition = workflow.transitions.first(where: { $0.name == name.value })
            else { break }
            guard transition.leaves(stage.name) else {
                let sources: String
                switch transition.from {
                case .anyStage: sources = "it leads to '\(transition.to.value)' itself"
                case .stages(let stages): sources = "it starts from " + stages.map(\.value).joined(separator: ", ")
                }
                report(
                    .timerTransition,
                    "the timer in stage '\(stage.name)' fires '\(transition.name)', which does not leave '\(stage.name)' (\(sources))",
                    at: name.location,
                    notes: [Diagnostic.Note("'\(transition.name)' is defined here", at: transition.location)]
                )
                break
            }
            let guaranteed = Set(workflow.fields.filter(\.isRequired).map(\.name)).union(stage.requires.map(\.value))
            var needed = transition.requires.map(\.value)
            if let target = workflow.stages.first(where: { $0.name == transition.to.value }) {
                needed += target.requires.map(\.value)
            }
            // An unknown field is reported where it is named; it is not also a timer problem.
            needed = needed.filter { scope.fields[$0] != nil }
            let setByActions = Set(
                transition.actions.compactMap { action -> String? in
                    if case .set(let set) = action { return set.field.value }
                    return nil
                }
            )
            var reported = Set<String>()
            for field in needed where !guaranteed.contains(field) && reported.insert(field).inserted {
                var notes = [
                    Diagnostic.Note(
                        "make '\(field)' required, add it to the requires of stage '\(stage.name)', or fire a transition that does not need it"
                    )
                ]
                if setByActions.contains(field) {
                    notes.append(
                        Diagnostic.Note(
                            "'\(transition.name)' sets '\(field)' in its actions, but requires are checked before actions run"
                        )
                    )
                }
                report(
                    .timerRequires,
                    "the timer in stage '\(stage.name)' fires '\(transition.name)', which needs '\(field)', but a timer supplies "
                        + "no input and '\(field)' may be unset in '\(stage.name)'",
                    at: name.location,
                    notes: notes
                )
            }
        }
        return timer
    }

    // MARK: - Actions

    private mutating func checkActions(_ actions: [Action]) -> [Action] {
        actions.map { action in
            switch action {
            case .set(var set):
                guard checkReference(set.field, among: scope.fieldNames, code: .unknownField, what: "field"),
                    let binding = scope.fields[set.field.value]
                else { return .set(set) }
                let result: CheckResult
                switch set.value {
                case .literal(let text): result = checker.checkStringAssignment(text, to: binding)
                case .expression(let source): result = checker.checkAssignment(source, to: binding)
                }
                diagnostics += result.diagnostics
                set.compiled = result.compiled
                set.fieldIndex = binding.index
                if let compiled = result.compiled, case .constant(let value) = compiled.root,
                    let field = workflow.fields.first(where: { $0.name == set.field.value }),
                    let problem = rangeProblem(value, field: field, what: "this sets '\(field.name)' to")
                {
                    report(.invalidValue, problem, at: compiled.source.location)
                }
                return .set(set)
            case .task(let task):
                return .task(checkTask(task))
            case .notify(let notify):
                let event = notify.event
                if NotifyAction.reservedEvents.contains(event.value) {
                    report(
                        .reservedEvent,
                        "'\(event.value)' is an event the engine emits itself; give this notification its own name",
                        at: event.location
                    )
                } else if !isEventName(event.value) {
                    report(
                        .invalidName,
                        "the event name '\(event.value)' may only use lowercase letters, digits, '_', '-' and dots (for example deal.lost)",
                        at: event.location
                    )
                }
                return action
            }
        }
    }

    private func isEventName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty
            && parts.allSatisfy { part in
                !part.isEmpty
                    && part.unicodeScalars.allSatisfy {
                        ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
                    }
            }
    }

    private mutating func checkTask(_ task: TaskTemplate) -> TaskTemplate {
        var task = task
        let title = task.title
        switch TitleTemplate.parse(title.value) {
        case .failure(let error):
            report(
                .invalidTemplate,
                "invalid title: \(error.message)",
                at: titleLocation(title, offset: error.offset, length: error.length)
            )
        case .success(let template):
            let known = scope.fieldNames + TitleTemplate.builtinNames
            var allKnown = true
            for placeholder in template.placeholders where !known.contains(placeholder.name) {
                if workflow.declarationsWithErrors.fields.contains(placeholder.name) { continue }
                allKnown = false
                let suggestion = SpellingSuggestion.closest(to: placeholder.name, among: known)
                report(
                    .invalidTemplate,
                    "the title reads '{{\(placeholder.name)}}', which is not a field"
                        + SpellingSuggestion.phrase(suggestion),
                    at: titleLocation(title, offset: placeholder.offset, length: placeholder.name.count)
                )
            }
            if allKnown { task.compiledTitle = template }
        }
        checkAssignee(task.assignee, what: "assignee")
        if let escalation = task.escalation { checkAssignee(escalation.to, what: "escalation target") }
        return task
    }

    private func titleLocation(_ title: Located<String>, offset: Int, length: Int) -> SourceLocation {
        // Titles are usually quoted one-line scalars: the text starts one column after the quote.
        title.location.length > title.value.count
            ? title.location.shifted(by: 1 + offset, length: length) : title.location
    }

    private mutating func checkAssignee(_ assignee: Located<String>, what: String) {
        let name = assignee.value
        guard name != "owner", let roles = workflow.roles?.map(\.value), !roles.contains(name) else { return }
        if let suggestion = SpellingSuggestion.closest(to: name, among: roles) {
            report(
                .unknownRole,
                "the \(what) '\(name)' is not a declared role (did you mean '\(suggestion)'?); it would be taken as a user id",
                at: assignee.location,
                severity: .warning
            )
        }
    }

    // MARK: - Transitions

    private mutating func checkTransitions() {
        for index in workflow.transitions.indices {
            let transition = workflow.transitions[index]
            if !WorkflowValidator.isName(transition.name) {
                report(
                    .invalidName,
                    "the transition name '\(transition.name)' may only use letters, digits, '-' and '_'",
                    at: transition.location
                )
            }
            if case .stages(let sources) = transition.from {
                for source in sources
                where !checkReference(source, among: stageNames, code: .unknownStage, what: "stage") {
                    graphIsIncomplete = true
                }
                reportDuplicates(sources, what: "stage")
            }
            if !checkReference(transition.to, among: stageNames, code: .unknownStage, what: "stage") {
                graphIsIncomplete = true
            }
            if let roles = transition.roles {
                if let declared = workflow.roles?.map(\.value) {
                    for role in roles {
                        _ = checkReference(role, among: declared, code: .unknownRole, what: "role")
                    }
                } else if let first = roles.first {
                    report(
                        .unknownRole,
                        "transition '\(transition.name)' is restricted to roles, but the workflow declares none",
                        at: first.location,
                        notes: [Diagnostic.Note("declare them at the top level, for example 'roles: [rep, manager]'")]
                    )
                }
            }
            for guardIndex in transition.guards.indices {
                let result = checker.checkCondition(transition.guards[guardIndex].expression)
                diagnostics += result.diagnostics
                workflow.transitions[index].guards[guardIndex].compiled = result.compiled
            }
            checkFieldReferences(transition.requires)
            workflow.transitions[index].actions = checkActions(transition.actions)
        }
    }

    // MARK: - The graph

    /// Warns about stages that cannot be reached or left. Skipped when a transition could not be read
    /// or leads to an unknown stage: the graph is then incomplete and the warnings would mislead.
    private mutating func checkGraph() {
        guard let initialStage, !graphIsIncomplete else { return }
        // The stages each stage leads to, built once: O(stages + edges) rather than stages × transitions.
        var targets: [String: Set<String>] = [:]
        for transition in workflow.transitions {
            switch transition.from {
            case .anyStage:
                for stage in workflow.stages where stage.name != transition.to.value {
                    targets[stage.name, default: []].insert(transition.to.value)
                }
            case .stages(let sources):
                for source in sources { targets[source.value, default: []].insert(transition.to.value) }
            }
        }
        var reachable: Set<String> = [initialStage]
        var frontier = [initialStage]
        while let stage = frontier.popLast() {
            for target in targets[stage] ?? [] where reachable.insert(target).inserted { frontier.append(target) }
        }
        for stage in workflow.stages {
            if !reachable.contains(stage.name) {
                report(
                    .unreachableStage,
                    "stage '\(stage.name)' cannot be reached from the initial stage '\(initialStage)': no transition leads there",
                    at: stage.location
                )
            }
            let waysOut = (targets[stage.name] ?? []).subtracting([stage.name])
            if stage.outcome == nil, waysOut.isEmpty {
                report(
                    .deadEndStage,
                    "stage '\(stage.name)' has no way out: no transition leads from it to another stage, and it is not an outcome",
                    at: stage.location,
                    notes: [
                        Diagnostic.Note(
                            "deals entering it would be stuck; add a transition from it, or mark it 'outcome: won' or 'outcome: lost'"
                        )
                    ]
                )
            }
        }
    }
}
