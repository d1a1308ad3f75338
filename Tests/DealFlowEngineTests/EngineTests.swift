import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import DealFlowTestKit
import DealFlowYAML
import Foundation
import GRDB
import Testing

/// A workflow that makes the order of actions, tasks, timers and blockers visible.
let orderWorkflow = """
    workflow: order
    timezone: UTC
    roles: [rep, manager]
    fields:
      log: { type: string, default: "" }
      note: { type: text }
      amount: { type: decimal, min: 0 }
      due: { type: date }
    stages:
      a:
        initial: true
        probability: 10
        on_exit:
          - set: { log: log + "exit-a;" }
          - task: { title: "After a: {{log}}", due: 1 day }
        on_enter:
          - task: { title: "Call about {{log}}", due: 2 hours }
          - task: { title: "Kept", due: 1 day, keep: true }
        timers:
          - after: 3 days
            fire: to_b
          - at: due
            task: { title: "Due day" }
      b:
        probability: 50
        on_enter:
          - set: { log: log + "enter-b;" }
          - notify: { event: order.entered_b }
      c:
        outcome: won
        requires: [note]
    transitions:
      to_b:
        from: a
        to: b
        actions:
          - set: { log: log + "transition;" }
      finish:
        from: b
        to: c
        roles: [manager]
        requires: [amount]
        guard:
          - expr: amount >= 1000
            message: Only big ones.
    """

@Suite("Engine: workflows")
struct EngineWorkflowTests {
    @Test func versionsChangedContentAndKeepsDealsOnTheirVersion() async throws {
        let harness = try Harness()
        let v1 = try await harness.applyText(orderWorkflow)
        #expect(v1.version == 1)
        let again = try await harness.engine.applyWorkflow(source: orderWorkflow, file: "test.yaml")
        #expect(!again.isNewVersion && again.workflow.version == 1)
        let deal = try await harness.engine.create(workflowID: "order", id: "d1", input: [], actor: ana)
        let changed = orderWorkflow.replacingOccurrences(of: "amount >= 1000", with: "amount >= 5000")
        let v2 = try await harness.engine.applyWorkflow(source: changed, file: "test.yaml")
        #expect(v2.isNewVersion && v2.workflow.version == 2)
        let newer = try await harness.engine.create(workflowID: "order", id: "d2", input: [], actor: ana)
        #expect(deal.deal.workflowVersion == 1)
        #expect(newer.deal.workflowVersion == 2)
        // The deal created on v1 keeps v1's guard after v2 is applied; the one created on v2 has v2's.
        for id in ["d1", "d2"] { _ = try await harness.engine.fire(dealID: id, transition: "to_b", actor: ana) }
        let finish = set(["amount": "2000", "note": "n"])
        _ = try await harness.engine.fire(dealID: "d1", transition: "finish", input: finish, actor: maria)
        await #expect {
            try await harness.engine.fire(dealID: "d2", transition: "finish", input: finish, actor: maria)
        } throws: { error in
            guard case EngineError.blocked(_, _, let blockers) = error else { return false }
            return blockers.map(\.explanation) == ["amount >= 5000 failed: amount = 2000"]
        }
        #expect(try await harness.engine.deal(id: "d1").deal.stage == "c")
        #expect(try await harness.engine.deal(id: "d2").deal.stage == "b")
    }

    @Test func aPinnedVersionIsRefusedWhenItHoldsOtherContent() async throws {
        let harness = try Harness()
        let pinned = "version: 3\n" + orderWorkflow
        #expect(try await harness.applyText(pinned).version == 3)
        let other = pinned.replacingOccurrences(of: "Only big ones.", with: "Big ones only.")
        await #expect {
            try await harness.applyText(other)
        } throws: { error in
            guard case EngineError.workflowVersionTaken(id: "order", version: 3) = error else { return false }
            return true
        }
        // Without a pinned version, the next number follows the highest.
        #expect(try await harness.applyText(orderWorkflow).version == 4)
    }

    @Test func anInvalidWorkflowIsNotStored() async throws {
        let harness = try Harness()
        await #expect {
            try await harness.applyText(orderWorkflow.replacingOccurrences(of: "to: c", with: "to: cc"))
        } throws: { error in
            guard case EngineError.invalidWorkflow(let loaded) = error else { return false }
            return loaded.diagnostics.map(\.code) == [.unknownStage]
        }
        #expect(try await harness.engine.workflowVersions().isEmpty)
    }
}

@Suite("Engine: deals")
struct EngineDealTests {
    @Test func createRunsTheInitialStageAndSchedulesItsTimers() async throws {
        let harness = try Harness()
        try await harness.applyText(orderWorkflow)
        let view = try await harness.engine.create(workflowID: "order", input: [], actor: ana)
        #expect(view.deal.id == "deal-000001")
        #expect(view.deal.owner == "ana")
        #expect(view.deal.version == 1)
        #expect(view.value(of: "log") == .string(""))
        let tasks = try await harness.store.openTasks(dealID: view.deal.id)
        #expect(tasks.map(\.title) == ["Call about ", "Kept"])
        #expect(tasks.map(\.dueAt) == [instant("2026-11-23T16:00:00Z"), instant("2026-11-24T14:00:00Z")])
        let timers = try await harness.store.pendingTimers(dealID: view.deal.id)
        #expect(timers.map(\.transition) == ["to_b"])
        #expect(timers.map(\.dueAt) == [instant("2026-11-26T14:00:00Z")])
        let history = try await harness.engine.history(dealID: view.deal.id)
        #expect(history.map(\.kind) == ["created"])
        let events = try await harness.rows("SELECT type FROM outbox ORDER BY id").map { $0["type"] as String }
        #expect(events == ["deal.created"])
    }

    @Test func createChecksEveryValue() async throws {
        let harness = try Harness()
        try await harness.apply("workflows/b2b-sales.yaml")
        let cases: [([FieldInput], String)] = [
            (
                set(["company": "Acme", "close_date": "2026-02-30"]),
                "close_date: '2026-02-30' is not a date: February 2026 has 28 days, not 30"
            ),
            (set(["company": "Acme", "currency": "GBP"]), "currency: 'GBP' is not one of USD, EUR, COP"),
            (
                set(["company": "Acme", "lost_reason": "prize"]),
                "lost_reason: 'prize' is not one of price, competitor, no_budget, timing, no_response, other (did you mean 'price'?)"
            ),
            (
                set(["company": "Acme", "amount": "12abc"]),
                "amount: '12abc' is not a decimal number (write it like 8500 or 8500.50)"
            ),
            (set(["company": "Acme", "amount": "-5"]), "amount: -5 is below the minimum, 0"),
            (set(["company": "Acme", "discount_pct": "45"]), "discount_pct: 45 is above the maximum, 40"),
            (set(["company": "Acme", "seats": "2.5"]), "seats: '2.5' is not a whole number"),
            (set(["company": "Acme", "decision_maker": "yes"]), "decision_maker: 'yes' is not true or false"),
            (
                set(["compny": "Acme"]),
                "workflow 'b2b-sales' has no field 'compny' (did you mean 'company'?); its fields are company, contact_name, contact_email, segment, amount, currency, close_date, seats, discount_pct, decision_maker, budget_confirmed, notes, last_contact_at, lost_reason, closed_on, contract_start, contract_end"
            ),
            ([], "'company' is required to create a deal in 'b2b-sales'; give it with --set company=..."),
        ]
        for (input, message) in cases {
            await #expect {
                try await harness.engine.create(workflowID: "b2b-sales", input: input, actor: ana)
            } throws: { error in
                guard case EngineError.invalidInput(let rejection) = error else { return false }
                return rejection.message == message
            }
        }
        #expect(try await harness.engine.deals(DealQuery()).isEmpty)
        let created = try await harness.engine.create(
            workflowID: "b2b-sales",
            id: "acme",
            owner: "luis",
            input: set(["company": "Acme"]),
            actor: ana
        )
        #expect(created.deal.owner == "luis")
        #expect(created.value(of: "currency") == .string("USD"))
        #expect(created.value(of: "decision_maker") == .bool(false))
        await #expect(throws: EngineError.self) {
            try await harness.engine.create(
                workflowID: "b2b-sales",
                id: "acme",
                input: set(["company": "Acme"]),
                actor: ana
            )
        }
        await #expect(throws: EngineError.self) {
            try await harness.engine.create(workflowID: "nope", input: [], actor: ana)
        }
    }

    @Test func actionsRunInOrderEachSeeingThePreviousWrites() async throws {
        let harness = try Harness()
        try await harness.applyText(orderWorkflow)
        let view = try await harness.engine.create(workflowID: "order", id: "d", input: [], actor: ana)
        harness.clock.advance(by: 3600)
        let result = try await harness.engine.fire(dealID: "d", transition: "to_b", note: "go", actor: ana)
        #expect(result.from == "a" && result.to == "b" && result.version == 2)
        #expect(result.tasksCancelled == 1)
        #expect(result.tasksScheduled == 1)
        let after = try await harness.engine.deal(id: "d")
        #expect(after.value(of: "log") == .string("exit-a;transition;enter-b;"))
        #expect(after.deal.enteredStageAt == instant("2026-11-23T15:00:00Z"))
        let tasks = try await harness.rows("SELECT title, status, closed_by FROM tasks ORDER BY created_at, title")
        let states = tasks.map { "\($0["title"] as String)=\($0["status"] as String)" }
        // Titles are rendered with the deal's values after the whole change.
        #expect(states == ["Call about =cancelled", "Kept=open", "After a: exit-a;transition;enter-b;=open"])
        #expect(try await harness.store.pendingTimers(dealID: "d").isEmpty)
        let timers = try await harness.rows("SELECT status FROM timers").map { $0["status"] as String }
        #expect(timers == ["cancelled"])
        let events = try await harness.rows("SELECT type FROM outbox ORDER BY id").map { $0["type"] as String }
        #expect(events == ["deal.created", "deal.transitioned", "order.entered_b"])
        let history = try await harness.engine.history(dealID: view.deal.id)
        #expect(history.map(\.kind) == ["created", "transitioned"])
        #expect(history.last?.note == "go")
        #expect(history.last?.changes == #"{"log":{"from":"","to":"exit-a;transition;enter-b;"}}"#)
    }

    @Test func actionsSeeTheStageTheyRunIn() async throws {
        let harness = try Harness()
        try await harness.applyText(
            """
            workflow: stages
            timezone: UTC
            fields:
              log: { type: string, default: "" }
              waited: { type: int }
            stages:
              a:
                initial: true
                on_enter: [{ set: { log: log + "create:" + stage + ";" } }]
                on_exit: [{ set: { log: log + "exit:" + stage + ";", waited: days_in_stage } }]
              b:
                on_enter: [{ set: { log: log + "enter:" + stage + ";", waited: waited * 10 + days_in_stage } }]
            transitions:
              go:
                from: a
                to: b
                actions: [{ set: { log: log + "go:" + stage + ";", waited: waited * 10 + days_in_stage } }]
            """
        )
        _ = try await harness.engine.create(workflowID: "stages", id: "d", input: [], actor: ana)
        harness.clock.advance(by: 2 * 86_400)
        _ = try await harness.engine.fire(dealID: "d", transition: "go", actor: ana)
        let after = try await harness.engine.deal(id: "d")
        // On exit and in the transition the deal is still in `a`, two days in; on entry it is in `b`, just now.
        #expect(after.value(of: "log") == .string("create:a;exit:a;go:a;enter:b;"))
        #expect(after.value(of: "waited") == .int(220))
    }

    @Test func actionsThatFailOrLeaveARequirementUnsetChangeNothing() async throws {
        let harness = try Harness()
        try await harness.applyText(
            """
            workflow: failing
            timezone: UTC
            fields:
              log: { type: string, default: "" }
              note: { type: text }
              divisor: { type: int, default: 0 }
              ratio: { type: decimal }
            stages:
              a:
                initial: true
              b:
                requires: [note]
                on_enter: [{ set: { log: log + "enter-b;" } }, { set: { note: null } }]
              c:
                on_enter: [{ set: { log: log + "enter-c;" } }, { set: { ratio: 10 / divisor } }]
            transitions:
              to_b: { from: a, to: b }
              to_c: { from: a, to: c }
            """
        )
        _ = try await harness.engine.create(
            workflowID: "failing",
            id: "d",
            input: set(["note": "call Ana"]),
            actor: ana
        )
        await #expect {
            try await harness.engine.fire(dealID: "d", transition: "to_b", actor: ana)
        } throws: { error in
            "\(error)" == "the actions would leave 'note' unset, which stage 'b' requires, on deal 'd'"
        }
        await #expect {
            try await harness.engine.fire(dealID: "d", transition: "to_c", actor: ana)
        } throws: { error in
            "\(error)".hasPrefix("the action 'set ratio' at test.yaml:")
                && "\(error)".hasSuffix("failed on deal 'd': division by zero in '/'")
        }
        // Neither the first action's write nor the move was kept.
        let after = try await harness.engine.deal(id: "d")
        #expect(after.deal.stage == "a" && after.deal.version == 1)
        #expect(after.value(of: "log") == .string("") && after.value(of: "note") == .string("call Ana"))
    }

    @Test func blockersNameTheGuardTheRequirementAndTheValuesSeen() async throws {
        let harness = try Harness()
        try await harness.applyText(orderWorkflow)
        _ = try await harness.engine.create(workflowID: "order", id: "d", input: [], actor: ana)
        // Not from this stage.
        await #expect {
            try await harness.engine.fire(dealID: "d", transition: "finish", actor: maria)
        } throws: { error in
            guard case EngineError.blocked(_, _, let blockers) = error else { return false }
            return blockers.map(\.kind) == [.stage]
                && blockers[0].message == "'finish' does not leave 'a', where the deal is; it starts from b"
        }
        _ = try await harness.engine.fire(dealID: "d", transition: "to_b", actor: ana)
        // A rep may not finish.
        await #expect {
            try await harness.engine.fire(dealID: "d", transition: "finish", actor: ana)
        } throws: { error in
            guard case EngineError.roleNotAllowed(_, _, let blocker) = error else { return false }
            return blocker.message == "ana acts in role 'rep'; it is for manager"
        }
        // A manager is stopped by the transition's requires, its guard and the target stage's requires.
        await #expect {
            try await harness.engine.fire(dealID: "d", transition: "finish", actor: maria)
        } throws: { error in
            guard case EngineError.blocked(_, _, let blockers) = error else { return false }
            return blockers.map(\.kind) == [.requires, .guard, .requires]
                && blockers.map(\.explanation) == [
                    "'finish' requires 'amount'; set it with --set amount=...",
                    "amount >= 1000 failed: amount is not set",
                    "stage 'c' requires 'note'; set it with --set note=...",
                ]
                && blockers[1].message == "Only big ones."
        }
        await #expect {
            try await harness.engine.fire(
                dealID: "d",
                transition: "finish",
                input: set(["amount": "800", "note": "x"]),
                actor: maria
            )
        } throws: { error in
            guard case EngineError.blocked(_, _, let blockers) = error else { return false }
            return blockers.map(\.explanation) == ["amount >= 1000 failed: amount = 800"]
                && blockers[0].values == [NamedValue("amount", .decimal(ExactDecimal(800)))]
        }
        // Nothing changed, and every attempt is in the audit.
        let deal = try await harness.engine.deal(id: "d")
        #expect(deal.deal.version == 2 && deal.value(of: "amount") == .null)
        let kinds = try await harness.engine.history(dealID: "d").map(\.kind)
        #expect(kinds == ["created", "blocked", "transitioned", "refused", "blocked", "blocked"])
        let result = try await harness.engine.fire(
            dealID: "d",
            transition: "finish",
            input: set(["amount": "1500", "note": "signed"]),
            actor: maria
        )
        #expect(result.to == "c" && result.version == 3)
        #expect(try await harness.engine.deal(id: "d").deal.outcome == .won)
    }

    @Test func aDealsVersionIsTheNumberOfItsChanges() async throws {
        let harness = try Harness()
        try await harness.apply("workflows/b2b-sales.yaml")
        _ = try await harness.engine.create(
            workflowID: "b2b-sales",
            id: "d",
            input: set(["company": "Acme", "contact_email": "a@acme.co"]),
            actor: ana
        )
        _ = try await harness.engine.update(dealID: "d", input: set(["decision_maker": "true"]), actor: ana)
        let unchanged = try await harness.engine.update(dealID: "d", input: set(["decision_maker": "true"]), actor: ana)
        #expect(unchanged.changes.isEmpty)
        _ = try await harness.engine.fire(dealID: "d", transition: "qualify", actor: ana)
        await #expect(throws: EngineError.self) {
            try await harness.engine.fire(dealID: "d", transition: "propose", actor: ana)
        }
        let deal = try await harness.engine.deal(id: "d").deal
        let changes =
            try await harness.rows("SELECT COUNT(*) AS n FROM deal_history WHERE deal_id = 'd'")[0]["n"] as Int
        #expect(deal.version == 3 && changes == 3)
        let versions = try await harness.rows("SELECT deal_version FROM deal_history ORDER BY seq").map {
            $0["deal_version"] as Int
        }
        #expect(versions == [1, 2, 3])
    }

    @Test func requiredFieldsCannotBeCleared() async throws {
        let harness = try Harness()
        try await harness.apply("workflows/b2b-sales.yaml")
        _ = try await harness.engine.create(
            workflowID: "b2b-sales",
            id: "d",
            input: set(["company": "Acme", "contact_email": "a@acme.co", "decision_maker": "true"]),
            actor: ana
        )
        await #expect {
            try await harness.engine.update(dealID: "d", input: [FieldInput(field: "company", .clear)], actor: ana)
        } throws: { error in
            "\(error)" == "'company' is required and cannot be cleared on deal 'd'"
        }
        _ = try await harness.engine.fire(dealID: "d", transition: "qualify", actor: ana)
        await #expect {
            try await harness.engine.update(
                dealID: "d",
                input: [FieldInput(field: "contact_email", .clear)],
                actor: ana
            )
        } throws: { error in
            "\(error)"
                == "stage 'qualification' requires 'contact_email', so it cannot be cleared while deal 'd' is there"
        }
        await #expect {
            try await harness.engine.fire(
                dealID: "d",
                transition: "lose",
                input: [FieldInput(field: "company", .clear)],
                actor: ana
            )
        } throws: { error in
            "\(error)" == "'company' is required and cannot be cleared on deal 'd'"
        }
    }

    @Test func anAtTimerIsComputedAgainWhenItsFieldChanges() async throws {
        let harness = try Harness()
        try await harness.applyText(orderWorkflow)
        _ = try await harness.engine.create(workflowID: "order", id: "d", input: [], actor: ana)
        // `at: due` schedules nothing while `due` is unset.
        #expect(try await harness.store.openTasks(dealID: "d").map(\.title) == ["Call about ", "Kept"])
        _ = try await harness.engine.update(dealID: "d", input: set(["due": "2026-12-01"]), actor: ana)
        let first = try await harness.store.openTasks(dealID: "d").filter { $0.title == "Due day" }
        #expect(first.map(\.dueAt) == [instant("2026-12-01T00:00:00Z")])
        _ = try await harness.engine.update(dealID: "d", input: set(["due": "2026-11-20"]), actor: ana)
        let second = try await harness.store.openTasks(dealID: "d").filter { $0.title == "Due day" }
        #expect(second.map(\.dueAt) == [instant("2026-11-20T00:00:00Z")])
        let cancelled = try await harness.rows(
            "SELECT closed_by FROM tasks WHERE title = 'Due day' AND status = 'cancelled'"
        )
        #expect(cancelled.map { $0["closed_by"] as String } == ["rescheduled at version 3"])
    }

    @Test func anExpectedVersionAndAnIdempotencyKeyProtectRepeats() async throws {
        let harness = try Harness()
        try await harness.applyText(orderWorkflow)
        _ = try await harness.engine.create(workflowID: "order", id: "d", input: [], actor: ana)
        await #expect {
            try await harness.engine.fire(dealID: "d", transition: "to_b", expectVersion: 7, actor: ana)
        } throws: { error in
            guard case EngineError.conflict("d", expected: 7, actual: 1) = error else { return false }
            return true
        }
        let first = try await harness.engine.fire(dealID: "d", transition: "to_b", idempotencyKey: "k1", actor: ana)
        let repeated = try await harness.engine.fire(dealID: "d", transition: "to_b", idempotencyKey: "k1", actor: ana)
        #expect(!first.replayed && repeated.replayed)
        #expect(repeated.json == first.json)
        #expect(repeated.tasksCancelled == 1)
        #expect(try await harness.engine.deal(id: "d").deal.version == 2)
        #expect(try await harness.engine.history(dealID: "d").count == 2)
    }

    @Test func theHistoryCannotBeRewritten() async throws {
        let harness = try Harness()
        try await harness.applyText(orderWorkflow)
        _ = try await harness.engine.create(workflowID: "order", id: "d", input: [], actor: ana)
        await #expect(throws: (any Error).self) {
            try await harness.engine.fire(dealID: "d", transition: "finish", actor: ana)
        }
        try await harness.store.recordRefusal(
            AccessRefusal(at: harness.clock.now(), actor: "mallory", role: nil, action: "x", dealID: nil, reason: "y")
        )
        for sql in [
            "UPDATE deal_history SET actor = 'mallory'", "DELETE FROM deal_history",
            "UPDATE deal_audit SET actor = 'mallory'",
            "DELETE FROM deal_audit", "UPDATE access_refusals SET actor = 'ana'", "DELETE FROM access_refusals",
        ] {
            await #expect {
                try await harness.store.writer.write { db in try db.execute(sql: sql) }
            } throws: { error in
                (error as? DatabaseError)?.message?.hasSuffix("is append-only") == true
            }
        }
        #expect(try await harness.engine.history(dealID: "d").map(\.actor) == ["ana", "ana"])
    }

    @Test func concurrentFiresOnOneDealLetExactlyOneWin() async throws {
        try await withTemporaryDatabase { path in
            let setup = Engine(store: try SQLiteStore(path: path), clock: ManualClock("2026-11-23T14:00:00Z"))
            _ = try await setup.applyWorkflow(source: orderWorkflow, file: "order.yaml")
            for index in 0..<20 {
                _ = try await setup.create(workflowID: "order", id: "d\(index)", input: [], actor: ana)
            }
            // Eight engines, each with its own connection pool, race to fire the same transition on every deal.
            let outcomes = try await withThrowingTaskGroup(of: [Bool].self) { group in
                for _ in 0..<8 {
                    let engine = Engine(store: try SQLiteStore(path: path), clock: ManualClock("2026-11-23T15:00:00Z"))
                    group.addTask {
                        var won: [Bool] = []
                        for index in 0..<20 {
                            do {
                                _ = try await engine.fire(dealID: "d\(index)", transition: "to_b", actor: ana)
                                won.append(true)
                            } catch EngineError.blocked {
                                won.append(false)
                            }
                        }
                        return won
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(outcomes.filter { $0 }.count == 20)
            let store = try SQLiteStore(path: path)
            for index in 0..<20 {
                let history = try await store.history(dealID: "d\(index)")
                #expect(history.filter { $0.kind == "transitioned" }.count == 1)
                #expect(try await store.deal(id: "d\(index)")?.version == 2)
            }
        }
    }
}
