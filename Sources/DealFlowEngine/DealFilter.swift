import DealFlowCore
import Foundation

/// What `deal list` keeps beyond the store's own filters (workflow, stage, owner): a `--where` condition
/// in the guard language, a close date before a day, staleness; and the order to list in.
///
/// The condition is type-checked against each workflow version the deals are on before anything is
/// listed, so that `amount > "ten"` or a misspelt field is an error with its column, not an empty list.
///
/// ```swift
/// var filter = DealFilter(condition: "amount > 10000 and close_date < today + 30 days")
/// try filter.compile(for: workflow)          // diagnostics with the column of the mistake
/// let kept = views.filter { filter.matches($0, now: now, actor: actor) }
/// ```
public struct DealFilter: Sendable {
    /// How to order the deals: a deal column (`id`, `stage`, `owner`, `created_at`, `updated_at`,
    /// `entered_stage_at`, `version`) or a field of the schema; unset values last.
    public struct Sort: Hashable, Sendable {
        public var key: String
        public var descending: Bool

        /// Reads `FIELD` or `FIELD:desc` (or `FIELD:asc`); `nil` for another suffix.
        public init?(_ text: String) {
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard let first = parts.first, !first.isEmpty else { return nil }
            key = first
            switch parts.count == 2 ? parts[1] : "asc" {
            case "asc": descending = false
            case "desc": descending = true
            default: return nil
            }
        }

        /// The columns every deal has.
        public static let columns = ["id", "stage", "owner", "created_at", "updated_at", "entered_stage_at", "version"]
    }

    /// The `--where` text.
    public var condition: String?
    /// Only deals whose close date is before this day.
    public var closingBefore: LocalDate?
    /// Only deals idle longer than their stage's `rot_after`.
    public var staleOnly: Bool
    public var sort: Sort?
    private var compiled: [String: CompiledExpression] = [:]

    /// Creates a filter; call ``compile(for:)`` for each workflow version before ``matches(_:now:)``.
    public init(condition: String? = nil, closingBefore: LocalDate? = nil, staleOnly: Bool = false, sort: Sort? = nil) {
        self.condition = condition
        self.closingBefore = closingBefore
        self.staleOnly = staleOnly
        self.sort = sort
    }

    /// Whether only the store's filters apply, so that it can page and order by itself.
    public var isEmpty: Bool { condition == nil && closingBefore == nil && !staleOnly && sort == nil }

    /// Type-checks the condition and the sort key against a workflow version; the diagnostics name the
    /// column of `--where` (file `--where`, line 1) when it does not fit.
    public mutating func compile(for workflow: ValidatedWorkflow) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if let sort, !Sort.columns.contains(sort.key), workflow.scope.fields[sort.key] == nil {
            let names = Sort.columns + workflow.scope.fieldNames
            let hint = SpellingSuggestion.hint(for: sort.key, among: names)
            diagnostics.append(
                Diagnostic(
                    .unknownName,
                    "--sort: workflow '\(workflow.id)' has no field '\(sort.key)'\(hint); sort by "
                        + names.joined(separator: ", "),
                    at: SourceLocation(file: "--sort", line: 1, column: 1, length: sort.key.count)
                )
            )
        }
        guard let condition else { return diagnostics }
        let source = ExpressionSource(text: condition, location: SourceLocation(file: "--where", line: 1, column: 1))
        let result = TypeChecker(scope: workflow.scope).checkCondition(source, role: "--where")
        if let expression = result.compiled { compiled["\(workflow.id)@\(workflow.version)"] = expression }
        return diagnostics + result.diagnostics
    }

    /// Whether a deal passes every filter at `now`, for `actor` (what `actor.id` reads); a condition
    /// that is null, fails to evaluate, or did not compile for the deal's workflow version does not pass.
    public func matches(_ view: DealView, now: Date, actor: Actor) -> Bool {
        let deal = view.deal
        let workflow = view.workflow
        if condition != nil {
            guard let expression = compiled["\(workflow.id)@\(workflow.version)"],
                (try? expression.evaluate(in: deal.environment(in: workflow, actor: actor, now: now))) == .bool(true)
            else { return false }
        }
        if let closingBefore {
            guard let field = workflow.dealFields.closeDate, case .date(let date) = view.value(of: field),
                date < closingBefore
            else { return false }
        }
        if staleOnly, !DealMachine.isStale(deal, in: workflow, now: now) { return false }
        return true
    }

    /// The deals in the sort's order (ties by creation, then id, as the store lists them).
    public func sorted(_ views: [DealView]) -> [DealView] {
        guard let sort else { return views }
        let keyed = views.enumerated().map {
            (position: $0.offset, view: $0.element, key: Self.value(of: sort.key, in: $0.element))
        }
        return keyed.sorted { left, right in
            switch (left.key.isNull, right.key.isNull) {
            case (true, true): return left.position < right.position
            case (true, false): return false  // unset values last, either way
            case (false, true): return true
            case (false, false):
                let order = Value.order(left.key, right.key) ?? 0
                if order == 0 { return left.position < right.position }
                return sort.descending ? order > 0 : order < 0
            }
        }.map(\.view)
    }

    static func value(of key: String, in view: DealView) -> Value {
        let deal = view.deal
        switch key {
        case "id": return .string(deal.id)
        case "stage": return .string(deal.stage)
        case "owner": return .string(deal.owner)
        case "created_at": return .datetime(deal.createdAt)
        case "updated_at": return .datetime(deal.updatedAt)
        case "entered_stage_at": return .datetime(deal.enteredStageAt)
        case "version": return .int(deal.version)
        default: return view.value(of: key)
        }
    }
}
