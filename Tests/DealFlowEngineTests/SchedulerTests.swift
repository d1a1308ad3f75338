import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation
import GRDB
import Testing

/// New York, with Thanksgiving (Thursday 2026-11-26) off and 09:00-17:00 working hours.
let followUpWorkflow = """
    workflow: follow
    timezone: America/New_York
    calendar:
      workdays: [mon, tue, wed, thu, fri]
      hours: "09:00-17:00"
      holidays: [2026-11-26]
    roles: [rep, manager]
    fields:
      approved: { type: bool, default: false }
      renewal: { type: datetime }
    stages:
      open:
        initial: true
        on_enter:
          - task: { title: "Call", due: 2 business days, kind: call, escalate: { after: 1 business day, to: manager } }
          - task: { title: "Kept", due: 4 business hours, keep: true }
        timers:
          - after: 3 days
            fire: expire
          - after: 1 hour
            every: 1 day
            task: { title: "Daily check" }
          - at: renewal - 1 day
            fire: renew
      expired:
        timers:
          - after: 1 hour
            fire: close
      renewing:
      closed:
    transitions:
      expire: { from: open, to: expired, roles: [] }
      renew: { from: open, to: renewing, roles: [] }
      close:
        from: expired
        to: closed
        roles: []
        guard:
          - expr: approved
            message: A manager approves closing.
    """

/// An instant as the store keeps it: milliseconds since 1970.
func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
func millis(_ iso: String) -> Int64 { millis(instant(iso)) }

/// Running the harness's scheduler, and what it wrote to the outbox.
extension Harness {
    /// Moves the clock in steps up to `end`, firing what is due at every step, as a daemon would.
    func runScheduler(until end: String, step: TimeInterval = 900) async throws {
        let scheduler = scheduler
        let end = instant(end)
        while clock.now() < end {
            clock.advance(by: min(step, end.timeIntervalSince(clock.now())))
            _ = try await scheduler.fireDue()
        }
    }

    /// `(type, title or transition, at)` of every outbox event after the deal's creation.
    func firedEvents(
        _ types: Set<String> = ["task.reminder", "task.escalated", "deal.transitioned", "timer.blocked"]
    )
        async throws -> [(type: String, what: String, at: Date)]
    {
        try await rows("SELECT type, data, at FROM outbox ORDER BY id").compactMap { row in
            let type: String = row["type"]
            guard types.contains(type), let data = try? JSONValue.parse(row["data"] as String) else { return nil }
            let what = data["title"]?.text ?? data["transition"]?.text ?? ""
            return (type, what, Date(timeIntervalSince1970: Double(row["at"] as Int64) / 1000))
        }
    }
}

@Suite("Scheduler: what fires when")
struct SchedulerTimingTests {
    @Test func tasksRemindWhenDueAndEscalateOnTheBusinessCalendar() async throws {
        // Monday 2026-11-23 09:00 in New York.
        let harness = try Harness(start: "2026-11-23T14:00:00Z")
        try await harness.applyText(followUpWorkflow)
        _ = try await harness.engine.create(workflowID: "follow", id: "d1", input: [], actor: ana)
        try await harness.runScheduler(until: "2026-11-26T13:00:00Z")
        let fired = try await harness.firedEvents().map { "\($0.type) \($0.what) \(DateTimeFormat.iso8601($0.at))" }
        #expect(
            fired == [
                "task.reminder Daily check 2026-11-23T15:00:00Z",  // after 1 hour
                "task.reminder Kept 2026-11-23T18:00:00Z",  // 4 business hours: 13:00
                "task.reminder Daily check 2026-11-24T15:00:00Z",  // every 1 day
                "task.reminder Call 2026-11-25T14:00:00Z",  // 2 business days: Wednesday 09:00
                "task.reminder Daily check 2026-11-25T15:00:00Z",
            ]
        )
        // The escalation is 1 business day after Wednesday 09:00: Thursday is a holiday, so Friday 09:00.
        let call = try #require(try await harness.engine.tasks(TaskQuery(dealID: "d1")).first { $0.title == "Call" })
        #expect(call.escalateAt == instant("2026-11-27T14:00:00Z"))
        #expect(call.escalateTo == "manager")
    }

    @Test func businessTimeStepsOverTheWeekend() async throws {
        // Friday 2026-11-27 16:00 in New York.
        let harness = try Harness(start: "2026-11-27T21:00:00Z")
        try await harness.applyText(followUpWorkflow)
        _ = try await harness.engine.create(workflowID: "follow", id: "d1", input: [], actor: ana)
        let tasks = try await harness.engine.tasks(TaskQuery(dealID: "d1"))
        let due = Dictionary(uniqueKeysWithValues: tasks.map { ($0.title, DateTimeFormat.iso8601($0.dueAt)) })
        #expect(due["Kept"] == "2026-11-30T17:00:00Z")  // 1 hour on Friday, 3 on Monday: 12:00
        #expect(due["Call"] == "2026-12-01T21:00:00Z")  // Tuesday 16:00
        try await harness.runScheduler(until: "2026-11-30T16:45:00Z")
        // Daily checks on Friday, Saturday and Sunday at 17:00: `days` are calendar days, not business days.
        #expect(
            try await harness.firedEvents(["task.reminder"]).map(\.what) == [
                "Daily check", "Daily check", "Daily check",
            ]
        )
        try await harness.runScheduler(until: "2026-11-30T17:00:00Z")
        #expect(try await harness.firedEvents(["task.reminder"]).map(\.what).last == "Kept")
    }

    @Test func anOpenTaskEscalatesAndADoneOneDoesNot() async throws {
        let harness = try Harness(start: "2026-11-23T14:00:00Z")
        try await harness.applyText(followUpWorkflow.replacingOccurrences(of: "after: 3 days", with: "after: 30 days"))
        _ = try await harness.engine.create(workflowID: "follow", id: "open", input: [], actor: ana)
        _ = try await harness.engine.create(workflowID: "follow", id: "done", input: [], actor: ana)
        let call = try #require(try await harness.engine.tasks(TaskQuery(dealID: "done")).first { $0.title == "Call" })
        _ = try await harness.engine.completeTask(id: call.id, actor: ana)
        try await harness.runScheduler(until: "2026-11-28T00:00:00Z", step: 3600)
        let escalations = try await harness.rows("SELECT deal_id, at, data FROM outbox WHERE type = 'task.escalated'")
        #expect(escalations.map { $0["deal_id"] as String } == ["open"])
        #expect(escalations.map { $0["at"] as Int64 } == [millis("2026-11-27T14:00:00Z")])
        let data = try JSONValue.parse(escalations[0]["data"] as String)
        #expect(data["escalate_to"]?.text == "manager")
        #expect(data["assignee"]?.text == "ana")
        // The done task reminded nobody either.
        let reminded = try await harness.rows(
            "SELECT COUNT(*) AS n FROM outbox WHERE type = 'task.reminder' AND data LIKE ?",
            ["%\(call.id)%"]
        )
        #expect(reminded[0]["n"] as Int == 0)
        #expect(try await harness.store.taskLog(taskID: call.id).map(\.action) == ["done"])
    }

    @Test func aTimerFiresItsTransitionAsTheSystemAndLeavingCancelsTheStagesWork() async throws {
        let harness = try Harness(start: "2026-11-23T14:00:00Z")
        try await harness.applyText(followUpWorkflow)
        _ = try await harness.engine.create(workflowID: "follow", id: "d1", input: [], actor: ana)
        try await harness.runScheduler(until: "2026-11-26T13:45:00Z")
        #expect(try await harness.engine.deal(id: "d1").deal.stage == "open")
        try await harness.runScheduler(until: "2026-11-26T14:00:00Z")
        #expect(try await harness.engine.deal(id: "d1").deal.stage == "expired")
        let history = try await harness.engine.history(dealID: "d1")
        let fired = try #require(history.last)
        #expect(fired.kind == "transitioned" && fired.transition == "expire" && fired.actor == "system")
        #expect(fired.at == instant("2026-11-26T14:00:00Z"))
        #expect(fired.note?.hasPrefix("timer 1 of 'open' (test.yaml:") == true)
        // The open stage's tasks are cancelled (but the kept one) and its timers with them.
        let tasks = try await harness.engine.tasks(TaskQuery(dealID: "d1", status: nil))
        #expect(tasks.filter { $0.status == "open" }.map(\.title) == ["Kept"])
        #expect(Set(tasks.filter { $0.status == "cancelled" }.map(\.title)) == ["Call", "Daily check"])
        let timers = try await harness.rows("SELECT stage, status FROM timers WHERE deal_id = 'd1' ORDER BY id")
        #expect(timers.filter { $0["stage"] as String == "open" }.allSatisfy { ($0["status"] as String) != "pending" })
        // So the cancelled Call task never escalates on Friday, and no daily check is created after Thursday.
        try await harness.runScheduler(until: "2026-11-30T00:00:00Z", step: 3600)
        let events = try await harness.firedEvents()
        #expect(!events.contains { $0.type == "task.escalated" })
        #expect(!events.contains { $0.what == "Daily check" && $0.at > instant("2026-11-26T14:00:00Z") })
    }

    @Test func aBlockedTimerTransitionIsRecordedOnceAndNotRetried() async throws {
        let harness = try Harness(start: "2026-11-23T14:00:00Z")
        try await harness.applyText(followUpWorkflow)
        _ = try await harness.engine.create(workflowID: "follow", id: "d1", input: [], actor: ana)
        try await harness.runScheduler(until: "2026-11-30T00:00:00Z", step: 3600)
        #expect(try await harness.engine.deal(id: "d1").deal.stage == "expired")
        let blocked = try await harness.rows("SELECT data, at FROM outbox WHERE type = 'timer.blocked'")
        #expect(blocked.count == 1)
        let data = try JSONValue.parse(blocked[0]["data"] as String)
        #expect(data["transition"]?.text == "close")
        #expect(data["due_at"]?.text == "2026-11-26T15:00:00Z")
        guard case .array(let blockers)? = data["blockers"] else {
            Issue.record("no blockers in \(data.rendered())")
            return
        }
        #expect(blockers.compactMap { $0["message"]?.text } == ["A manager approves closing."])
        let audit = try await harness.engine.history(dealID: "d1").filter { $0.kind == "blocked" }
        #expect(audit.map(\.actor) == ["system"])
        #expect(audit.map(\.transition) == ["close"])
        let timer = try await harness.rows("SELECT status FROM timers WHERE deal_id = 'd1' AND stage = 'expired'")
        #expect(timer.map { $0["status"] as String } == ["blocked"])
    }

    @Test func anAtTimerFollowsItsFieldAndFiresLateWhenAlreadyPast() async throws {
        let harness = try Harness(start: "2026-11-23T14:00:00Z")
        try await harness.applyText(followUpWorkflow.replacingOccurrences(of: "after: 3 days", with: "after: 30 days"))
        _ = try await harness.engine.create(workflowID: "follow", id: "d1", input: [], actor: ana)
        func renewTimers() async throws -> [Row] {
            try await harness.rows(
                "SELECT due_at, status, late FROM timers WHERE transition = 'renew' ORDER BY created_at, id"
            )
        }
        #expect(try await renewTimers().isEmpty)  // `renewal` is unset: nothing is scheduled
        _ = try await harness.engine.update(dealID: "d1", input: set(["renewal": "2026-12-10T15:00:00Z"]), actor: ana)
        _ = try await harness.engine.update(dealID: "d1", input: set(["renewal": "2026-12-12T15:00:00Z"]), actor: ana)
        let timers = try await renewTimers()
        #expect(timers.map { $0["status"] as String } == ["cancelled", "pending"])
        #expect(
            timers.map { $0["due_at"] as Int64 } == [millis("2026-12-09T15:00:00Z"), millis("2026-12-11T15:00:00Z")]
        )
        // Set to an instant already past: scheduled late, and fired by the next run, marked late.
        _ = try await harness.engine.update(dealID: "d1", input: set(["renewal": "2026-11-23T15:00:00Z"]), actor: ana)
        #expect(try await renewTimers().last.map { $0["late"] as Bool } == true)
        harness.clock.advance(by: 60)
        let report = try await harness.scheduler.fireDue()
        #expect(report.transitions == 1)
        #expect(try await harness.engine.deal(id: "d1").deal.stage == "renewing")
        let event = try await harness.firedEvents(["deal.transitioned"]).last
        #expect(event?.what == "renew")
        let data = try await harness.rows("SELECT data FROM outbox WHERE type = 'deal.transitioned'")
        #expect(try JSONValue.parse(data[0]["data"] as String)["late_seconds"]?.text == "82860")
    }

    @Test func aSnoozedTaskRemindsAgainAtItsNewTime() async throws {
        let harness = try Harness(start: "2026-11-23T14:00:00Z")
        try await harness.applyText(followUpWorkflow.replacingOccurrences(of: "after: 3 days", with: "after: 30 days"))
        _ = try await harness.engine.create(workflowID: "follow", id: "d1", input: [], actor: ana)
        let kept = try #require(try await harness.engine.tasks(TaskQuery(dealID: "d1")).first { $0.title == "Kept" })
        try await harness.runScheduler(until: "2026-11-23T19:00:00Z")
        let snoozed = try await harness.engine.snoozeTask(
            id: kept.id,
            by: CalendarDuration(1, .businessDays),
            actor: ana
        )
        // Overdue since 13:00: a business day from now (14:00), Tuesday 14:00.
        #expect(snoozed.dueAt == instant("2026-11-24T19:00:00Z"))
        try await harness.runScheduler(until: "2026-11-25T00:00:00Z")
        let reminders = try await harness.firedEvents(["task.reminder"]).filter { $0.what == "Kept" }.map(\.at)
        #expect(reminders == [instant("2026-11-23T18:00:00Z"), instant("2026-11-24T19:00:00Z")])
        let log = try await harness.store.taskLog(taskID: kept.id)
        #expect(log.map(\.actor) == ["ana"])
        #expect(log.first?.detail == "1 business day: due 2026-11-23T18:00:00Z -> 2026-11-24T19:00:00Z")
        await #expect {
            _ = try await harness.engine.completeTask(id: "task-nope", actor: ana)
        } throws: { error in
            guard case EngineError.unknownTask("task-nope") = error else { return false }
            return true
        }
        _ = try await harness.engine.completeTask(id: kept.id, actor: ana)
        await #expect {
            _ = try await harness.engine.snoozeTask(id: kept.id, by: CalendarDuration(1, .days), actor: ana)
        } throws: { error in
            "\(error)".contains("task '\(kept.id)' is done, not open, so it cannot be snoozed")
        }
    }
}

@Suite("Scheduler: downtime, batches and races")
struct SchedulerRecoveryTests {
    @Test func afterA72HourOutageOneOffItemsFireOnceAndRepeatingOnesCoalesce() async throws {
        let harness = try Harness(start: "2026-11-23T14:00:00Z")
        try await harness.applyText(
            followUpWorkflow.replacingOccurrences(of: "every: 1 day", with: "every: 1 hour")
        )
        _ = try await harness.engine.create(workflowID: "follow", id: "d1", input: [], actor: ana)
        harness.clock.advance(by: 2 * 3600)  // Monday 11:00, all caught up
        _ = try await harness.scheduler.fireDue()
        let before = try await harness.firedEvents().count
        harness.clock.advance(by: 72 * 3600)  // Thursday 11:00: down since Monday
        let report = try await harness.scheduler.fireDue()
        let events = try await harness.firedEvents().dropFirst(before)
        // Kept (Monday 13:00) and Call (Wednesday 09:00) remind once each, late; the expire timer
        // (Thursday 09:00) fires once; the hourly check missed 72 occurrences and creates one task.
        #expect(events.filter { $0.what == "Kept" }.count == 1)
        #expect(events.filter { $0.what == "Call" }.count == 1)
        #expect(events.filter { $0.type == "deal.transitioned" }.map(\.what) == ["expire"])
        let checks = try await harness.rows(
            "SELECT COUNT(*) AS n FROM tasks WHERE title = 'Daily check' AND created_at > ?",
            [millis("2026-11-23T17:00:00Z")]
        )
        #expect(checks[0]["n"] as Int == 1)
        #expect(report.maxLateness >= 70 * 3600)
        // Nothing fires twice: a second pass at the same instant finds nothing.
        #expect(try await harness.scheduler.fireDue().fired == 0)
        let lateness = try await harness.rows(
            "SELECT data FROM outbox WHERE type = 'task.reminder' AND data LIKE '%Kept%'"
        )
        #expect(try JSONValue.parse(lateness[0]["data"] as String)["late_seconds"]?.text == String(70 * 3600))
    }

    @Test func aRepeatingTimerCoalescesItsMissedOccurrencesIntoOneFiring() async throws {
        let harness = try Harness(start: "2026-11-23T14:00:00Z")
        try await harness.applyText(
            followUpWorkflow.replacingOccurrences(of: "after: 3 days", with: "after: 30 days")
                .replacingOccurrences(of: "every: 1 day", with: "every: 1 hour")
        )
        _ = try await harness.engine.create(workflowID: "follow", id: "d1", input: [], actor: ana)
        harness.clock.advance(by: 72 * 3600 + 30 * 60)  // Thursday 09:30
        let report = try await harness.scheduler.fireDue()
        #expect(report.tasksCreated == 1)
        let pending = try await harness.store.pendingTimers(dealID: "d1").filter { $0.effect == "next_task" }
        // The next occurrence is the first one after now, on the hour grid of the first one (10:00 local).
        #expect(pending.map(\.dueAt) == [instant("2026-11-26T15:00:00Z")])
        #expect(pending.map(\.occurrence) == [72])
    }

    @Test func freshItemsAreNotStarvedByABacklog() async throws {
        let harness = try Harness(start: "2026-11-23T14:00:00Z")
        try await harness.applyText(followUpWorkflow)
        for index in 0..<30 {
            _ = try await harness.engine.create(workflowID: "follow", id: "old-\(index)", input: [], actor: ana)
        }
        harness.clock.advance(by: 3600 * 5)  // 30 "Daily check" and 30 "Kept" reminders are due
        let lastPass = harness.clock.now()
        harness.clock.advance(by: 60)
        _ = try await harness.engine.create(workflowID: "follow", id: "fresh", input: [], actor: ana)
        // A task due right now, after the last pass: it fell due since then.
        let freshTask = try #require(try await harness.engine.tasks(TaskQuery(dealID: "fresh")).first)
        try await harness.store.writer.write { db in
            try db.execute(
                sql: "UPDATE tasks SET due_at = ? WHERE id = ?",
                arguments: [millis(harness.clock.now()), freshTask.id]
            )
        }
        let scheduler = Scheduler(store: harness.store, clock: harness.clock, batchSize: 8)
        let (report, more) = try await scheduler.fireBatch(at: harness.clock.now(), freshSince: lastPass)
        #expect(report.reminders == 8 && more)
        let keys = try await harness.rows("SELECT key FROM outbox WHERE type = 'task.reminder'").map {
            $0["key"] as String
        }
        #expect(keys.contains { $0.contains(freshTask.id) })
    }

    /// A pass in batches of 4 over 24 deals whose timers move them (cancelling their tasks and other
    /// timers) and create tasks already due, amid runs of reminders: `fireDue` decides a batch while
    /// a batch of reminders commits, and must fire exactly what committing batch after batch does.
    @Test func aPipelinedPassFiresWhatBatchAfterBatchFires() async throws {
        func pass(
            pipelined: Bool,
            order: CommitOrderStore.Order = .readFirst,
            excludingByKey: Bool = false
        ) async throws -> (
            report: Scheduler.Report, outbox: [String], tasks: [String], left: Int, overlapped: Int
        ) {
            try await withTemporaryDatabase { path in
                let store = try SQLiteStore(path: path)
                let clock = ManualClock("2026-11-23T14:00:00Z")
                let engine = Engine(store: store, clock: clock, identifiers: SequentialIdentifiers())
                _ = try await engine.applyWorkflow(source: followUpWorkflow, file: "test.yaml")
                for index in 0..<24 {
                    // Every third deal renews on Wednesday: its `renew` timer (Tuesday) moves it first.
                    let input = index % 3 == 0 ? set(["renewal": "2026-11-25T15:00:00Z"]) : []
                    _ = try await engine.create(workflowID: "follow", id: "d\(index)", input: input, actor: ana)
                }
                clock.set(instant("2026-11-27T15:00:00Z"))
                let ordered = CommitOrderStore(store, order: order)
                let scheduler = Scheduler(
                    store: excludingByKey ? KeyExclusionStore(ordered) : ordered,
                    clock: clock,
                    identifiers: SequentialIdentifiers(namespace: "s"),
                    batchSize: 4
                )
                var report = Scheduler.Report()
                if pipelined {
                    report = try await scheduler.fireDue()
                } else {
                    while true {
                        let batch = try await scheduler.fireBatch(at: clock.now(), freshSince: nil).report
                        report.add(batch)
                        if batch.fired + batch.skipped + batch.conflicts == 0 { break }
                    }
                }
                let outbox = try await store.writer.read { db in
                    try Row.fetchAll(db, sql: "SELECT type, deal_id, key, data FROM outbox ORDER BY id").map {
                        "\($0["type"] as String) \($0["deal_id"] as String) \($0["key"] as String? ?? "-") \($0["data"] as String)"
                    }
                }
                let tasks = try await store.writer.read { db in
                    try Row.fetchAll(db, sql: "SELECT id, deal_id, title, status, reminded_at FROM tasks ORDER BY id")
                        .map {
                            "\($0["id"] as String) \($0["deal_id"] as String) \($0["title"] as String) \($0["status"] as String) \($0["reminded_at"] as Int64? ?? 0)"
                        }
                }
                let left = try await store.dueItems(dueBy: clock.now(), since: nil, limit: 10).count
                return (report, outbox, tasks, left, ordered.overlappedCommits)
            }
        }
        let pipelined = try await pass(pipelined: true)
        #expect(pipelined.overlapped > 0)  // batches of reminders did commit beside the next read
        #expect(pipelined.left == 0)  // nothing due is left for a later pass
        #expect(pipelined.report.transitions == 24)  // 16 deals expire, 8 renew
        #expect(pipelined.report.reminders > 24 && pipelined.report.tasksCreated > 0)
        let keys = pipelined.outbox.map { $0.split(separator: " ")[2] }.filter { $0 != "-" }
        #expect(Set(keys).count == keys.count)  // each item's effects written once
        let serial = try await pass(pipelined: false, order: .asItComes)
        #expect(pipelined.report == serial.report)
        #expect(pipelined.outbox == serial.outbox)
        #expect(pipelined.tasks == serial.tasks)
        // The same when each commit of reminders finishes before the next read begins.
        let commitFirst = try await pass(pipelined: true, order: .commitFirst)
        #expect(commitFirst.report == serial.report)
        #expect(commitFirst.outbox == serial.outbox)
        #expect(commitFirst.tasks == serial.tasks)
        // The same through the protocol's default read, which drops the items in flight by key.
        let byKey = try await pass(pipelined: true, excludingByKey: true)
        #expect(byKey.overlapped > 0)
        #expect(byKey.report == serial.report)
        #expect(byKey.outbox == serial.outbox)
        #expect(byKey.tasks == serial.tasks)
    }

    @Test func twoSchedulersOnOneFileFireEachItemOnce() async throws {
        try await withTemporaryDatabase { path in
            let clock = ManualClock("2026-11-23T14:00:00Z")
            let engine = Engine(store: try SQLiteStore(path: path), clock: clock)
            _ = try await engine.applyWorkflow(source: followUpWorkflow, file: "test.yaml")
            for index in 0..<100 {
                _ = try await engine.create(workflowID: "follow", id: "d\(index)", input: [], actor: ana)
            }
            clock.advance(by: 6 * 3600)
            let first = Scheduler(store: try SQLiteStore(path: path), clock: clock, batchSize: 16)
            let second = Scheduler(store: try SQLiteStore(path: path), clock: clock, batchSize: 16)
            async let a = first.fireDue()
            async let b = second.fireDue()
            let (reportA, reportB) = try await (a, b)
            #expect(reportA.reminders + reportB.reminders == 200)  // Kept and Daily check, once each
            let store = try SQLiteStore(path: path)
            let duplicates = try await store.writer.read { db in
                try Int.fetchOne(
                    db,
                    sql:
                        "SELECT COUNT(*) FROM (SELECT key FROM outbox WHERE key IS NOT NULL GROUP BY key HAVING COUNT(*) > 1)"
                )
            }
            #expect(duplicates == 0)
            let reminded = try await store.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE reminded_at IS NOT NULL")
            }
            #expect(reminded == 200)
        }
    }

    @Test func aTimerWhoseDealNoLongerReadsFailsAloneAndDoesNotBlockTheRest() async throws {
        let harness = try Harness(start: "2026-11-23T14:00:00Z")
        try await harness.applyText(followUpWorkflow)
        _ = try await harness.engine.create(workflowID: "follow", id: "broken", input: [], actor: ana)
        _ = try await harness.engine.create(workflowID: "follow", id: "fine", input: [], actor: ana)
        // A value its workflow's schema refuses, as an old or hand-edited database might hold.
        try await harness.store.writer.write { db in
            try db.execute(sql: #"UPDATE deals SET fields = '{"approved":"maybe"}' WHERE id = 'broken'"#)
        }
        harness.clock.set(instant("2026-11-26T14:00:00Z"))
        let report = try await harness.scheduler.fireDue()
        #expect(report.failed == 2)  // broken's expire and daily-check timers
        #expect(report.transitions == 1)  // fine's expire
        #expect(try await harness.engine.deal(id: "fine").deal.stage == "expired")
        let statuses = try await harness.rows(
            "SELECT DISTINCT status FROM timers WHERE deal_id = 'broken' AND status != 'cancelled'"
        )
        #expect(statuses.map { $0["status"] as String } == ["failed"])
        let blocked = try await harness.rows(
            "SELECT data FROM outbox WHERE type = 'timer.blocked' AND deal_id = 'broken'"
        )
        #expect(blocked.count == 2)
        #expect((blocked.first?["data"] as String?)?.contains("no longer reads") == true)
        #expect(try await harness.scheduler.fireDue().failed == 0)
    }

    @Test func aFiringPerformedTwiceWritesItsEffectsOnce() async throws {
        let harness = try Harness(start: "2026-11-23T14:00:00Z")
        try await harness.applyText(followUpWorkflow)
        _ = try await harness.engine.create(workflowID: "follow", id: "d1", input: [], actor: ana)
        harness.clock.advance(by: 2 * 3600)
        let items = try await harness.store.dueItems(dueBy: harness.clock.now(), since: nil, limit: 10)
        #expect(items.count == 1)
        let event = EventRecord(
            type: "task.reminder",
            dealID: "d1",
            workflowID: "follow",
            at: harness.clock.now(),
            data: "{}",
            key: items[0].key
        )
        let firing = Firing(item: items[0], firedAt: harness.clock.now(), events: [event])
        #expect(try await harness.store.perform([firing, firing]) == [.performed, .skipped])
        #expect(try await harness.store.perform([firing]) == [.skipped])
        #expect(try await harness.rows("SELECT id FROM outbox WHERE type = 'task.reminder'").count == 1)
    }
}

/// Daily items at 01:30, 02:30 and 09:00 local across the DST changes of 2026, each fired exactly once
/// a day, at the instant the DST rule gives: a time in a spring-forward gap moves forward by the gap
/// (02:30 becomes 03:30), a time in a fall-back overlap means its first occurrence.
@Suite("Scheduler: daily items across DST")
struct SchedulerDSTTests {
    struct Case: Sendable, CustomStringConvertible {
        var zone: String
        /// When the deal enters the stage (noon local, the day before the first item).
        var start: String
        /// Expected reminders, in UTC, for the items at 01:30, 02:30 and 09:00, three days each.
        var expected: [String: [String]]
        var description: String { "\(zone) from \(start)" }
    }

    static let cases: [Case] = [
        Case(
            zone: "America/New_York",
            start: "2026-03-06T17:00:00Z",  // springs forward Sunday 2026-03-08 at 02:00
            expected: [
                "01:30": ["2026-03-07T06:30:00Z", "2026-03-08T06:30:00Z", "2026-03-09T05:30:00Z"],
                "02:30": ["2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"],
                "09:00": ["2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z"],
            ]
        ),
        Case(
            zone: "America/New_York",
            start: "2026-10-30T16:00:00Z",  // falls back Sunday 2026-11-01 at 02:00
            expected: [
                "01:30": ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"],
                "02:30": ["2026-10-31T06:30:00Z", "2026-11-01T07:30:00Z", "2026-11-02T07:30:00Z"],
                "09:00": ["2026-10-31T13:00:00Z", "2026-11-01T14:00:00Z", "2026-11-02T14:00:00Z"],
            ]
        ),
        Case(
            zone: "Europe/Madrid",
            start: "2026-03-27T11:00:00Z",  // springs forward Sunday 2026-03-29 at 02:00
            expected: [
                "01:30": ["2026-03-28T00:30:00Z", "2026-03-29T00:30:00Z", "2026-03-29T23:30:00Z"],
                "02:30": ["2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"],
                "09:00": ["2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"],
            ]
        ),
        Case(
            zone: "Europe/Madrid",
            start: "2026-10-23T10:00:00Z",  // falls back Sunday 2026-10-25 at 03:00
            expected: [
                "01:30": ["2026-10-23T23:30:00Z", "2026-10-24T23:30:00Z", "2026-10-26T00:30:00Z"],
                "02:30": ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"],
                "09:00": ["2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"],
            ]
        ),
    ]

    @Test(arguments: cases)
    func eachDailyItemFiresOnceADayAtTheRuleInstant(_ example: Case) async throws {
        let harness = try Harness(start: example.start)
        let times = ["01:30", "02:30", "09:00"]
        try await harness.applyText(
            """
            workflow: daily
            timezone: \(example.zone)
            stages:
              watching:
                initial: true
                timers:
            \(times.map { "      - { after: 1 day at \($0), every: 1 day at \($0), task: { title: \"\($0)\" } }" }.joined(separator: "\n"))
            transitions:
              stop: { from: watching, to: watching }
            """
        )
        _ = try await harness.engine.create(workflowID: "daily", id: "d1", input: [], actor: ana)
        // Every half hour for three and a half days, as a daemon would see them.
        let end = DateTimeFormat.iso8601(instant(example.start).addingTimeInterval(3.5 * 86_400))
        try await harness.runScheduler(until: end, step: 1800)
        let reminders = try await harness.firedEvents(["task.reminder"])
        for time in times {
            #expect(
                reminders.filter { $0.what == time }.map { DateTimeFormat.iso8601($0.at) } == example.expected[time],
                "\(time) in \(example.zone)"
            )
        }
    }
}
