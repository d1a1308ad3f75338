import DealFlowCore
import Foundation

/// When a task someone adds by hand is due.
public enum TaskDue: Hashable, Sendable {
    /// This long from now, in the workflow's calendar (`2 days`, `3 business days`).
    case after(CalendarDuration)
    /// At the end of this working day (the business calendar's closing time), in the workflow's zone.
    case on(LocalDate)
    /// At this instant.
    case at(Date)
}

/// One deal given to another owner.
public struct Reassignment: Hashable, Sendable {
    public var dealID: String
    public var from: String
    public var to: String
    /// The deal's version after the change.
    public var version: Int
    /// Open tasks that moved with it.
    public var tasksMoved: Int
}

/// What moving a workflow's open deals to another version does, deal by deal.
public struct MigrationPlan: Sendable {
    /// A deal that moves.
    public struct Move: Hashable, Sendable {
        public var dealID: String
        public var fromVersion: Int
        public var fromStage: String
        public var toStage: String
        /// Fields that change on the way: new ones with their default, dropped ones.
        public var fieldChanges: [FieldChange]
        /// Timers of the new stage scheduled (those of the old stage are cancelled).
        public var timersScheduled: Int
        /// Of those, the ones already due: they fire at the scheduler's next run.
        public var timersLate: Int
    }

    /// A deal that stays on its version, and why.
    public struct Stay: Hashable, Sendable {
        public var dealID: String
        public var version: Int
        public var stage: String
        public var reason: String
    }

    public var workflowID: String
    public var targetVersion: Int
    public var moves: [Move]
    public var stays: [Stay]
    /// Whether the moves were written (`false` for a dry run).
    public var applied: Bool
}

extension Engine {
    // MARK: - Activities and owners

    /// Logs a call, an email, a meeting or a note on a deal: a history entry that touches the deal (it is
    /// no longer stale) without changing its stage or fields.
    public func logActivity(
        _ kind: ActivityKind,
        text: String,
        dealID: String,
        actor: Actor
    ) async throws -> DealView {
        let action = "deal note \(dealID) --kind \(kind.rawValue)"
        return try await change(dealID, actor: actor, action: action) { [clock] view, acting in
            DealMachine.log(kind, text: text, on: view.deal, workflow: view.workflow, actor: acting, now: clock.now())
        }.view
    }

    /// Gives one deal to another owner; its open tasks assigned to the old owner move with it.
    public func reassign(dealID: String, to owner: String, actor: Actor) async throws -> Reassignment {
        let action = "deal reassign \(dealID) --to \(owner)"
        // The actor's refusal comes before the new owner's: authorized here, before the roster check.
        let actor = try await authorize(actor, action: action, dealID: dealID)
        try await checkOnRoster(owner)
        let changed = try await change(dealID, actor: actor, action: action) { [clock] view, acting in
            DealMachine.reassign(view.deal, to: owner, workflow: view.workflow, actor: acting, now: clock.now())
        }
        return Reassignment(
            dealID: dealID,
            from: changed.before.deal.owner,
            to: owner,
            version: changed.view.deal.version,
            tasksMoved: changed.receipt?.tasksHandedOver ?? 0
        )
    }

    /// Gives every open deal of one owner (of one workflow, or of all) to another, in one transaction:
    /// a rep who leaves. Deals in won or lost stages keep their owner, so that past results stay theirs.
    public func reassign(
        from: String,
        to owner: String,
        workflowID: String? = nil,
        actor: Actor
    ) async throws -> [Reassignment] {
        var action = "deal reassign --from \(from) --to \(owner)"
        if let workflowID { action += " --workflow \(workflowID)" }
        let actor = try await authorize(actor, action: action)
        try await checkOnRoster(owner)
        guard from != owner else {
            throw EngineError.invalidInput(Rejection(.invalidValue, "--from and --to are both '\(owner)'"))
        }
        if let workflowID { _ = try await workflow(id: workflowID) }
        for _ in 0..<Engine.attempts {
            var changes: [DealChange] = []
            var planned: [Reassignment] = []
            let owned = try await deals(DealQuery(workflowID: workflowID, owner: from))
            if owned.isEmpty, let roster = store as? any RosterStore {
                // A misspelt name finds nothing: say who was meant.
                let known = try await roster.users().map(\.id)
                let hint = SpellingSuggestion.hint(for: from, among: known)
                if !hint.isEmpty {
                    throw EngineError.invalidInput(Rejection(.invalidValue, "'\(from)' owns no deal\(hint)"))
                }
            }
            for view in owned where DealMachine.isOpen(view.deal, in: view.workflow) {
                let decision = DealMachine.reassign(
                    view.deal,
                    to: owner,
                    workflow: view.workflow,
                    actor: actor,
                    now: clock.now()
                )
                guard case .applied(let applied) = decision else { continue }
                changes.append(record(applied, workflow: view.workflow))
                planned.append(
                    Reassignment(
                        dealID: view.deal.id,
                        from: from,
                        to: owner,
                        version: applied.deal.version,
                        tasksMoved: 0
                    )
                )
            }
            guard !changes.isEmpty else { return [] }
            do {
                let receipts = try await store.commit(changes)
                for change in changes { metrics.committed(change) }
                return zip(planned, receipts).map { planned, receipt in
                    var done = planned
                    done.tasksMoved = receipt.tasksHandedOver
                    return done
                }
            } catch StoreError.versionConflict {
                continue  // One of the deals changed meanwhile: plan again on fresh state.
            }
        }
        throw EngineError.contention("the open deals of \(from)")
    }

    /// Refuses a name that is neither on a roster that has users nor a role someone on it holds: giving
    /// deals or tasks to a name nobody acts as would leave them unattended.
    func checkOnRoster(_ user: String) async throws {
        guard let roster = store as? any RosterStore else { return }
        let users = try await roster.users()
        guard !users.isEmpty, !users.contains(where: { $0.id == user || $0.roles.contains(user) }) else { return }
        let hint = SpellingSuggestion.hint(for: user, among: users.map(\.id))
        throw EngineError.invalidInput(
            Rejection(.invalidValue, "'\(user)' is not on the roster\(hint); add them with: dealflow users add \(user)")
        )
    }

    // MARK: - Moving deals to another workflow version

    /// Plans (and unless `dryRun`, performs in one transaction) moving every open deal of a workflow that
    /// is on an older version to `version`: see ``DealMachine/migrate(_:from:to:mapping:actor:now:)``.
    /// Deals that cannot move stay where they are and are listed with the reason.
    ///
    /// - Throws: ``EngineError/invalidInput(_:)`` when a `mapping` names a stage no older version has, or
    ///   one `version` does not have; nothing is written then.
    public func migrate(
        workflowID: String,
        toVersion version: Int,
        mapping: [String: String],
        dryRun: Bool,
        actor: Actor
    ) async throws -> MigrationPlan {
        var action = "workflow migrate \(workflowID) --to-version \(version)"
        for (old, new) in mapping.sorted(by: { $0.key < $1.key }) { action += " --map \(old)=\(new)" }
        let actor = try await authorize(actor, action: action + (dryRun ? " --dry-run" : ""))
        let target = try await workflow(id: workflowID, version: version)
        let older = try await versions(ofWorkflow: workflowID).filter { $0.version < version }
        let oldStages = Set(older.flatMap { $0.definition.stages.map(\.name) })
        for (old, new) in mapping.sorted(by: { $0.key < $1.key }) {
            guard oldStages.contains(old) else {
                let hint = SpellingSuggestion.hint(for: old, among: oldStages.sorted())
                throw EngineError.invalidInput(
                    Rejection(
                        .invalidValue,
                        "--map \(old)=\(new): no older version of '\(workflowID)' has a stage '\(old)'\(hint)"
                    )
                )
            }
            guard let stage = target.stage(named: new) else {
                let hint = SpellingSuggestion.hint(for: new, among: target.definition.stages.map(\.name))
                throw EngineError.invalidInput(
                    Rejection(.invalidValue, "--map \(old)=\(new): version \(version) has no stage '\(new)'\(hint)")
                )
            }
            if stage.outcome != nil || target.transitions(leaving: new).isEmpty {
                throw EngineError.invalidInput(
                    Rejection(
                        .invalidValue,
                        "--map \(old)=\(new): '\(new)' is \(stage.outcome.map { "a \($0.value.rawValue) stage" } ?? "a stage nothing leaves"); open deals move only to open stages"
                    )
                )
            }
        }
        for _ in 0..<Engine.attempts {
            var plan = MigrationPlan(
                workflowID: workflowID,
                targetVersion: version,
                moves: [],
                stays: [],
                applied: false
            )
            var changes: [DealChange] = []
            for view in try await deals(DealQuery(workflowID: workflowID))
            where view.deal.workflowVersion < version && DealMachine.isOpen(view.deal, in: view.workflow) {
                let deal = view.deal
                switch DealMachine.migrate(
                    deal,
                    from: view.workflow,
                    to: target,
                    mapping: mapping,
                    actor: actor,
                    now: clock.now()
                ) {
                case .stays(let reason):
                    plan.stays.append(
                        MigrationPlan.Stay(
                            dealID: deal.id,
                            version: deal.workflowVersion,
                            stage: deal.stage,
                            reason: reason
                        )
                    )
                case .moves(let applied):
                    plan.moves.append(
                        MigrationPlan.Move(
                            dealID: deal.id,
                            fromVersion: deal.workflowVersion,
                            fromStage: deal.stage,
                            toStage: applied.deal.stage,
                            fieldChanges: applied.entry.changes,
                            timersScheduled: applied.timers.count,
                            timersLate: applied.timers.filter(\.isLate).count
                        )
                    )
                    changes.append(record(applied, workflow: target))
                }
            }
            guard !dryRun, !changes.isEmpty else { return plan }
            do {
                try await store.commit(changes)
                for change in changes { metrics.committed(change) }
                plan.applied = true
                return plan
            } catch StoreError.versionConflict {
                continue  // A deal changed while this plan was made: plan again.
            }
        }
        throw EngineError.contention(workflowID)
    }

    // MARK: - Tasks by hand

    /// Adds a follow-up task to a deal by hand, assigned to the deal's owner unless said otherwise. It
    /// belongs to the deal's current stage but survives leaving it (`keep`), and reminds when due.
    public func addTask(
        dealID: String,
        title: String,
        due: TaskDue,
        assignee: String? = nil,
        kind: TaskKind = .todo,
        actor: Actor
    ) async throws -> TaskRecord {
        let actor = try await authorize(actor, action: "tasks add \(dealID) '\(title)'", dealID: dealID)
        let view = try await deal(id: dealID)
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw EngineError.invalidInput(Rejection(.invalidValue, "a task on deal '\(dealID)' needs a title"))
        }
        if let assignee { try await checkOnRoster(assignee) }
        let now = clock.now()
        let calendar = view.workflow.zonedCalendar
        let dueAt: Date
        switch due {
        case .after(let duration): dueAt = calendar.adding(duration, to: now)
        case .on(let date): dueAt = calendar.instant(on: date, secondOfDay: calendar.business.closing.seconds)
        case .at(let instant): dueAt = instant
        }
        let task = TaskRecord(
            id: identifiers.next("task"),
            dealID: dealID,
            workflowID: view.workflow.id,
            title: trimmed,
            kind: kind.rawValue,
            assignee: assignee ?? view.deal.owner,
            dueAt: dueAt,
            status: "open",
            stage: view.deal.stage,
            keep: true,
            escalateAt: nil,
            escalateTo: nil,
            timerIndex: nil,
            createdAt: now
        )
        let entry = TaskLogEntry(taskID: task.id, at: now, actor: actor.id, action: "added", detail: nil)
        try await worklistStore.addTask(task, entry: entry)
        return task
    }

    /// Gives an open task to someone else, logging who did it.
    public func reassignTask(id: String, to assignee: String, actor: Actor) async throws -> TaskRecord {
        let actor = try await authorize(actor, action: "tasks reassign \(id) --to \(assignee)")
        try await checkOnRoster(assignee)
        for _ in 0..<Engine.attempts {
            guard let task = try await worklistStore.task(id: id) else { throw EngineError.unknownTask(id) }
            guard task.status == "open" else {
                throw EngineError.invalidInput(
                    Rejection(.invalidValue, "task '\(id)' is \(task.status), not open, so it cannot be reassigned")
                )
            }
            guard task.assignee != assignee else { return task }
            let entry = TaskLogEntry(
                taskID: id,
                at: clock.now(),
                actor: actor.id,
                action: "reassigned",
                detail: "\(task.assignee) -> \(assignee)"
            )
            if try await worklistStore.reassignTask(id: id, from: task.assignee, to: assignee, entry: entry) {
                var moved = task
                moved.assignee = assignee
                if task.escalateTo == task.assignee { moved.escalateTo = assignee }
                return moved
            }
        }
        throw EngineError.contention(id)
    }

    var worklistStore: any WorklistStore {
        get throws {
            guard let worklist = store as? any WorklistStore else {
                throw StoreError.unavailable("this store keeps no task list")
            }
            return worklist
        }
    }

    // MARK: - The roster

    private var rosterStore: any RosterStore {
        get throws {
            guard let roster = store as? any RosterStore else {
                throw StoreError.unavailable("this store keeps no roster")
            }
            return roster
        }
    }

    /// Everyone on the roster, by id.
    public func users() async throws -> [RosterUser] {
        try await rosterStore.users()
    }

    /// Adds someone to the roster with their roles; the first user must hold `admin`.
    public func addUser(_ user: RosterUser, actor: Actor) async throws -> RosterUser {
        let roles = user.roles.map { "--role \($0)" }.joined(separator: " ")
        try Engine.checkName(user.id, "a user id")
        for role in user.roles { try Engine.checkName(role, "a role") }
        var unique: [String] = []
        for role in user.roles where !unique.contains(role) { unique.append(role) }
        let added = RosterUser(id: user.id, name: user.name, roles: unique)
        try await changeRoster(action: "users add \(user.id) \(roles)", actor: actor) { users in
            guard !users.contains(where: { $0.id == user.id }) else {
                throw EngineError.invalidInput(Rejection(.invalidValue, "'\(user.id)' is already on the roster"))
            }
            return (users + [added]).sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        }
        return added
    }

    /// Gives a user one more role.
    public func grant(_ role: String, to userID: String, actor: Actor) async throws -> RosterUser {
        try Engine.checkName(role, "a role")
        return try await changeRoles(of: userID, action: "users grant \(userID) \(role)", actor: actor) { roles in
            roles.contains(role) ? roles : roles + [role]
        }
    }

    /// Takes a role from a user; the last `admin` keeps theirs, so that someone can still change the roster.
    public func revoke(_ role: String, from userID: String, actor: Actor) async throws -> RosterUser {
        try await changeRoles(of: userID, action: "users revoke \(userID) \(role)", actor: actor) { roles in
            guard roles.contains(role) else {
                throw EngineError.invalidInput(Rejection(.invalidValue, "'\(userID)' does not hold the role '\(role)'"))
            }
            return roles.filter { $0 != role }
        }
    }

    /// Takes a user off the roster; their deals and tasks keep their name until reassigned.
    public func removeUser(id: String, actor: Actor) async throws -> RosterUser {
        var removed: RosterUser?
        try await changeRoster(action: "users remove \(id)", actor: actor) { users in
            guard let user = users.first(where: { $0.id == id }) else { throw Self.unknownUser(id, among: users) }
            removed = user
            return users.filter { $0.id != id }
        }
        guard let removed else { preconditionFailure("the change saw the user") }
        return removed
    }

    /// The latest refusals of the roster, oldest first.
    public func refusals(limit: Int) async throws -> [AccessRefusal] {
        try await rosterStore.refusals(limit: limit)
    }

    private func changeRoles(
        of userID: String,
        action: String,
        actor: Actor,
        _ change: @escaping ([String]) throws -> [String]
    ) async throws -> RosterUser {
        var changed: RosterUser?
        try await changeRoster(action: action, actor: actor) { users in
            guard let index = users.firstIndex(where: { $0.id == userID }) else {
                throw Self.unknownUser(userID, among: users)
            }
            var users = users
            users[index].roles = try change(users[index].roles)
            changed = users[index]
            return users
        }
        guard let changed else { preconditionFailure("the change saw the user") }
        return changed
    }

    /// Checks that `actor` may change the roster, then applies `change` to it as a compare-and-set on the
    /// whole roster, deciding again if another change came first; a change that would leave users but
    /// no admin is refused.
    private func changeRoster(
        action: String,
        actor: Actor,
        _ change: ([RosterUser]) throws -> [RosterUser]
    ) async throws {
        _ = try await authorizeRosterChange(actor, action: action)
        for _ in 0..<Engine.attempts {
            let before = try await rosterStore.users()
            let after = try change(before)
            if after == before { return }
            if let refusal = Roster.checkChange(from: before, to: after) {
                throw EngineError.invalidInput(Rejection(.invalidValue, refusal.reason))
            }
            if try await rosterStore.updateRoster(expected: before, to: after, at: clock.now()) { return }
        }
        throw EngineError.contention("the roster")
    }

    private static func unknownUser(_ id: String, among users: [RosterUser]) -> EngineError {
        .invalidInput(
            Rejection(
                .invalidValue,
                "'\(id)' is not on the roster\(SpellingSuggestion.hint(for: id, among: users.map(\.id)))"
            )
        )
    }

    private static func checkName(_ name: String, _ what: String) throws {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._@-"))
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(allowed.contains) else {
            throw EngineError.invalidInput(
                Rejection(.invalidValue, "'\(name)' is not \(what): use letters, digits and . _ @ - only")
            )
        }
    }
}
