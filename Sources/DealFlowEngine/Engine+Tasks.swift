import DealFlowCore
import Foundation

extension Engine {
    /// Tasks matching a query.
    public func tasks(_ query: TaskQuery) async throws -> [TaskRecord] {
        try await worklistStore.tasks(query)
    }

    /// Marks an open task done, recording who did it.
    public func completeTask(id: String, actor: Actor) async throws -> TaskRecord {
        let actor = try await authorize(actor, action: "tasks done \(id)")
        let task = try await openTask(id, doing: "marked done")
        let now = clock.now()
        let entry = TaskLogEntry(taskID: id, at: now, actor: actor.id, action: "done", detail: nil)
        guard try await worklistStore.completeTask(id: id, entry: entry) else {
            return try await completeTask(id: id, actor: actor)  // It changed meanwhile: report its new state.
        }
        var done = task
        done.status = "done"
        return done
    }

    /// Moves an open task's due time `duration` later, from its due time or from now if it is already
    /// overdue, in its workflow's calendar; its escalation moves with it and it reminds again when due.
    public func snoozeTask(id: String, by duration: CalendarDuration, actor: Actor) async throws -> TaskRecord {
        let actor = try await authorize(actor, action: "tasks snooze \(id) '\(duration)'")
        for _ in 0..<Engine.attempts {
            let task = try await openTask(id, doing: "snoozed")
            let now = clock.now()
            let calendar = try await workflow(id: task.workflowID).zonedCalendar
            let dueAt = calendar.adding(duration, to: max(task.dueAt, now))
            let escalateAt = task.escalateAt.map { $0.addingTimeInterval(dueAt.timeIntervalSince(task.dueAt)) }
            let entry = TaskLogEntry(
                taskID: id,
                at: now,
                actor: actor.id,
                action: "snoozed",
                detail: "\(duration): due \(DateTimeFormat.iso8601(task.dueAt)) -> \(DateTimeFormat.iso8601(dueAt))"
            )
            if try await worklistStore.snoozeTask(
                id: id,
                expectedDue: task.dueAt,
                dueAt: dueAt,
                escalateAt: escalateAt,
                entry: entry
            ) {
                var snoozed = task
                snoozed.dueAt = dueAt
                snoozed.escalateAt = escalateAt
                snoozed.remindedAt = nil
                snoozed.escalatedAt = nil
                return snoozed
            }
        }
        throw EngineError.contention(id)
    }

    private func openTask(_ id: String, doing action: String) async throws -> TaskRecord {
        guard let task = try await worklistStore.task(id: id) else { throw EngineError.unknownTask(id) }
        guard task.status == "open" else {
            throw EngineError.invalidInput(
                Rejection(.invalidValue, "task '\(id)' is \(task.status), not open, so it cannot be \(action)")
            )
        }
        return task
    }
}
