import Foundation

/// A stored timer that has fallen due, as the scheduler hands it to ``DealMachine/fire(_:on:workflow:now:)``.
public struct DueTimer: Hashable, Sendable {
    /// The stage whose timer it is.
    public var stage: String
    /// Its index among the stage's timers.
    public var index: Int
    /// The instant it was due.
    public var dueAt: Date
    /// The first occurrence of its recurrence (its due instant when it does not repeat).
    public var anchor: Date
    /// Which occurrence `dueAt` is.
    public var occurrence: Int

    /// Creates a due timer.
    public init(stage: String, index: Int, dueAt: Date, anchor: Date, occurrence: Int) {
        self.stage = stage
        self.index = index
        self.dueAt = dueAt
        self.anchor = anchor
        self.occurrence = occurrence
    }
}

/// What firing a due timer does.
public struct TimerFiring: Sendable {
    /// The effect of this occurrence.
    public enum Outcome: Sendable {
        /// The timer's transition fired as the `system` actor: perform the change. Leaving (or
        /// re-entering) the stage cancels and reschedules the stage's timers, so nothing repeats.
        case fired(AppliedChange)
        /// The transition may not fire now: record the attempt. It is not retried.
        case blocked(AuditEntry)
        /// A repeating task timer: create this task.
        case task(NewTask)
        /// The deal is no longer in the timer's stage, or its workflow no longer has the timer.
        case obsolete(String)
    }

    /// The effect of this occurrence.
    public var outcome: Outcome
    /// The next occurrence of a repeating timer, after the firing instant: the ones missed while the
    /// scheduler was down are coalesced into this firing.
    public var next: NewTimer?
}

extension DealMachine {
    /// Decides what a due timer does at `now`: a `fire:` timer fires its transition as the `system`
    /// actor with its guards evaluated now, a repeating `task:` timer creates its next task.
    public static func fire(_ timer: DueTimer, on deal: Deal, workflow: ValidatedWorkflow, now: Date) -> TimerFiring {
        guard deal.stage == timer.stage else {
            return TimerFiring(outcome: .obsolete("deal '\(deal.id)' left stage '\(timer.stage)'"), next: nil)
        }
        guard let stage = workflow.stage(named: timer.stage), stage.timers.indices.contains(timer.index) else {
            return TimerFiring(
                outcome: .obsolete(
                    "version \(workflow.version) of '\(workflow.id)' has no timer \(timer.index + 1) in '\(timer.stage)'"
                ),
                next: nil
            )
        }
        let definition = stage.timers[timer.index]
        let calendar = workflow.zonedCalendar
        let next = definition.every.map { every -> NewTimer in
            let following = Recurrence(anchor: timer.anchor, every: every.value)
                .next(after: now, following: timer.occurrence, in: calendar)
            let effect: NewTimer.Effect =
                switch definition.effect {
                case .fire(let transition): .fire(transition.value)
                case .task: .nextTask
                }
            return NewTimer(
                stage: stage.name,
                index: timer.index,
                dueAt: following.at,
                zone: calendar.timeZone.identifier,
                effect: effect,
                every: every.value,
                anchor: timer.anchor,
                occurrence: following.index,
                isLate: false
            )
        }
        switch definition.effect {
        case .task(let template):
            let task = newTask(
                template,
                due: timer.dueAt,
                stage: stage.name,
                timerIndex: timer.index,
                deal: deal,
                workflow: workflow
            )
            return TimerFiring(outcome: .task(task), next: next)
        case .fire(let transition):
            let note =
                "timer \(timer.index + 1) of '\(stage.name)' (\(definition.location)), due \(DateTimeFormat.iso8601(timer.dueAt))"
            let decision = decide(
                .fire(transition: transition.value, input: [], note: note),
                deal: deal,
                workflow: workflow,
                actor: .system,
                now: now
            )
            switch decision {
            case .applied(let change):
                return TimerFiring(outcome: .fired(change), next: nil)
            case .blocked(let attempt), .refused(let attempt):
                return TimerFiring(outcome: .blocked(attempt), next: next)
            case .rejected(let rejection):
                let blocker = Blocker(
                    kind: .action,
                    expression: transition.value,
                    message: rejection.message,
                    values: [],
                    location: transition.location
                )
                let attempt = AuditEntry(
                    kind: .blocked,
                    dealID: deal.id,
                    at: now,
                    actor: Actor.system.id,
                    role: nil,
                    transition: transition.value,
                    stage: deal.stage,
                    blockers: [blocker],
                    note: note
                )
                return TimerFiring(outcome: .blocked(attempt), next: next)
            case .unchanged:
                preconditionFailure("a fire always changes the deal or is refused")
            }
        }
    }
}
