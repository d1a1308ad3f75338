import DealFlowCore
import Foundation
import Synchronization

/// Fires what is due: task reminders, escalations of overdue tasks, and timers (a `fire:` timer's
/// transition as the `system` actor, a repeating task timer's next task).
///
/// Every item fires at least once and its effects are written exactly once: the store claims an item
/// and writes its effects in one transaction (``SchedulerStore/perform(_:)``), and an item claimed once
/// cannot be claimed again. What is due is decided at the scheduler's clock, so that a test or a demo
/// moves time by hand; or, with `usesStoreClock`, at a shared store's clock, so that schedulers on
/// machines whose clocks drift agree.
///
/// ```swift
/// let scheduler = Scheduler(store: store, clock: SystemClock())
/// let report = try await scheduler.fireDue()   // `dealflow scheduler run --once`
/// try await scheduler.run()                   // `dealflow scheduler run`, until stop()
/// ```
public final class Scheduler: Sendable {
    /// Where due items are found and fired.
    public let store: any SchedulerStore
    /// Where the time comes from.
    public let clock: any EngineClock
    /// How many items one transaction claims at most: a backlog is worked through in batches of this
    /// size (in a catch-up pass on SQLite, the next decided while a batch of reminders commits).
    public let batchSize: Int
    /// How often a sleeping scheduler checks whether another process scheduled something earlier.
    public let changePollInterval: Duration
    /// Where claims, reminders, their lateness and timer transitions are counted.
    public let metrics: EngineMetrics
    /// Whether "now" is the store's shared clock where it has one (PostgreSQL's), so that schedulers
    /// on machines whose clocks drift agree on what is due. `false` for a given `--now` or a test clock.
    public let usesStoreClock: Bool
    private let engine: Engine
    private let stopRequested = Atomic<Bool>(false)

    /// Creates a scheduler.
    public init(
        store: any SchedulerStore,
        clock: any EngineClock = SystemClock(),
        identifiers: any IdentifierSource = RandomIdentifiers(),
        batchSize: Int = 500,
        changePollInterval: Duration = .seconds(1),
        metrics: EngineMetrics = .none,
        usesStoreClock: Bool = false
    ) {
        precondition(batchSize > 0, "a batch holds at least one item")
        self.store = store
        self.clock = clock
        self.batchSize = batchSize
        self.changePollInterval = changePollInterval
        self.metrics = metrics
        self.usesStoreClock = usesStoreClock
        engine = Engine(store: store, clock: clock, identifiers: identifiers, metrics: metrics)
    }

    /// What a pass or a batch fired.
    public struct Report: Hashable, Sendable {
        /// Task reminders written.
        public var reminders = 0
        /// Escalations written.
        public var escalations = 0
        /// Timer transitions that fired.
        public var transitions = 0
        /// Timer transitions blocked by guards, roles or failing actions (recorded, not retried).
        public var blocked = 0
        /// Tasks created by repeating task timers.
        public var tasksCreated = 0
        /// Timers that no longer applied (their deal had left the stage) and were closed.
        public var obsolete = 0
        /// Timers that could not be decided because their deal or workflow no longer reads; closed as
        /// `failed`, each with a `timer.blocked` event saying why.
        public var failed = 0
        /// Items another scheduler fired, or that were closed or snoozed, between reading and claiming.
        public var skipped = 0
        /// Items whose deal changed between deciding and claiming; they stay due and fire again.
        public var conflicts = 0
        /// The largest delay from due to fired among the items fired, in seconds.
        public var maxLateness: TimeInterval = 0

        /// Creates an empty report.
        public init() {}

        /// Items whose effects were written.
        public var fired: Int { reminders + escalations + transitions + blocked + tasksCreated + obsolete + failed }

        /// Adds another report's counts to this one.
        public mutating func add(_ other: Report) {
            reminders += other.reminders
            escalations += other.escalations
            transitions += other.transitions
            blocked += other.blocked
            tasksCreated += other.tasksCreated
            obsolete += other.obsolete
            failed += other.failed
            skipped += other.skipped
            conflicts += other.conflicts
            maxLateness = max(maxLateness, other.maxLateness)
        }
    }

    // MARK: - Passes

    /// Fires everything due at `now` (the clock's time by default), batch after batch, including what
    /// the firings themselves make due (a timer's task that is already due reminds in the same pass).
    ///
    /// On a store that reads snapshots (``SchedulerStore/readsDueItemsFromASnapshot``, SQLite), a batch
    /// of reminders and escalations commits while the next batch is read and decided: its commit only
    /// marks its own tasks, so the next read, leaving its items out, finds the same items whether it
    /// sees that commit or not. A batch with timers may move deals, cancel tasks and create items due
    /// already, so it commits before the next read, as every batch does on a store whose reads lease
    /// rows (PostgreSQL). Either way, with no other process changing the tasks meanwhile, a pass fires
    /// what firing batch after batch would, in the same order, whatever the timing (a task snoozed by
    /// another process during a commit may fire a batch later); a stop lets the batch in hand commit
    /// first.
    public func fireDue(at now: Date? = nil) async throws -> Report {
        let now = try await currentTime(given: now)
        var total = Report()
        var fruitless = 0
        /// Adds a committed batch's report; `false` when the pass should stop: items whose deals keep
        /// changing under them are decided again only a bounded number of times.
        func counted(_ report: Report) -> Bool {
            total.add(report)
            fruitless = report.fired + report.skipped == 0 ? fruitless + 1 : 0
            return fruitless < Engine.attempts
        }
        var decided: DecidedBatch?
        while !isStopping {
            var commit: Task<Report, any Error>?
            var inFlight: [DueItem] = []
            if let batch = decided {
                decided = nil
                if batch.hasTimers || !store.readsDueItemsFromASnapshot {
                    guard counted(try await self.commit(batch.firings, at: now, batchStarted: batch.started)) else {
                        break
                    }
                } else {
                    commit = Task { try await self.commit(batch.firings, at: now, batchStarted: batch.started) }
                    inFlight = batch.items
                }
            }
            let started = ContinuousClock.now
            let items: [DueItem]
            let firings: [Firing]
            do {
                items = try await store.dueItems(dueBy: now, limit: batchSize, excluding: inFlight)
                firings = try await self.firings(for: items, at: now)
            } catch {
                // What the batch before commits is fired: it finishes before the failure is reported.
                _ = try? await commit?.value
                throw error
            }
            if let commit {
                guard counted(try await commit.value) else { break }
            } else if items.isEmpty {
                break  // A read after every commit found nothing: the pass is done.
            }
            if !items.isEmpty { decided = DecidedBatch(items: items, firings: firings, started: started) }
        }
        if let batch = decided {
            total.add(try await commit(batch.firings, at: now, batchStarted: batch.started))
        }
        return total
    }

    /// A batch decided and not yet committed.
    private struct DecidedBatch {
        let items: [DueItem]
        let firings: [Firing]
        /// Whether it holds timers, whose commit may change what is due next.
        let hasTimers: Bool
        let started: ContinuousClock.Instant

        init(items: [DueItem], firings: [Firing], started: ContinuousClock.Instant) {
            self.items = items
            self.firings = firings
            hasTimers = items.contains {
                if case .timer = $0 { true } else { false }
            }
            self.started = started
        }
    }

    /// Fires one batch of what is due at `now`: the items that fell due after `freshSince` first (up
    /// to a quarter of the batch, so that a backlog never starves fresh work), then the oldest. Returns
    /// whether more may be due.
    public func fireBatch(at now: Date, freshSince: Date?) async throws -> (report: Report, more: Bool) {
        let started = ContinuousClock.now
        var items: [DueItem] = []
        if let freshSince {
            items = try await store.dueItems(dueBy: now, since: freshSince, limit: max(1, batchSize / 4))
        }
        let backlog = try await store.dueItems(dueBy: now, since: nil, limit: batchSize)
        if items.isEmpty {
            items = backlog
        } else {
            var keys = Set(items.map(\.key))
            for item in backlog where items.count < batchSize && keys.insert(item.key).inserted { items.append(item) }
        }
        guard !items.isEmpty else {
            metrics.finished("scheduler_batch", since: started)
            return (Report(), false)
        }
        let report = try await commit(try await firings(for: items, at: now), at: now, batchStarted: started)
        return (report, backlog.count >= batchSize || report.conflicts > 0)
    }

    /// Decides each item: what its firing writes.
    private func firings(for items: [DueItem], at now: Date) async throws -> [Firing] {
        var firings: [Firing] = []
        firings.reserveCapacity(items.count)
        let firedAt = DateTimeFormat.iso8601(now)
        for item in items { firings.append(try await firing(for: item, at: now, firedAt: firedAt)) }
        return firings
    }

    /// Claims and writes a batch's firings in one transaction, and counts what they did; the batch's
    /// time, from its read to its commit, goes to the `scheduler_batch` duration.
    private func commit(
        _ firings: [Firing],
        at now: Date,
        batchStarted: ContinuousClock.Instant
    ) async throws
        -> Report
    {
        defer { metrics.finished("scheduler_batch", since: batchStarted) }
        let outcomes = try await store.perform(firings)
        var report = Report()
        for (firing, outcome) in zip(firings, outcomes) {
            switch outcome {
            case .skipped: report.skipped += 1
            case .conflict: report.conflicts += 1
            case .performed:
                report.maxLateness = max(report.maxLateness, now.timeIntervalSince(firing.item.dueAt))
                metrics.performed(firing, lateness: now.timeIntervalSince(firing.item.dueAt))
                switch firing.item {
                case .reminder: report.reminders += 1
                case .escalation: report.escalations += 1
                case .timer:
                    if firing.change != nil {
                        report.transitions += 1
                    } else if firing.attempt != nil {
                        report.blocked += 1
                    } else if firing.timerStatus == "cancelled" {
                        report.obsolete += 1
                    } else if firing.timerStatus == "failed" {
                        report.failed += 1
                    } else {
                        report.tasksCreated += 1
                    }
                }
            }
        }
        return report
    }

    // MARK: - The daemon

    /// Runs until ``stop()`` is called or the task is cancelled: fires what is due, then sleeps until the
    /// next item falls due, waking early when another process commits a change (it may have scheduled
    /// something sooner). A stop lets the batch in hand commit first.
    ///
    /// - Parameter onBatch: called after each batch that did something.
    /// A failing batch (the database unavailable longer than its busy timeout, say) commits nothing; it
    /// is reported to `onError` and tried again after a pause that doubles up to 30 seconds, so that a
    /// passing problem does not stop the daemon.
    ///
    /// - Parameters:
    ///   - onBatch: called after each batch that did something.
    ///   - onError: called with each failure, and the seconds until the next attempt.
    public func run(
        onBatch: @Sendable (Report) -> Void = { _ in },
        onError: @Sendable (any Error, Int) -> Void = { _, _ in }
    ) async throws {
        var lastPass: Date?
        var failures = 0
        while !isStopping {
            do {
                let now = try await currentTime()
                let (report, more) = try await fireBatch(at: now, freshSince: lastPass)
                failures = 0
                lastPass = now
                let didSomething = report.fired + report.skipped + report.conflicts > 0
                if didSomething { onBatch(report) }
                // After a batch that found nothing although something looked due (held by another
                // scheduler, locked for a moment), nap before looking again rather than spin.
                if !more { try await sleepUntilDue(atLeast: didSomething ? .zero : changePollInterval) }
            } catch is CancellationError {
                break  // Stopped: not a failure to report.
            } catch {
                failures += 1
                let pause = min(30, 1 << min(failures - 1, 5))
                onError(error, pause)
                // Claimed items are not kept through the pause: another scheduler may fire them.
                try? await store.releaseClaims()
                let resume = ContinuousClock.now + .seconds(pause)
                while !isStopping && ContinuousClock.now < resume { try? await Task.sleep(for: .milliseconds(250)) }
            }
        }
        // What this process claimed and did not fire goes back now, not when its lease runs out; in a
        // task of its own, so that the cancellation that stopped the loop does not stop this too.
        await Task { [store] in try? await store.releaseClaims() }.value
    }

    /// Asks a running ``run(onBatch:onError:)`` to return after the batch in hand.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    private var isStopping: Bool { stopRequested.load(ordering: .relaxed) || Task.isCancelled }

    /// The instant to fire at: `given`, else the store's shared clock when this scheduler uses it,
    /// else `clock`'s.
    private func currentTime(given: Date? = nil) async throws -> Date {
        if let given { return given }
        if usesStoreClock, let shared = try await store.sharedNow() { return shared }
        return clock.now()
    }

    /// The longest nap between two looks at the schedule, whatever the change token says: a change
    /// notification lost with a connection is found within it.
    static let longestSleep: Duration = .seconds(30)

    private func sleepUntilDue(atLeast minimum: Duration) async throws {
        let token = try await store.changeToken()
        let next = try await store.nextDueAt()
        let started = ContinuousClock.now
        // The store's clock, followed between naps through the process's, without a query per nap.
        let offset = try await currentTime().timeIntervalSince(clock.now())
        var lastCheck = ContinuousClock.now
        while !isStopping {
            let napped = ContinuousClock.now - started
            if napped >= Self.longestSleep { return }
            let now = clock.now().addingTimeInterval(offset)
            if let next, next <= now, napped >= minimum { return }
            // Short naps, so that a stop is honoured promptly; exact ones when the next item is close.
            var pause = Duration.milliseconds(250)
            if let next, next > now {
                pause = min(pause, .milliseconds(Int64(next.timeIntervalSince(now) * 1000) + 1))
            }
            if napped < minimum { pause = min(pause, minimum - napped) }
            try? await Task.sleep(for: pause)
            if ContinuousClock.now - lastCheck >= changePollInterval {
                lastCheck = ContinuousClock.now
                if try await store.changeToken() != token { return }
            }
        }
    }

    // MARK: - Deciding one item

    private func firing(for item: DueItem, at now: Date, firedAt: String) async throws -> Firing {
        let lateness: [(String, JSONValue)] = [
            ("fired_at", .string(firedAt)),
            ("late_seconds", .int(max(0, Int(now.timeIntervalSince(item.dueAt).rounded(.down))))),
        ]
        switch item {
        case .reminder(let task):
            let data = task.json.adding(lateness)
            return Firing(item: item, firedAt: now, events: [event("task.reminder", task, data, item, now)])
        case .escalation(let task):
            let data = task.json.adding([("escalate_to", .string(task.escalateTo ?? task.assignee))] + lateness)
            return Firing(item: item, firedAt: now, events: [event("task.escalated", task, data, item, now)])
        case .timer(let timer):
            return try await firing(for: timer, item: item, at: now, lateness: lateness)
        }
    }

    private func event(
        _ type: String,
        _ task: TaskRecord,
        _ data: JSONValue,
        _ item: DueItem,
        _ now: Date
    )
        -> EventRecord
    {
        EventRecord(
            type: type,
            dealID: task.dealID,
            workflowID: task.workflowID,
            at: now,
            data: data.rendered(compact: true),
            key: item.key
        )
    }

    private func firing(
        for timer: TimerRecord,
        item: DueItem,
        at now: Date,
        lateness: [(String, JSONValue)]
    ) async throws -> Firing {
        guard let record = try await store.deal(id: timer.dealID) else {
            return Firing(item: item, firedAt: now, timerStatus: "cancelled")
        }
        // A database failure stops the batch (nothing is claimed); a deal or workflow that no longer
        // reads is this one item's problem.
        let workflow: ValidatedWorkflow
        let deal: Deal
        do {
            workflow = try await engine.workflow(id: record.workflowID, version: record.workflowVersion)
        } catch let error as EngineError {
            return unreadable(timer, item, record, reason: error.description, at: now, lateness: lateness)
        }
        do {
            deal = try Deal(record: record, workflow: workflow)
        } catch {
            return unreadable(timer, item, record, reason: "\(error)", at: now, lateness: lateness)
        }
        let due = DueTimer(
            stage: timer.stage,
            index: timer.timerIndex,
            dueAt: timer.dueAt,
            anchor: timer.anchorAt,
            occurrence: timer.occurrence
        )
        let decision = DealMachine.fire(due, on: deal, workflow: workflow, now: now)
        let next = decision.next.map { engine.timerRecord($0, dealID: deal.id, workflow: workflow, at: now) }
        switch decision.outcome {
        case .fired(var change):
            // The transition's event says which timer fired it, how late, and carries the item's key.
            change.events = change.events.map {
                $0.type == "deal.transitioned" ? $0.adding([("timer", .string(timer.id))] + lateness) : $0
            }
            var dealChange = engine.record(change, workflow: workflow)
            dealChange.events = dealChange.events.map { event in
                var keyed = event
                if event.type == "deal.transitioned" { keyed.key = item.key }
                return keyed
            }
            return Firing(item: item, firedAt: now, change: dealChange)
        case .blocked(let attempt):
            return Firing(
                item: item,
                firedAt: now,
                timerStatus: "blocked",
                attempt: attempt.record,
                timers: next.map { [$0] } ?? [],
                events: [
                    blockedEvent(timer, item, stage: deal.stage, attempt.transition, attempt.blockers, now, lateness)
                ]
            )
        case .task(let task):
            return Firing(
                item: item,
                firedAt: now,
                tasks: [engine.taskRecord(task, deal: deal, workflow: workflow, at: now)],
                timers: next.map { [$0] } ?? []
            )
        case .obsolete:
            return Firing(item: item, firedAt: now, timerStatus: "cancelled")
        }
    }

    /// A `timer.blocked` event: which timer, which transition, and why.
    private func blockedEvent(
        _ timer: TimerRecord,
        _ item: DueItem,
        stage: String,
        _ transition: String,
        _ blockers: [Blocker],
        _ now: Date,
        _ lateness: [(String, JSONValue)]
    ) -> EventRecord {
        let data = JSONValue.object(
            [
                ("deal", .string(timer.dealID)), ("workflow", .string(timer.workflowID)), ("stage", .string(stage)),
                ("transition", .string(transition)), ("timer", .string(timer.id)),
                ("due_at", .string(DateTimeFormat.iso8601(timer.dueAt))), ("blockers", .array(blockers.map(\.json))),
            ] + lateness
        )
        return EventRecord(
            type: "timer.blocked",
            dealID: timer.dealID,
            workflowID: timer.workflowID,
            at: now,
            data: data.rendered(compact: true),
            key: item.key
        )
    }

    /// A timer whose deal or workflow version no longer reads (a stored value or workflow that an
    /// upgrade refuses) cannot be decided: it is closed as `failed` with a `timer.blocked` event saying
    /// why, rather than blocking every batch after it.
    private func unreadable(
        _ timer: TimerRecord,
        _ item: DueItem,
        _ record: DealRecord,
        reason: String,
        at now: Date,
        lateness: [(String, JSONValue)]
    ) -> Firing {
        let blocker = Blocker(kind: .action, expression: timer.transition ?? "next task", message: reason, values: [])
        let transition = timer.transition ?? ""
        return Firing(
            item: item,
            firedAt: now,
            timerStatus: "failed",
            events: [blockedEvent(timer, item, stage: record.stage, transition, [blocker], now, lateness)]
        )
    }
}
