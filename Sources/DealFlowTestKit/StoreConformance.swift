import DealFlowCore
import DealFlowEngine
import Foundation

/// The behaviour every ``DealStore`` backend must have, as checks that throw on the first failure.
///
/// A backend's test target runs each case against a fresh, empty store:
///
/// ```swift
/// @Test(arguments: StoreConformance.Case.allCases)
/// func conforms(_ check: StoreConformance.Case) async throws {
///     try await StoreConformance.run(check, on: try SQLiteStore())
/// }
/// ```
public enum StoreConformance {
    /// One behaviour.
    public enum Case: String, CaseIterable, Sendable {
        case workflowVersionsAreUniqueAndOrdered
        case aNewDealIsInsertedOnce
        case aChangeIsACompareAndSet
        case aCommitIsAllOrNothing
        case historyAndAttemptsShareOneOrder
        case leavingAStageCancelsItsPendingWork
        case anIdempotencyKeyIsUsedOnce
        case dealsAreFilteredAndOrdered
        case aNewOwnerTakesTheOpenTasks
        case aMigrationMovesTheDealAndItsPendingWork
        case tasksAreAddedAndReassignedByHand
        case theRosterChangesAsACompareAndSetAndKeepsRefusals
        case aReadOfDueItemsLeavesOutTheItemsInFlight
        case emptyTextStaysEmptyAndNothingStaysNothing
    }

    /// A failed check.
    public struct Failure: Error, CustomStringConvertible {
        /// What was expected.
        public var description: String
    }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Failure(description: message()) }
    }

    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    static func deal(
        _ id: String,
        version: Int,
        stage: String = "open",
        owner: String = "ana",
        at offset: Int = 0
    ) -> DealRecord {
        let at = start.addingTimeInterval(TimeInterval(offset))
        return DealRecord(
            id: id,
            workflowID: "w",
            workflowVersion: 1,
            stage: stage,
            owner: owner,
            fields: ["amount": "10.50"],
            version: version,
            createdAt: at,
            updatedAt: at,
            enteredStageAt: at,
            outcome: nil
        )
    }

    /// The change that inserts `deal`, with its `created` entry.
    static func creation(_ deal: DealRecord) -> DealChange {
        DealChange(deal: deal, expectedVersion: nil, history: [entry(deal, kind: "created")])
    }

    static func entry(_ deal: DealRecord, kind: String = "updated") -> HistoryRecord {
        HistoryRecord(
            dealID: deal.id,
            dealVersion: deal.version,
            kind: kind,
            at: deal.updatedAt,
            actor: "ana",
            role: "rep",
            transition: nil,
            from: deal.stage,
            to: deal.stage,
            changes: "{}",
            blockers: nil,
            note: nil
        )
    }

    static func task(_ id: String, deal: String, stage: String, keep: Bool = false) -> TaskRecord {
        TaskRecord(
            id: id,
            dealID: deal,
            workflowID: "w",
            title: "Call",
            kind: "call",
            assignee: "ana",
            dueAt: start,
            status: "open",
            stage: stage,
            keep: keep,
            escalateAt: nil,
            escalateTo: nil,
            timerIndex: nil,
            createdAt: start
        )
    }

    static func seed(_ store: any DealStore) async throws {
        try await store.saveWorkflow(
            StoredWorkflow(id: "w", version: 1, source: "workflow: w", file: "w.yaml", appliedAt: start)
        )
    }

    /// Runs one check against a fresh store.
    public static func run(_ check: Case, on store: any DealStore) async throws {
        try await seed(store)
        switch check {
        case .workflowVersionsAreUniqueAndOrdered:
            try await store.saveWorkflow(
                StoredWorkflow(id: "w", version: 3, source: "v3", file: "w.yaml", appliedAt: start)
            )
            try await store.saveWorkflow(
                StoredWorkflow(id: "a", version: 1, source: "a", file: "a.yaml", appliedAt: start)
            )
            do {
                try await store.saveWorkflow(
                    StoredWorkflow(id: "w", version: 3, source: "other", file: "w.yaml", appliedAt: start)
                )
                throw Failure(description: "a second version 3 was accepted")
            } catch StoreError.duplicateWorkflowVersion("w", 3) {}
            try require(
                try await store.workflow(id: "w", version: nil)?.version == 3,
                "the latest version of w is not 3"
            )
            try require(try await store.workflow(id: "w", version: 1)?.source == "workflow: w", "version 1 changed")
            try require(try await store.workflow(id: "x", version: nil) == nil, "an unknown workflow was found")
            let all = try await store.workflows().map { "\($0.id)@\($0.version)" }
            try require(all == ["a@1", "w@1", "w@3"], "workflows are listed as \(all)")
        case .aNewDealIsInsertedOnce:
            let first = deal("d1", version: 1)
            try await store.commit([
                creation(first)
            ])
            do {
                try await store.commit([
                    creation(first)
                ])
                throw Failure(description: "a deal id was inserted twice")
            } catch StoreError.duplicateDeal("d1") {}
            try require(try await store.deal(id: "d1") == first, "the stored deal differs from the one inserted")
        case .aChangeIsACompareAndSet:
            let first = deal("d1", version: 1)
            try await store.commit([
                creation(first)
            ])
            var second = first
            second.version = 2
            second.stage = "won"
            try await store.commit([DealChange(deal: second, expectedVersion: 1, history: [entry(second)])])
            var stale = first
            stale.version = 2
            do {
                try await store.commit([DealChange(deal: stale, expectedVersion: 1, history: [entry(stale)])])
                throw Failure(description: "a change decided on version 1 overwrote version 2")
            } catch StoreError.versionConflict(dealID: "d1", expected: 1, actual: 2) {}
            try require(try await store.deal(id: "d1")?.stage == "won", "the lost update changed the deal")
            try require(try await store.history(dealID: "d1").count == 2, "the refused change left a history entry")
        case .aCommitIsAllOrNothing:
            let first = deal("d1", version: 1)
            let clash = deal("d1", version: 1)
            let other = deal("d2", version: 1)
            do {
                try await store.commit([
                    creation(other),
                    creation(first),
                    creation(clash),
                ])
                throw Failure(description: "a commit with a duplicate deal succeeded")
            } catch StoreError.duplicateDeal {}
            try require(try await store.deal(id: "d2") == nil, "part of a failed commit was written")
        case .historyAndAttemptsShareOneOrder:
            let first = deal("d1", version: 1)
            try await store.commit([
                creation(first)
            ])
            try await store.recordAttempt(
                HistoryRecord(
                    dealID: "d1",
                    dealVersion: nil,
                    kind: "blocked",
                    at: start,
                    actor: "ana",
                    role: "rep",
                    transition: "win",
                    from: "open",
                    to: nil,
                    changes: "{}",
                    blockers: "[]",
                    note: nil
                )
            )
            var second = first
            second.version = 2
            try await store.commit([DealChange(deal: second, expectedVersion: 1, history: [entry(second)])])
            let kinds = try await store.history(dealID: "d1").map(\.kind)
            try require(kinds == ["created", "blocked", "updated"], "history reads \(kinds)")
        case .leavingAStageCancelsItsPendingWork:
            let first = deal("d1", version: 1)
            try await store.commit([
                DealChange(
                    deal: first,
                    expectedVersion: nil,
                    history: [entry(first, kind: "created")],
                    tasks: [task("t1", deal: "d1", stage: "open"), task("t2", deal: "d1", stage: "open", keep: true)]
                )
            ])
            var second = first
            second.version = 2
            second.stage = "won"
            let receipts = try await store.commit([
                DealChange(
                    deal: second,
                    expectedVersion: 1,
                    history: [entry(second, kind: "transitioned")],
                    cancellations: [.stage("open")],
                    tasks: [task("t3", deal: "d1", stage: "won")]
                )
            ])
            try require(
                receipts.first?.tasksCancelled == 1,
                "\(receipts.first?.tasksCancelled ?? -1) tasks were cancelled, not 1"
            )
            let open = try await store.openTasks(dealID: "d1").map(\.id)
            try require(open == ["t2", "t3"], "open tasks are \(open)")
        case .anIdempotencyKeyIsUsedOnce:
            let first = deal("d1", version: 1)
            try await store.commit([
                creation(first)
            ])
            var second = first
            second.version = 2
            try await store.commit([
                DealChange(
                    deal: second,
                    expectedVersion: 1,
                    history: [entry(second)],
                    idempotency: ("k", "fire a", { receipt in "first, \(receipt.tasksCancelled) cancelled" })
                )
            ])
            var third = second
            third.version = 3
            do {
                try await store.commit([
                    DealChange(
                        deal: third,
                        expectedVersion: 2,
                        history: [entry(third)],
                        idempotency: ("k", "fire b", { _ in "second" })
                    )
                ])
                throw Failure(description: "an idempotency key was used twice")
            } catch StoreError.idempotencyKeyUsed(dealID: "d1", key: "k", let first) {
                try require(
                    first == IdempotentResult(request: "fire a", result: "first, 0 cancelled"),
                    "the key returned \(first)"
                )
            }
            try require(
                try await store.idempotentResult(dealID: "d1", key: "k")
                    == IdempotentResult(request: "fire a", result: "first, 0 cancelled"),
                "the stored result changed"
            )
            try require(try await store.deal(id: "d1")?.version == 2, "the repeated change was written")
        case .dealsAreFilteredAndOrdered:
            let deals = [
                deal("d3", version: 1, stage: "won", owner: "bo", at: 3), deal("d1", version: 1, at: 1),
                deal("d2", version: 1, owner: "bo", at: 2),
            ]
            try await store.commit(
                deals.map { creation($0) }
            )
            let all = try await store.deals(DealQuery()).map(\.id)
            try require(all == ["d1", "d2", "d3"], "deals are listed as \(all)")
            let bo = try await store.deals(DealQuery(owner: "bo")).map(\.id)
            try require(bo == ["d2", "d3"], "bo's deals are \(bo)")
            let open = try await store.deals(DealQuery(workflowID: "w", stage: "open", limit: 1)).map(\.id)
            try require(open == ["d1"], "the first open deal is \(open)")
            let page = try await store.deals(DealQuery(limit: 1, offset: 1)).map(\.id)
            try require(page == ["d2"], "the second page of one is \(page)")
            let rest = try await store.deals(DealQuery(offset: 1)).map(\.id)
            try require(rest == ["d2", "d3"], "after an offset of one: \(rest)")
            // Stored texts compare byte by byte: "10.50" sorts before "10.6", not before "10.4".
            let below = try await store.deals(DealQuery(fieldBefore: .init(field: "amount", value: "10.6"))).count
            let none = try await store.deals(DealQuery(fieldBefore: .init(field: "amount", value: "10.4"))).count
            let missing = try await store.deals(DealQuery(fieldBefore: .init(field: "close", value: "9"))).count
            try require(below == 3 && none == 0 && missing == 0, "field bounds matched \(below), \(none), \(missing)")
        case .aNewOwnerTakesTheOpenTasks:
            let first = deal("d1", version: 1)
            var escalating = task("t2", deal: "d1", stage: "open")
            escalating.assignee = "manager"
            escalating.escalateTo = "ana"
            var others = task("t3", deal: "d1", stage: "open")
            others.assignee = "cy"
            try await store.commit([
                DealChange(
                    deal: first,
                    expectedVersion: nil,
                    history: [entry(first, kind: "created")],
                    tasks: [task("t1", deal: "d1", stage: "open"), escalating, others]
                )
            ])
            var second = first
            second.version = 2
            second.owner = "bo"
            let receipts = try await store.commit([
                DealChange(
                    deal: second,
                    expectedVersion: 1,
                    history: [entry(second, kind: "reassigned")],
                    handover: TaskHandover(from: "ana", to: "bo")
                )
            ])
            try require(
                receipts.first?.tasksHandedOver == 1,
                "\(receipts.first?.tasksHandedOver ?? -1) tasks moved, not 1"
            )
            let tasks = try await store.openTasks(dealID: "d1")
            let assignees = tasks.map { "\($0.id):\($0.assignee):\($0.escalateTo ?? "-")" }.sorted()
            try require(
                assignees == ["t1:bo:-", "t2:manager:bo", "t3:cy:-"],
                "after the handover the tasks are \(assignees)"
            )
            try require(try await store.deal(id: "d1")?.owner == "bo", "the owner was not written")
        case .aMigrationMovesTheDealAndItsPendingWork:
            var fromTimer = task("t1", deal: "d1", stage: "open")
            fromTimer.timerIndex = 0
            try await store.saveWorkflow(
                StoredWorkflow(id: "w", version: 2, source: "workflow: w # 2", file: "w.yaml", appliedAt: start)
            )
            let first = deal("d1", version: 1)
            try await store.commit([
                DealChange(
                    deal: first,
                    expectedVersion: nil,
                    history: [entry(first, kind: "created")],
                    tasks: [fromTimer],
                    timers: [timer("old", deal: "d1", stage: "open")]
                )
            ])
            var second = first
            second.version = 2
            second.workflowVersion = 2
            second.stage = "opened"
            let receipts = try await store.commit([
                DealChange(
                    deal: second,
                    expectedVersion: 1,
                    history: [entry(second, kind: "migrated")],
                    cancellations: [.migrated(from: "open", to: "opened")],
                    timers: [timer("new", deal: "d1", stage: "opened")]
                )
            ])
            try require(
                receipts.first?.timersCancelled == 1,
                "\(receipts.first?.timersCancelled ?? -1) timers cancelled"
            )
            let stored = try await store.deal(id: "d1")
            try require(
                stored?.workflowVersion == 2 && stored?.stage == "opened",
                "the deal reads v\(stored?.workflowVersion ?? 0) \(stored?.stage ?? "")"
            )
            let timers = try await store.pendingTimers(dealID: "d1").map(\.id)
            try require(timers == ["new"], "pending timers are \(timers)")
            let tasks = try await store.openTasks(dealID: "d1").map { "\($0.id)@\($0.stage)#\($0.timerIndex ?? -1)" }
            try require(tasks == ["t1@opened#-1"], "open tasks are \(tasks)")
        case .tasksAreAddedAndReassignedByHand:
            guard let worklist = store as? any WorklistStore else { throw Failure(description: "no worklist") }
            try await store.commit([creation(deal("d1", version: 1))])
            var added = task("t1", deal: "d1", stage: "open", keep: true)
            added.escalateTo = "ana"
            try await worklist.addTask(
                added,
                entry: TaskLogEntry(taskID: "t1", at: start, actor: "ana", action: "added", detail: nil)
            )
            let entry = TaskLogEntry(taskID: "t1", at: start, actor: "boss", action: "reassigned", detail: "ana -> bo")
            try require(
                try await worklist.reassignTask(id: "t1", from: "ana", to: "bo", entry: entry),
                "the reassignment was refused"
            )
            try require(
                !(try await worklist.reassignTask(id: "t1", from: "ana", to: "cy", entry: entry)),
                "a reassignment from an assignee the task no longer has was accepted"
            )
            let stored = try await worklist.task(id: "t1")
            try require(
                stored?.assignee == "bo" && stored?.escalateTo == "bo",
                "the task reads \(stored?.assignee ?? "") escalating to \(stored?.escalateTo ?? "")"
            )
            let log = try await worklist.taskLog(taskID: "t1").map(\.action)
            try require(log == ["added", "reassigned"], "the task log reads \(log)")
        case .emptyTextStaysEmptyAndNothingStaysNothing:
            let first = deal("d1", version: 1, owner: "")
            var created = entry(first, kind: "created")
            created.role = ""
            created.note = ""
            created.transition = nil
            var kept = task("t1", deal: "d1", stage: "open", keep: true)
            kept.escalateTo = ""
            kept.escalateAt = start
            try await store.commit([
                DealChange(
                    deal: first,
                    expectedVersion: nil,
                    history: [created],
                    tasks: [kept, task("t2", deal: "d1", stage: "open")]
                )
            ])
            let read = try await store.history(dealID: "d1").first
            try require(
                read?.role == "" && read?.note == "" && read?.transition == nil,
                "role \(String(describing: read?.role)), note \(String(describing: read?.note)), transition "
                    + "\(String(describing: read?.transition)) read back"
            )
            try require(try await store.deal(id: "d1")?.owner == "", "the empty owner did not read back empty")
            let tasks = try await store.openTasks(dealID: "d1")
            try require(
                tasks.map(\.keep) == [true, false] && tasks.map(\.escalateTo) == ["", nil]
                    && tasks.map(\.escalateAt) == [start, nil],
                "tasks read back as \(tasks)"
            )
        case .aReadOfDueItemsLeavesOutTheItemsInFlight:
            try await dueItemsLeaveOutTheItemsInFlight(store)
        case .theRosterChangesAsACompareAndSetAndKeepsRefusals:
            guard let roster = store as? any RosterStore else { throw Failure(description: "no roster") }
            try require(try await roster.users().isEmpty, "a new store has users")
            let ana = RosterUser(id: "ana", name: "Ana", roles: ["rep", "admin"])
            let bo = RosterUser(id: "bo", roles: ["rep"])
            try require(
                try await roster.updateRoster(expected: [], to: [ana, bo], at: start),
                "the users were not added"
            )
            try require(
                !(try await roster.updateRoster(expected: [], to: [bo], at: start)),
                "a change made on a roster that changed meanwhile was written"
            )
            var manager = bo
            manager.roles = ["rep", "manager"]
            try require(
                try await roster.updateRoster(expected: [ana, bo], to: [ana, manager], at: start),
                "a grant was refused"
            )
            try require(
                !(try await roster.updateRoster(expected: [ana, bo], to: [ana], at: start)),
                "a removal on stale roles was written"
            )
            let users = try await roster.users()
            try require(users == [ana, manager], "the roster reads \(users)")
            try require(
                try await roster.updateRoster(expected: [ana, manager], to: [ana], at: start),
                "bo was not removed"
            )
            try require(try await roster.users() == [ana], "bo is still on the roster")
            for (index, actor) in ["x", "y", "z"].enumerated() {
                try await roster.recordRefusal(
                    AccessRefusal(
                        at: start.addingTimeInterval(TimeInterval(index)),
                        actor: actor,
                        role: nil,
                        action: "deal note d1",
                        dealID: index == 0 ? "d1" : nil,
                        reason: "not on the roster"
                    )
                )
            }
            let latest = try await roster.refusals(limit: 2).map(\.actor)
            try require(latest == ["y", "z"], "the latest two refusals are \(latest)")
        }
    }

    /// What a pipelined scheduler pass reads while a batch commits: the due items it would read
    /// anyway, less the batch's, and only those (a task's escalation is not its reminder). Checked on
    /// stores that read due items from a snapshot, the only ones a pass reads that way.
    static func dueItemsLeaveOutTheItemsInFlight(_ store: any DealStore) async throws {
        guard let scheduler = store as? any SchedulerStore, scheduler.readsDueItemsFromASnapshot else { return }
        let owner = deal("d1", version: 1)
        let tasks = (1...6).map { index in
            var task = task("t\(index)", deal: "d1", stage: "open")
            task.dueAt = start.addingTimeInterval(TimeInterval(index * 60))
            if index.isMultiple(of: 2) {
                task.escalateAt = start.addingTimeInterval(TimeInterval(index * 60 + 30))
                task.escalateTo = "bo"
            }
            return task
        }
        let timers = (1...2).map { index in
            var timer = timer("x\(index)", deal: "d1", stage: "open")
            timer.dueAt = start.addingTimeInterval(TimeInterval(index * 90))
            return timer
        }
        try await store.commit([
            DealChange(deal: owner, expectedVersion: nil, history: [entry(owner, kind: "created")], tasks: tasks)
        ])
        var moved = owner
        moved.version = 2
        try await store.commit([
            DealChange(deal: moved, expectedVersion: 1, history: [entry(moved)], timers: timers)
        ])
        let now = start.addingTimeInterval(3_600)
        let all = try await scheduler.dueItems(dueBy: now, since: nil, limit: 100)
        try require(all.count == 11, "\(all.count) items are due, not 6 reminders, 3 escalations and 2 timers")
        let inFlight = all.filter {
            switch $0 {
            case .reminder(let task): ["t2", "t3"].contains(task.id)
            case .escalation(let task): task.id == "t4"
            case .timer(let timer): timer.id == "x1"
            }
        }
        let keys = Set(inFlight.map(\.key))
        for limit in [3, 100] {
            let read = try await scheduler.dueItems(dueBy: now, limit: limit, excluding: inFlight).map(\.key)
            let expected = all.map(\.key).filter { !keys.contains($0) }.prefix(limit)
            try require(read == Array(expected), "leaving out \(keys.sorted()), \(limit) items read are \(read)")
        }
        let unexcluded = try await scheduler.dueItems(dueBy: now, limit: 4, excluding: []).map(\.key)
        try require(unexcluded == all.prefix(4).map(\.key), "with nothing left out, the read is \(unexcluded)")
    }

    static func timer(_ id: String, deal: String, stage: String) -> TimerRecord {
        TimerRecord(
            id: id,
            dealID: deal,
            workflowID: "w",
            stage: stage,
            timerIndex: 0,
            dueAt: start.addingTimeInterval(86_400),
            zone: "UTC",
            effect: "fire",
            transition: "go",
            every: nil,
            status: "pending",
            late: false,
            createdAt: start
        )
    }
}
