import Foundation

/// What sort of activity a rep logs on a deal with `deal note`.
public enum ActivityKind: String, Hashable, Sendable, CaseIterable {
    case call, email, meeting, note

    var historyKind: HistoryEntry.Kind {
        switch self {
        case .call: .call
        case .email: .email
        case .meeting: .meeting
        case .note: .note
        }
    }
}

extension DealMachine {
    /// Logs an activity (a call, an email, a meeting, a note) on a deal: a history entry that changes
    /// neither stage nor fields but counts as a touch, so that the deal is no longer stale.
    public static func log(
        _ activity: ActivityKind,
        text: String,
        on deal: Deal,
        workflow: ValidatedWorkflow,
        actor: Actor,
        now: Date
    ) -> Decision {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            return .rejected(Rejection(.invalidValue, "a \(activity.rawValue) on deal '\(deal.id)' needs some text"))
        }
        var touched = deal
        touched.version += 1
        touched.updatedAt = now
        let entry = HistoryEntry(
            kind: activity.historyKind,
            at: now,
            actor: actor.id,
            role: actor.role,
            from: deal.stage,
            to: deal.stage,
            note: trimmed
        )
        let event = NewEvent(
            type: "deal.activity",
            data: .object([
                ("deal", .string(deal.id)), ("workflow", .string(workflow.id)), ("kind", .string(activity.rawValue)),
                ("actor", .string(actor.id)), ("text", .string(trimmed)),
            ])
        )
        return .applied(
            AppliedChange(
                deal: touched,
                previousVersion: deal.version,
                entry: entry,
                tasks: [],
                timers: [],
                cancellations: [],
                events: [event]
            )
        )
    }

    /// Gives a deal to another owner: its open tasks assigned to the old owner (and escalations aimed at
    /// them) move with it. Not a touch: a deal that was stale stays stale for its new owner to see.
    public static func reassign(
        _ deal: Deal,
        to owner: String,
        workflow: ValidatedWorkflow,
        actor: Actor,
        now: Date
    ) -> Decision {
        guard !owner.isEmpty else {
            return .rejected(Rejection(.invalidValue, "deal '\(deal.id)' needs a new owner, not an empty one"))
        }
        guard owner != deal.owner else { return .unchanged(deal) }
        var moved = deal
        moved.owner = owner
        moved.version += 1
        let entry = HistoryEntry(
            kind: .reassigned,
            at: now,
            actor: actor.id,
            role: actor.role,
            from: deal.stage,
            to: deal.stage,
            changes: [FieldChange(field: "owner", old: .string(deal.owner), new: .string(owner))]
        )
        let event = NewEvent(
            type: "deal.reassigned",
            data: .object([
                ("deal", .string(deal.id)), ("workflow", .string(workflow.id)), ("from", .string(deal.owner)),
                ("to", .string(owner)), ("actor", .string(actor.id)),
            ])
        )
        return .applied(
            AppliedChange(
                deal: moved,
                previousVersion: deal.version,
                entry: entry,
                tasks: [],
                timers: [],
                cancellations: [],
                events: [event],
                handover: TaskHandover(from: deal.owner, to: owner)
            )
        )
    }

    /// Whether a deal has sat idle longer than its stage's `rot_after`: no transition, field change or
    /// logged activity since (a reassignment or a migration is not a touch). Deals with an outcome, and
    /// stages without `rot_after`, never are.
    public static func isStale(_ deal: Deal, in workflow: ValidatedWorkflow, now: Date) -> Bool {
        guard deal.outcome == nil, let stage = workflow.stage(named: deal.stage) else { return false }
        return stage.isStale(lastTouch: deal.updatedAt, now: now, calendar: workflow.zonedCalendar)
    }

    /// Whether a deal still needs work and an owner: its stage is not an outcome stage and something
    /// leaves it. Won deals in onboarding are open; deals in `won`, `lost` or a dead end are not.
    public static func isOpen(_ deal: Deal, in workflow: ValidatedWorkflow) -> Bool {
        guard let stage = workflow.stage(named: deal.stage) else { return false }
        return stage.outcome == nil && !workflow.transitions(leaving: deal.stage).isEmpty
    }
}
