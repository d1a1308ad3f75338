/// A workflow that passed validation: every reference resolved, every expression type-checked and
/// compiled, every title parsed. This is what the engine runs.
///
/// Only ``WorkflowValidator`` creates one, so holding a `ValidatedWorkflow` means its guards,
/// `set` values and fields, timer instants and titles are all compiled.
public struct ValidatedWorkflow: Sendable {
    /// The definition, with its compiled slots filled in.
    public let definition: Workflow
    /// The names its expressions may use; also what `--where` filters are checked against.
    public let scope: ExpressionScope
    /// The warnings validation found (a validated workflow has no errors).
    public let warnings: [Diagnostic]
    /// The name of the stage deals start in.
    public let initialStage: String
    /// The fields the forecast and KPIs read, after defaults (fields named `amount`, `currency`,
    /// `close_date`) were applied.
    public let dealFields: ResolvedDealFields
    /// The zone and business calendar, built once rather than on each use: every expression
    /// environment and every due date reads them.
    public let zonedCalendar: ZonedCalendar
    private let stageIndex: [String: Int]
    private let transitionIndex: [String: Int]
    /// For each transition (by position), the position of the stage it leads to, so that a fire finds
    /// both with one lookup by name; `nil` only for a definition built by hand with a dangling target.
    private let transitionTargets: [Int?]
    /// The positions of the required fields: the machine checks them on every decision, and walking
    /// the definitions would copy each one.
    let requiredFieldPositions: [Int]
    private let funnelStageSet: Set<String>

    init(
        definition: Workflow,
        scope: ExpressionScope,
        warnings: [Diagnostic],
        initialStage: String,
        dealFields: ResolvedDealFields
    ) {
        self.definition = definition
        self.scope = scope
        self.warnings = warnings
        self.initialStage = initialStage
        self.dealFields = dealFields
        self.version = definition.version?.value ?? 1
        var funnel: [String] = []
        for stage in definition.stages where stage.outcome?.value != .lost {
            funnel.append(stage.name)
            if stage.outcome?.value == .won { break }
        }
        self.funnelStages = funnel
        self.funnelStageSet = Set(funnel)
        self.requiredFieldPositions = definition.fields.indices.filter { definition.fields[$0].isRequired }
        var stageIndex: [String: Int] = [:]
        for (index, stage) in definition.stages.enumerated() { stageIndex[stage.name] = index }
        var transitionIndex: [String: Int] = [:]
        for (index, transition) in definition.transitions.enumerated() { transitionIndex[transition.name] = index }
        self.stageIndex = stageIndex
        self.transitionIndex = transitionIndex
        self.transitionTargets = definition.transitions.map { stageIndex[$0.to.value] }
        self.zonedCalendar = definition.zonedCalendar
    }

    /// The workflow's identifier.
    public var id: String { definition.id.value }

    /// The version deals created on this workflow are pinned to: the number the store gave it when
    /// it was applied (the file's own `version`, or the next integer).
    public private(set) var version: Int

    /// The same workflow, numbered as the store numbered it.
    public func numbered(_ version: Int) -> ValidatedWorkflow {
        var numbered = self
        numbered.version = version
        return numbered
    }

    /// The funnel's steps: the stages in file order up to and including the first `won` outcome,
    /// leaving out `lost` outcomes. Stages after the win (onboarding, post-sale) are not steps.
    public let funnelStages: [String]

    /// Whether a stage is one of ``funnelStages``.
    func isFunnelStage(_ name: String) -> Bool { funnelStageSet.contains(name) }

    /// The first required field (by position) that `fields` leaves unset.
    func firstUnsetRequiredField(in fields: [Value]) -> Int? {
        requiredFieldPositions.first { fields[$0].isNull }
    }

    /// The stage with a name, if there is one.
    public func stage(named name: String) -> Stage? {
        stageIndex[name].map { definition.stages[$0] }
    }

    /// The transition with a name, if there is one.
    public func transition(named name: String) -> Transition? {
        transitionIndex[name].map { definition.transitions[$0] }
    }

    /// The transition with a name and the stage it leads to: what a fire looks up, in one lookup.
    func transitionWithTarget(named name: String) -> (transition: Transition, target: Stage?)? {
        guard let position = transitionIndex[name] else { return nil }
        return (definition.transitions[position], transitionTargets[position].map { definition.stages[$0] })
    }

    /// The transitions that may start from a stage, in file order.
    public func transitions(leaving stage: String) -> [Transition] {
        definition.transitions.filter { $0.leaves(stage) }
    }
}

/// The field names the forecast and KPIs read, each `nil` when the workflow has none.
public struct ResolvedDealFields: Hashable, Sendable {
    /// The amount field.
    public var amount: String?
    /// The currency field.
    public var currency: String?
    /// The expected close date field.
    public var closeDate: String?

    /// Creates a resolved mapping.
    public init(amount: String? = nil, currency: String? = nil, closeDate: String? = nil) {
        self.amount = amount
        self.currency = currency
        self.closeDate = closeDate
    }
}
