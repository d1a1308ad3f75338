import Foundation

/// Where an open deal lands on another version of its workflow, or why it cannot move.
public enum MigrationOutcome: Sendable {
    /// The deal moves: perform this change (a `migrated` history entry, its old stage's timers cancelled,
    /// its new stage's timers scheduled from when it entered the stage, its open tasks kept).
    case moves(AppliedChange)
    /// The deal stays where it is, for this reason (one sentence naming the stage or field).
    case stays(String)
}

extension DealMachine {
    /// Plans moving `deal` from its workflow version to `target`.
    ///
    /// The deal lands in the stage of the same name, or the one `mapping` gives for its stage. It cannot
    /// move when that stage is not in `target` (or is an outcome stage or a dead end there: a deal gets
    /// there by a transition), when a value no longer reads by the new schema (an enum value removed, a
    /// type changed), when a required field of `target` is unset, or when the new stage's `requires` are
    /// not met. Fields new in `target` get their default; fields `target` no
    /// longer has are dropped, and the history entry shows both.
    ///
    /// Timers: the pending timers of the old stage are cancelled and the new stage's are computed
    /// again, `after` from when the deal entered the stage (so an overdue one fires at the scheduler's
    /// next run) and `at` from its fields. Task timers only get their next recurrence: the tasks the old
    /// version created are kept, and a one-off task timer creates nothing for a deal already there.
    public static func migrate(
        _ deal: Deal,
        from current: ValidatedWorkflow,
        to target: ValidatedWorkflow,
        mapping: [String: String],
        actor: Actor,
        now: Date
    ) -> MigrationOutcome {
        let stageName = mapping[deal.stage] ?? deal.stage
        guard let stage = target.stage(named: stageName) else {
            if let mapped = mapping[deal.stage] {
                return .stays(
                    "--map \(deal.stage)=\(mapped) names a stage that version \(target.version) does not have"
                )
            }
            let hint = SpellingSuggestion.hint(for: deal.stage, among: target.definition.stages.map(\.name))
            return .stays(
                "its stage '\(deal.stage)' is not in version \(target.version)\(hint); map it with --map \(deal.stage)=STAGE"
            )
        }
        var fields = [Value](repeating: .null, count: target.definition.fields.count)
        var changes: [FieldChange] = []
        for (index, field) in target.definition.fields.enumerated() {
            guard let oldIndex = current.scope.fields[field.name]?.index else {
                if let value = field.defaultValue?.value {
                    fields[index] = value
                    changes.append(FieldChange(field: field.name, old: .null, new: value))
                }
                continue
            }
            let old = deal.fields[oldIndex]
            guard let text = FieldValues.storedText(old) else { continue }
            switch FieldValues.parse(text, for: field) {
            case .success(let value): fields[index] = value
            case .failure(let rejection):
                return .stays(
                    "its field '\(field.name)' no longer fits version \(target.version): \(rejection.message)"
                )
            }
        }
        for field in current.definition.fields where target.scope.fields[field.name] == nil {
            let old = deal.fields[index(field.name, current)]
            if !old.isNull { changes.append(FieldChange(field: field.name, old: old, new: .null)) }
        }
        if let position = target.firstUnsetRequiredField(in: fields) {
            return .stays(
                "version \(target.version) requires the field '\(target.scope.fieldNames[position])', which the deal does not have"
            )
        }
        if let field = stage.requires.first(where: { fields[index($0.value, target)].isNull }) {
            return .stays(
                "stage '\(stage.name)' of version \(target.version) requires '\(field.value)', which is unset"
            )
        }
        if stage.outcome != nil || target.transitions(leaving: stage.name).isEmpty {
            let what = stage.outcome.map { "a \($0.value.rawValue) stage" } ?? "a stage nothing leaves"
            return .stays(
                "stage '\(stage.name)' is \(what) in version \(target.version): a deal gets there by a transition"
            )
        }
        var moved = deal
        moved.workflowVersion = target.version
        moved.stage = stage.name
        moved.fields = fields
        moved.version += 1
        var effects = Effects()
        let calendar = target.zonedCalendar
        for (timerIndex, timer) in stage.timers.enumerated() {
            switch timer.effect {
            case .fire:
                schedule(timer, index: timerIndex, of: stage, for: moved, effects: &effects, workflow: target, now: now)
            case .task:
                // The tasks the old version created are kept: only the recurrence is scheduled again, from
                // its next occurrence after now.
                guard let every = timer.every?.value,
                    let anchor = firstOccurrence(of: timer, for: moved, in: target, now: now)
                else { continue }
                let recurrence = Recurrence(anchor: anchor, every: every)
                let next = recurrence.next(after: now, following: 0, in: calendar)
                effects.timers.append(
                    NewTimer(
                        stage: stage.name,
                        index: timerIndex,
                        dueAt: next.at,
                        zone: calendar.timeZone.identifier,
                        effect: .nextTask,
                        every: every,
                        anchor: anchor,
                        occurrence: next.index,
                        isLate: false
                    )
                )
            }
        }
        let entry = HistoryEntry(
            kind: .migrated,
            at: now,
            actor: actor.id,
            role: actor.role,
            from: deal.stage,
            to: stage.name,
            changes: changes,
            note: "version \(deal.workflowVersion) → \(target.version)"
        )
        let event = NewEvent(
            type: "deal.migrated",
            data: .object([
                ("deal", .string(deal.id)), ("workflow", .string(target.id)),
                ("from_version", .int(deal.workflowVersion)), ("to_version", .int(target.version)),
                ("from", .string(deal.stage)), ("to", .string(stage.name)), ("actor", .string(actor.id)),
            ])
        )
        return .moves(
            AppliedChange(
                deal: moved,
                previousVersion: deal.version,
                entry: entry,
                tasks: [],
                timers: effects.timers,
                cancellations: [.migrated(from: deal.stage, to: stage.name)],
                events: [event]
            )
        )
    }
}
