import DealFlowCore
import DealFlowYAML
import Foundation
import Synchronization

/// The imperative shell: runs the machine's decisions against a store and a clock.
///
/// Each command reads the deal, asks ``DealMachine`` to decide, and performs the decision in one
/// transaction, as a compare-and-set on the deal's version: if another process changed the deal
/// meanwhile, the engine decides again on the fresh state (or, with an expected version, reports the
/// conflict). On a ``SerializedDealStore`` (SQLite) the read and the decision happen inside that
/// transaction, so no other process comes in between. Nothing acknowledged is lost and no update
/// overwrites another.
///
/// ```swift
/// let engine = Engine(store: try SQLiteStore(path: "dealflow.sqlite"), clock: SystemClock())
/// let deal = try await engine.create(workflowID: "b2b-sales", input: [FieldInput(field: "company", .text("Acme"))],
///                                    actor: Actor(id: "ana", role: "rep"))
/// ```
public final class Engine: Sendable {
    /// Where deals live.
    public let store: any DealStore
    /// Where the time comes from.
    public let clock: any EngineClock
    /// Where new ids come from.
    public let identifiers: any IdentifierSource
    /// Where transitions, blocked attempts and scheduled tasks are counted.
    public let metrics: EngineMetrics
    private let cache = Mutex<[String: ValidatedWorkflow]>([:])
    /// The store, when it is a serialized one: cast once rather than on every command.
    private let serialized: (any SerializedDealStore)?

    /// How many times a change is decided again when other processes keep changing the deal.
    static let attempts = 20

    /// Creates an engine.
    public init(
        store: any DealStore,
        clock: any EngineClock = SystemClock(),
        identifiers: any IdentifierSource = RandomIdentifiers(),
        metrics: EngineMetrics = .none
    ) {
        self.store = store
        self.serialized = store as? any SerializedDealStore
        self.clock = clock
        self.identifiers = identifiers
        self.metrics = metrics
    }

    // MARK: - Workflows

    /// What applying a workflow file did.
    public struct WorkflowApplication: Sendable {
        /// The workflow.
        public var workflow: ValidatedWorkflow
        /// Whether a new version was stored (`false`: the same content was already applied).
        public var isNewVersion: Bool
    }

    /// Validates a workflow and stores it as a new version: the file's own `version` if it has one
    /// (refused if that number holds other content), otherwise the next number. The same content
    /// again changes nothing.
    public func applyWorkflow(source: String, file: String, actor: Actor = .system) async throws -> WorkflowApplication
    {
        try await applyWorkflows([(source, file)], actor: actor)[0]
    }

    /// Applies several workflow files: every one is validated and numbered before any is stored, so
    /// that an invalid file or a taken version stores nothing. `actor` is checked against the roster.
    public func applyWorkflows(
        _ files: [(source: String, file: String)],
        actor: Actor = .system
    ) async throws -> [WorkflowApplication] {
        _ = try await authorize(actor, action: "workflow apply " + files.map(\.file).joined(separator: " "))
        var validated: [(workflow: ValidatedWorkflow, source: String, file: String)] = []
        for (source, file) in files {
            let loaded = WorkflowLoader.load(source: source, file: file)
            guard let workflow = loaded.validated else { throw EngineError.invalidWorkflow(loaded) }
            validated.append((workflow, source, file))
        }
        for _ in 0..<Engine.attempts {
            var stored = try await store.workflows()
            var plans: [(application: WorkflowApplication, record: StoredWorkflow)] = []
            for (workflow, source, file) in validated {
                let existing = stored.filter { $0.id == workflow.id }
                if let same = existing.first(where: { $0.source == source }) {
                    let record = StoredWorkflow(
                        id: workflow.id,
                        version: same.version,
                        source: source,
                        file: file,
                        appliedAt: same.appliedAt
                    )
                    plans.append(
                        (WorkflowApplication(workflow: workflow.numbered(same.version), isNewVersion: false), record)
                    )
                    continue
                }
                let number: Int
                if let pinned = workflow.definition.version?.value {
                    guard !existing.contains(where: { $0.version == pinned }) else {
                        throw EngineError.workflowVersionTaken(id: workflow.id, version: pinned)
                    }
                    number = pinned
                } else {
                    number = (existing.map(\.version).max() ?? 0) + 1
                }
                let record = StoredWorkflow(
                    id: workflow.id,
                    version: number,
                    source: source,
                    file: file,
                    appliedAt: clock.now()
                )
                stored.append(record)
                plans.append((WorkflowApplication(workflow: workflow.numbered(number), isNewVersion: true), record))
            }
            do {
                for plan in plans where plan.application.isNewVersion { try await store.saveWorkflow(plan.record) }
                return plans.map(\.application)
            } catch StoreError.duplicateWorkflowVersion {
                continue  // Another process applied a version meanwhile: number again.
            }
        }
        throw EngineError.contention(validated.first?.workflow.id ?? "")
    }

    /// A workflow version (the highest when `version` is `nil`), validated and cached.
    public func workflow(id: String, version: Int? = nil) async throws -> ValidatedWorkflow {
        if let version, let cached = cachedWorkflow(id: id, version: version) { return cached }
        guard let stored = try await store.workflow(id: id, version: version) else {
            if version != nil, try await store.workflow(id: id, version: nil) != nil {
                throw EngineError.invalidInput(Rejection(.invalidValue, "workflow '\(id)' has no version \(version!)"))
            }
            throw EngineError.unknownWorkflow(id)
        }
        if let cached = cachedWorkflow(id: id, version: stored.version) { return cached }
        let key = "\(id)@\(stored.version)"
        let loaded = WorkflowLoader.load(source: stored.source, file: stored.file)
        guard let validated = loaded.validated else { throw EngineError.invalidWorkflow(loaded) }
        let numbered = validated.numbered(stored.version)
        cache.withLock { $0[key] = numbered }
        return numbered
    }

    /// A workflow version already loaded and validated by this engine.
    func cachedWorkflow(id: String, version: Int) -> ValidatedWorkflow? {
        cache.withLock { $0["\(id)@\(version)"] }
    }

    /// The identifiers of the stored workflows, sorted.
    public func workflowIDs() async throws -> [String] {
        Set(try await store.workflows().map(\.id)).sorted()
    }

    /// Every version of one workflow, validated, oldest first.
    public func versions(ofWorkflow id: String) async throws -> [ValidatedWorkflow] {
        var versions: [ValidatedWorkflow] = []
        for stored in try await store.workflows() where stored.id == id {
            versions.append(try await workflow(id: id, version: stored.version))
        }
        guard !versions.isEmpty else { throw EngineError.unknownWorkflow(id) }
        return versions.sorted { $0.version < $1.version }
    }

    /// Every stored version of every workflow.
    public func workflowVersions() async throws -> [StoredWorkflow] {
        try await store.workflows()
    }

    // MARK: - Reading deals

    /// A deal with its workflow version.
    public func deal(id: String) async throws -> DealView {
        guard let record = try await store.deal(id: id) else { throw EngineError.unknownDeal(id) }
        return try await view(of: record)
    }

    /// Deals matching a query.
    public func deals(_ query: DealQuery) async throws -> [DealView] {
        var views: [DealView] = []
        for record in try await store.deals(query) { views.append(try await view(of: record)) }
        return views
    }

    /// A deal's history and audit entries, in order.
    public func history(dealID: String) async throws -> [HistoryRecord] {
        guard try await store.deal(id: dealID) != nil else { throw EngineError.unknownDeal(dealID) }
        return try await store.history(dealID: dealID)
    }

    /// Every transition from the deal's stage, with what stops each one now for `actor`.
    public func transitions(dealID: String, actor: Actor) async throws -> (DealView, [TransitionAvailability]) {
        let actor = try await authorize(actor, action: "deal transitions \(dealID)", dealID: dealID)
        let view = try await deal(id: dealID)
        let now = clock.now()
        let available = view.workflow.transitions(leaving: view.deal.stage).map { transition in
            TransitionAvailability(
                transition: transition,
                blockers: DealMachine.blockers(
                    of: transition,
                    for: view.deal,
                    workflow: view.workflow,
                    actor: actor,
                    now: now
                )
            )
        }
        return (view, available)
    }

    func view(of record: DealRecord) async throws -> DealView {
        let workflow = try await workflow(id: record.workflowID, version: record.workflowVersion)
        return DealView(deal: try Deal(record: record, workflow: workflow), workflow: workflow)
    }

    // MARK: - Who acts

    /// The actor as the roster lets them act: their role from the roster (the one asked for, if they
    /// hold it), or refused, the refusal recorded, when the roster has users and they are not one of them
    /// or do not hold the role. While the roster is empty, or with a store that keeps none, the actor acts
    /// as given.
    public func authorize(_ actor: Actor, action: String, dealID: String? = nil) async throws -> Actor {
        try await check(actor, action: action, dealID: dealID) { Roster.authorize($0, among: $1) }
    }

    /// The actor, if they may change the roster (see ``Roster/mayChange(_:among:)``); otherwise the
    /// refusal is recorded and thrown.
    func authorizeRosterChange(_ actor: Actor, action: String) async throws -> Actor {
        try await check(actor, action: action, dealID: nil) { Roster.mayChange($0, among: $1) }
    }

    private func check(
        _ actor: Actor,
        action: String,
        dealID: String?,
        rule: (Actor, [RosterUser]) -> Result<Actor, RosterRefusal>
    ) async throws -> Actor {
        guard !actor.isSystem, let roster = store as? any RosterStore else { return actor }
        switch rule(actor, try await roster.users()) {
        case .success(let acting): return acting
        case .failure(let refusal):
            try await roster.recordRefusal(
                AccessRefusal(
                    at: clock.now(),
                    actor: actor.id,
                    role: actor.role,
                    action: action,
                    dealID: dealID,
                    reason: refusal.reason
                )
            )
            throw EngineError.actorRefused(actor: actor.id, action: action, reason: refusal.reason)
        }
    }

    // MARK: - Changing deals

    /// Starts a deal in the workflow's initial stage, on its highest version.
    public func create(
        workflowID: String,
        id: String? = nil,
        owner: String? = nil,
        input: [FieldInput],
        actor: Actor
    ) async throws -> DealView {
        let started = ContinuousClock.now
        defer { metrics.finished("create", since: started) }
        let actor = try await authorize(actor, action: "deal create --workflow \(workflowID)", dealID: nil)
        let workflow = try await workflow(id: workflowID)
        let dealID = id ?? identifiers.next("deal")
        let decision = DealMachine.decide(
            .create(id: dealID, owner: owner, input: input),
            deal: nil,
            workflow: workflow,
            actor: actor,
            now: clock.now()
        )
        guard case .applied(let change) = decision else { throw error(for: decision, dealID: dealID) }
        do {
            let committed = record(change, workflow: workflow)
            try await store.commit([committed])
            metrics.committed(committed)
        } catch StoreError.duplicateDeal(let id) {
            throw EngineError.duplicateDeal(id)
        }
        return DealView(deal: change.deal, workflow: workflow)
    }

    /// Changes field values; returns the deal and the changes made (none when it already had the values).
    public func update(
        dealID: String,
        input: [FieldInput],
        actor: Actor
    ) async throws -> (DealView, changes: [FieldChange]) {
        let started = ContinuousClock.now
        defer { metrics.finished("update", since: started) }
        let changed = try await change(dealID, actor: actor, action: "deal set \(dealID)") { [clock] current, acting in
            DealMachine.decide(
                .update(input: input),
                deal: current.deal,
                workflow: current.workflow,
                actor: acting,
                now: clock.now()
            )
        }
        return (changed.view, changed.applied?.entry.changes ?? [])
    }

    /// What a command decided on a deal, as ``act(on:actor:action:idempotency:_:)`` hands it back.
    enum Step<Outcome: Sendable>: Sendable {
        /// Decided: what the command goes on with once its writing is committed.
        case decided(Outcome)
        /// Refused, its writing (the refusal) kept: thrown once that is committed.
        case failed(EngineError)
        /// The deal's workflow version is not loaded yet: load it, then act again.
        case needsWorkflow(id: String, version: Int)
    }

    /// Runs one command on one deal: checks the actor against the roster, reads the deal, lets `decide`
    /// choose what to write, writes it, and counts a committed change in the metrics. On a
    /// ``SerializedDealStore`` that is one transaction. On any other store it is separate reads and a
    /// commit that is a compare-and-set: when another process changed the deal or used the idempotency
    /// key meanwhile, the command reads again and decides again (a fire with an expected version then
    /// finds the deal at another one).
    ///
    /// `decide` gets the actor as the roster lets them act and the deal with its workflow. It may run
    /// inside the store's transaction: it must not wait. With `idempotency`, a key already used is
    /// replayed once the roster has let the actor act, before the deal is read: a repeat needs neither
    /// the deal's fields nor its workflow to read.
    func act<Outcome: Sendable>(
        on dealID: String,
        actor: Actor,
        action: String,
        idempotency: (key: String, replay: @Sendable (IdempotentResult) throws -> Outcome)? = nil,
        _ decide: @escaping @Sendable (_ acting: Actor, _ current: DealView) throws -> (DealWriting, Step<Outcome>)
    ) async throws -> (outcome: Outcome, receipt: ChangeReceipt?) {
        for _ in 0..<Engine.attempts {
            let now = clock.now()
            let written: (step: Step<Outcome>, change: DealChange?)
            let receipt: ChangeReceipt?
            do {
                (written, receipt) = try await transact(dealID: dealID, idempotencyKey: idempotency?.key) {
                    [self] reading -> (DealWriting, (Step<Outcome>, DealChange?)) in
                    var acting = actor
                    switch Roster.authorize(actor, among: reading.users) {
                    case .success(let authorized): acting = authorized
                    case .failure(let refusal):
                        let record = AccessRefusal(
                            at: now,
                            actor: actor.id,
                            role: actor.role,
                            action: action,
                            dealID: dealID,
                            reason: refusal.reason
                        )
                        let error = EngineError.actorRefused(actor: actor.id, action: action, reason: refusal.reason)
                        return (DealWriting(refusal: record), (.failed(error), nil))
                    }
                    if let idempotency, let first = reading.idempotentResult {
                        return (DealWriting(), (.decided(try idempotency.replay(first)), nil))
                    }
                    guard let record = reading.deal else { throw EngineError.unknownDeal(dealID) }
                    guard let workflow = cachedWorkflow(id: record.workflowID, version: record.workflowVersion) else {
                        let step = Step<Outcome>.needsWorkflow(id: record.workflowID, version: record.workflowVersion)
                        return (DealWriting(), (step, nil))
                    }
                    let current = DealView(deal: try Deal(record: record, workflow: workflow), workflow: workflow)
                    let (writing, step) = try decide(acting, current)
                    return (writing, (step, writing.change))
                }
            } catch StoreError.versionConflict, StoreError.idempotencyKeyUsed {
                continue  // Another process got there first: read and decide again on what it left.
            }
            if let change = written.change { metrics.committed(change) }
            switch written.step {
            case .decided(let outcome): return (outcome, receipt)
            case .failed(let error): throw error
            case .needsWorkflow(let id, let version): _ = try await workflow(id: id, version: version)
            }
        }
        throw EngineError.contention(dealID)
    }

    /// ``SerializedDealStore/transact(dealID:idempotencyKey:_:)`` on any store: one transaction on a
    /// serialized one; on another, the reads, then the writes, the change as a compare-and-set.
    private func transact<Outcome: Sendable>(
        dealID: String,
        idempotencyKey: String?,
        _ decide: @escaping @Sendable (DealReading) throws -> (DealWriting, Outcome)
    ) async throws -> (outcome: Outcome, receipt: ChangeReceipt?) {
        if let serialized {
            return try await serialized.transact(dealID: dealID, idempotencyKey: idempotencyKey, decide)
        }
        let roster = store as? any RosterStore
        var reading = DealReading(deal: nil, users: try await roster?.users() ?? [], idempotentResult: nil)
        if let idempotencyKey {
            reading.idempotentResult = try await store.idempotentResult(dealID: dealID, key: idempotencyKey)
        }
        reading.deal = try await store.deal(id: dealID)
        if let deal = reading.deal {
            // Saves `act` a second round of reads. Not an error swallowed: a workflow that does not load
            // leaves the cache empty, `decide` answers `needsWorkflow`, and `act` loads it again and
            // throws, after the roster has had its say.
            _ = try? await workflow(id: deal.workflowID, version: deal.workflowVersion)
        }
        let (writing, outcome) = try decide(reading)
        if let refusal = writing.refusal { try await roster?.recordRefusal(refusal) }
        if let attempt = writing.attempt { try await store.recordAttempt(attempt) }
        guard let change = writing.change else { return (outcome, nil) }
        return (outcome, try await store.commit([change]).first)
    }

    /// What ``change(_:actor:action:decide:)`` did.
    struct Changed: Sendable {
        /// The deal after the change.
        var view: DealView
        /// The deal before it.
        var before: DealView
        /// What was applied and committed; `nil` when the decision was that nothing changes.
        var applied: AppliedChange?
        /// The store's receipt of the commit.
        var receipt: ChangeReceipt?
    }

    /// Decides a change of one deal on its current state and commits it, through
    /// ``act(on:actor:action:idempotency:_:)``. `decide` gets the deal and the actor as the roster lets
    /// them act. For every command but `fire`, whose blocked attempts and idempotency keys need more.
    func change(
        _ dealID: String,
        actor: Actor,
        action: String,
        decide: @escaping @Sendable (_ current: DealView, _ acting: Actor) -> Decision
    ) async throws -> Changed {
        var (changed, receipt) = try await act(on: dealID, actor: actor, action: action) {
            [self] acting, current -> (DealWriting, Step<Changed>) in
            let decision = decide(current, acting)
            switch decision {
            case .unchanged:
                return (DealWriting(), .decided(Changed(view: current, before: current)))
            case .applied(let applied):
                let after = DealView(deal: applied.deal, workflow: current.workflow)
                return (
                    DealWriting(change: record(applied, workflow: current.workflow)),
                    .decided(Changed(view: after, before: current, applied: applied))
                )
            case .rejected, .blocked, .refused:
                throw error(for: decision, dealID: dealID)
            }
        }
        changed.receipt = receipt
        return changed
    }

    /// What a fire came to, before its metrics are counted.
    private enum FireOutcome: Sendable {
        case fired(AppliedChange, ValidatedWorkflow)
        case replayed(FireResult)
        case stopped(AuditEntry, workflowID: String, EngineError)
    }

    /// Fires a transition. With `expectVersion`, a deal at another version is a conflict; with an
    /// idempotency key, a repeat returns the first result and changes nothing.
    public func fire(
        dealID: String,
        transition: String,
        input: [FieldInput] = [],
        note: String? = nil,
        expectVersion: Int? = nil,
        idempotencyKey: String? = nil,
        actor: Actor
    ) async throws -> FireResult {
        let started = ContinuousClock.now
        defer { metrics.finished("fire", since: started) }
        let request = Engine.describe(transition: transition, input: input, note: note)
        @Sendable func replay(_ first: IdempotentResult, key: String) throws -> FireResult {
            guard first.request == request else {
                throw EngineError.invalidInput(
                    Rejection(
                        .invalidValue,
                        "idempotency key '\(key)' was already used on deal '\(dealID)' for another request (\(first.request)); "
                            + "use a new key for a new request"
                    )
                )
            }
            return try FireResult(replaying: first.result)
        }
        let (outcome, receipt) = try await act(
            on: dealID,
            actor: actor,
            action: "deal fire \(dealID) \(transition)",
            idempotency: idempotencyKey.map { key in (key, { .replayed(try replay($0, key: key)) }) }
        ) { [self] acting, current -> (DealWriting, Step<FireOutcome>) in
            if let expectVersion, current.deal.version != expectVersion {
                throw EngineError.conflict(dealID: dealID, expected: expectVersion, actual: current.deal.version)
            }
            let decision = DealMachine.decide(
                .fire(transition: transition, input: input, note: note),
                deal: current.deal,
                workflow: current.workflow,
                actor: acting,
                now: clock.now()
            )
            switch decision {
            case .applied(let change):
                var record = record(change, workflow: current.workflow)
                if let idempotencyKey {
                    let workflow = current.workflow
                    record.idempotency = (
                        idempotencyKey,
                        request,
                        { receipt in
                            FireResult(change: change, workflow: workflow, tasksCancelled: receipt.tasksCancelled)
                                .json.rendered(compact: true)
                        }
                    )
                }
                return (DealWriting(change: record), .decided(.fired(change, current.workflow)))
            case .blocked(let attempt), .refused(let attempt):
                let stopped = FireOutcome.stopped(
                    attempt,
                    workflowID: current.workflow.id,
                    error(for: decision, dealID: dealID)
                )
                return (DealWriting(attempt: attempt.record), .decided(stopped))
            default:
                throw error(for: decision, dealID: dealID)
            }
        }
        switch outcome {
        case .fired(let change, let workflow):
            return FireResult(change: change, workflow: workflow, tasksCancelled: receipt?.tasksCancelled ?? 0)
        case .replayed(let result):
            return result
        case .stopped(let attempt, let workflowID, let error):
            metrics.attempted(attempt, workflow: workflowID)
            throw error
        }
    }

    /// `fire propose --set amount=5000 --note "..."`: what an idempotency key stands for.
    static func describe(transition: String, input: [FieldInput], note: String?) -> String {
        var words = ["fire", transition]
        for item in input.sorted(by: { $0.field < $1.field }) {
            switch item.given {
            case .clear: words.append("--set \(item.field)=")
            case .text(let text): words.append("--set \(item.field)=\(text)")
            case .value(let value): words.append("--set \(item.field)=\(FieldValues.storedText(value) ?? "")")
            }
        }
        if let note { words.append("--note \(Value.quoted(note))") }
        return words.joined(separator: " ")
    }

    private func error(for decision: Decision, dealID: String) -> EngineError {
        switch decision {
        case .rejected(let rejection): return .invalidInput(rejection)
        case .blocked(let attempt):
            return .blocked(dealID: dealID, transition: attempt.transition, blockers: attempt.blockers)
        case .refused(let attempt):
            return .roleNotAllowed(dealID: dealID, transition: attempt.transition, blocker: attempt.blockers[0])
        case .applied, .unchanged: preconditionFailure("not an error")
        }
    }

    // MARK: - Records

    /// The store records of a decided change: titles rendered, ids given.
    func record(_ change: AppliedChange, workflow: ValidatedWorkflow) -> DealChange {
        record(change, entries: [change.entry], workflow: workflow)
    }

    func record(_ change: AppliedChange, entries: [HistoryEntry], workflow: ValidatedWorkflow) -> DealChange {
        let deal = change.deal
        let firstVersion = deal.version - entries.count + 1
        let history = entries.enumerated().map { offset, entry in
            HistoryRecord(
                dealID: deal.id,
                dealVersion: firstVersion + offset,
                kind: entry.kind.rawValue,
                at: entry.at,
                actor: entry.actor,
                role: entry.role,
                transition: entry.transition,
                from: entry.from,
                to: entry.to,
                changes: FieldChange.json(entry.changes).rendered(compact: true),
                blockers: nil,
                note: entry.note
            )
        }
        let now = entries.last?.at ?? clock.now()
        let tasks = change.tasks.map { taskRecord($0, deal: deal, workflow: workflow, at: now) }
        let timers = change.timers.map { timerRecord($0, dealID: deal.id, workflow: workflow, at: now) }
        let events = change.events.map {
            EventRecord(
                type: $0.type,
                dealID: deal.id,
                workflowID: workflow.id,
                at: now,
                data: $0.data.rendered(compact: true)
            )
        }
        return DealChange(
            deal: deal.record(workflow: workflow),
            expectedVersion: change.previousVersion,
            history: history,
            cancellations: change.cancellations,
            tasks: tasks,
            timers: timers,
            events: events,
            handover: change.handover
        )
    }
}

extension Engine {
    /// The stored task of a new one: its title rendered with the deal's values, an id given.
    func taskRecord(_ task: NewTask, deal: Deal, workflow: ValidatedWorkflow, at now: Date) -> TaskRecord {
        TaskRecord(
            id: identifiers.next("task"),
            dealID: deal.id,
            workflowID: workflow.id,
            title: TitleRenderer.render(task.title, deal: deal, workflow: workflow),
            kind: task.kind.rawValue,
            assignee: task.assignee,
            dueAt: task.dueAt,
            status: "open",
            stage: task.stage,
            keep: task.keep,
            escalateAt: task.escalation?.at,
            escalateTo: task.escalation?.to,
            timerIndex: task.timerIndex,
            createdAt: now
        )
    }

    /// The stored timer of a new one.
    func timerRecord(_ timer: NewTimer, dealID: String, workflow: ValidatedWorkflow, at now: Date) -> TimerRecord {
        let (effect, transition): (String, String?) =
            switch timer.effect {
            case .fire(let name): ("fire", name)
            case .nextTask: ("next_task", nil)
            }
        return TimerRecord(
            id: identifiers.next("timer"),
            dealID: dealID,
            workflowID: workflow.id,
            stage: timer.stage,
            timerIndex: timer.index,
            dueAt: timer.dueAt,
            zone: timer.zone,
            effect: effect,
            transition: transition,
            every: timer.every?.description,
            status: "pending",
            late: timer.isLate,
            createdAt: now,
            anchorAt: timer.anchor,
            occurrence: timer.occurrence
        )
    }
}

extension AuditEntry {
    /// The audit row of a refused or blocked attempt.
    var record: HistoryRecord {
        HistoryRecord(
            dealID: dealID,
            dealVersion: nil,
            kind: kind.rawValue,
            at: at,
            actor: actor,
            role: role,
            transition: transition,
            from: stage,
            to: nil,
            changes: "{}",
            blockers: JSONValue.array(blockers.map(\.json)).rendered(compact: true),
            note: note
        )
    }
}

extension FireResult {
    init(change: AppliedChange, workflow: ValidatedWorkflow, tasksCancelled: Int) {
        dealID = change.deal.id
        transition = change.entry.transition ?? ""
        from = change.entry.from ?? ""
        to = change.entry.to ?? ""
        version = change.deal.version
        tasksScheduled = change.tasks.count
        self.tasksCancelled = tasksCancelled
        replayed = false
        source = .fired(change.deal, workflow)
    }

    /// The first result of a fire with the same idempotency key, as it was stored.
    init(replaying stored: String) throws {
        let json = try JSONValue.parse(stored)
        dealID = json["id"]?.text ?? ""
        transition = json["transition"]?.text ?? ""
        from = json["from"]?.text ?? ""
        to = json["to"]?.text ?? ""
        version = json["version"]?.text.flatMap { Int($0) } ?? 0
        tasksScheduled = json["tasks_scheduled"]?.text.flatMap { Int($0) } ?? 0
        tasksCancelled = json["tasks_cancelled"]?.text.flatMap { Int($0) } ?? 0
        replayed = true
        source = .stored(json)
    }
}

extension Deal {
    /// A stored deal, its field values read back by the schema of its workflow version.
    init(record: DealRecord, workflow: ValidatedWorkflow) throws {
        var fields = [Value](repeating: .null, count: workflow.definition.fields.count)
        for (index, field) in workflow.definition.fields.enumerated() {
            guard let text = record.fields[field.name] else { continue }
            switch FieldValues.parse(text, for: field) {
            case .success(let value): fields[index] = value
            case .failure(let rejection):
                throw StoreError.unavailable(
                    "deal '\(record.id)' holds a value that no longer reads: \(rejection.message)"
                )
            }
        }
        self.init(
            id: record.id,
            workflowID: record.workflowID,
            workflowVersion: record.workflowVersion,
            stage: record.stage,
            owner: record.owner,
            fields: fields,
            version: record.version,
            createdAt: record.createdAt,
            updatedAt: record.updatedAt,
            enteredStageAt: record.enteredStageAt,
            outcome: record.outcome.flatMap(Outcome.init)
        )
    }

    /// The deal as stored: field values as text, by name.
    func record(workflow: ValidatedWorkflow) -> DealRecord {
        var texts: [String: String] = [:]
        for (index, field) in workflow.definition.fields.enumerated() {
            if let text = FieldValues.storedText(fields[index]) { texts[field.name] = text }
        }
        return DealRecord(
            id: id,
            workflowID: workflowID,
            workflowVersion: workflowVersion,
            stage: stage,
            owner: owner,
            fields: texts,
            version: version,
            createdAt: createdAt,
            updatedAt: updatedAt,
            enteredStageAt: enteredStageAt,
            outcome: outcome?.rawValue
        )
    }
}
