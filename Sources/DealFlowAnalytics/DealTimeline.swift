import DealFlowCore
import Foundation

/// One stay of a deal in a stage: from the moment it entered to the moment it left (`nil` while it is
/// still there).
public struct StageVisit: Hashable, Sendable {
    /// The stage.
    public var stage: String
    /// When the deal entered it.
    public var enteredAt: Date
    /// When the deal left it; `nil` for the stage it is in now.
    public var leftAt: Date?

    /// Creates a visit.
    public init(stage: String, enteredAt: Date, leftAt: Date? = nil) {
        self.stage = stage
        self.enteredAt = enteredAt
        self.leftAt = leftAt
    }
}

/// A deal as the KPIs see it: who owns it, what it is worth now, and the stages it went through.
///
/// The store builds one from the deal's row and its history entries in order, hands it to a
/// ``TimelineReducer`` and forgets it, so that a report never holds the whole history in memory.
/// Amount, currency and close date are the deal's current values of the fields the workflow's `deal:`
/// section names.
public struct DealTimeline: Hashable, Sendable {
    public var id: String
    public var owner: String
    public var createdAt: Date
    /// The stage it is in now.
    public var stage: String
    /// Its result, if its latest outcome still stands (it is in an outcome stage, or after the win).
    public var outcome: Outcome?
    public var amount: ExactDecimal?
    public var currency: String?
    public var closeDate: LocalDate?
    /// Every stage it entered, in order; the first is the one it was created in.
    public var visits: [StageVisit]
    /// Its latest change of any kind (creation, transition or field change): staleness counts from here.
    public var lastTouch: Date

    /// Creates a timeline; add its history with ``record(kind:at:to:)``.
    public init(
        id: String,
        owner: String,
        createdAt: Date,
        stage: String,
        outcome: Outcome? = nil,
        amount: ExactDecimal? = nil,
        currency: String? = nil,
        closeDate: LocalDate? = nil,
        visits: [StageVisit] = []
    ) {
        self.id = id
        self.owner = owner
        self.createdAt = createdAt
        self.stage = stage
        self.outcome = outcome
        self.amount = amount
        self.currency = currency
        self.closeDate = closeDate
        self.visits = visits
        self.lastTouch = visits.last?.enteredAt ?? createdAt
    }

    /// Adds one history entry, in order: `created` opens the first visit, `transitioned` to another
    /// stage closes the current visit and opens the next, anything else only touches the deal.
    public mutating func record(kind: String, at instant: Date, to stage: String?) {
        record(at: instant, entering: kind == "created" || kind == "transitioned" ? stage : nil)
    }

    /// Adds one history entry, in order: one that enters a stage (creation, a transition), or, with
    /// `nil`, one that only touches the deal (a field change).
    public mutating func record(at instant: Date, entering stage: String?) {
        if instant > lastTouch { lastTouch = instant }
        guard let stage else { return }
        if let last = visits.indices.last {
            // A transition back into the same stage is a touch, not a new visit.
            if visits[last].stage == stage && visits[last].leftAt == nil { return }
            visits[last].leftAt = instant
        }
        visits.append(StageVisit(stage: stage, enteredAt: instant))
    }

    /// The currency its amount is summed under: the currency field, or `""` when the workflow has none.
    public var currencyKey: String { currency ?? "" }
}

/// A fold over deal timelines: one KPI's running state.
///
/// Reducers are values, so the store can run one inside its read transaction and hand back the
/// result. A store may call ``add(_:)`` on a thread other than the caller's (SQLite folds on a thread
/// of the scan's own while its connection reads on): a reducer keeps its state in itself, not in task
/// locals or the caller's actor.
public protocol TimelineReducer: Sendable {
    /// Takes one deal into account.
    mutating func add(_ deal: DealTimeline)
}

/// A follow-up task as the `tasks` KPI sees it.
public struct TaskFact: Hashable, Sendable {
    public var dealID: String
    public var assignee: String
    /// `open`, `done` or `cancelled`.
    public var status: String
    public var dueAt: Date
    /// When the scheduler reminded its assignee, if it has.
    public var remindedAt: Date?

    /// Creates a fact.
    public init(dealID: String, assignee: String, status: String, dueAt: Date, remindedAt: Date?) {
        self.dealID = dealID
        self.assignee = assignee
        self.status = status
        self.dueAt = dueAt
        self.remindedAt = remindedAt
    }
}

/// Where the KPIs read the history from: a store streams every deal of a workflow, with its history
/// in order, through a reducer.
public protocol PipelineHistorySource: Sendable {
    /// Folds every deal of a workflow (of one owner, if given), in one pass over the history. The
    /// workflow's `deal:` section says which fields hold the amount, currency and close date.
    func scanTimelines<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer

    /// Folds every deal of a workflow (of one owner, if given) without reading the history: visits are
    /// empty and the last touch is the deal's latest change. For gauges of the present.
    func scanDeals<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer

    /// The tasks of a workflow's deals (assigned to one user or role, if given).
    func taskFacts(workflowID: String, assignee: String?) async throws -> [TaskFact]
}
