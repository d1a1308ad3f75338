import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation
import Testing

/// The engine side of daily operations: what the CLI tests do not reach.
@Suite("Engine: migration reasons, the roster rules")
struct DailyOperationsEngineTests {
    static let version1 = """
        workflow: m
        timezone: UTC
        fields:
          company: { type: string, required: true }
          email: { type: string }
          seats: { type: text }
        stages:
          lead: { initial: true, probability: 10 }
          qualified: { probability: 30 }
          won: { outcome: won }
        transitions:
          qualify: { from: lead, to: qualified }
          win: { from: qualified, to: won }

        """

    /// Version 2: `qualified` requires an email, `seats` becomes a number, and `owner_region` is required
    /// without a default.
    static let version2 = """
        workflow: m
        timezone: UTC
        fields:
          company: { type: string, required: true }
          email: { type: string }
          seats: { type: int }
          owner_region: { type: string, required: true }
        stages:
          lead: { initial: true, probability: 10 }
          qualified: { probability: 30, requires: [email] }
          won: { outcome: won }
        transitions:
          qualify: { from: lead, to: qualified }
          win: { from: qualified, to: won }

        """

    @Test func everyReasonADealStaysIsNamed() async throws {
        let harness = try Harness()
        try await harness.applyText(Self.version1)
        let engine = harness.engine
        _ = try await engine.create(workflowID: "m", id: "q", input: set(["company": "Q"]), actor: ana)
        _ = try await engine.fire(dealID: "q", transition: "qualify", actor: ana)
        _ = try await engine.create(
            workflowID: "m",
            id: "s",
            input: set(["company": "S", "seats": "a dozen"]),
            actor: ana
        )
        try await harness.applyText(Self.version2)
        let plan = try await engine.migrate(workflowID: "m", toVersion: 2, mapping: [:], dryRun: true, actor: ana)
        let reasons = Dictionary(uniqueKeysWithValues: plan.stays.map { ($0.dealID, $0.reason) })
        #expect(plan.moves.isEmpty)
        #expect(reasons["q"] == "version 2 requires the field 'owner_region', which the deal does not have")
        #expect(reasons["s"]?.hasPrefix("its field 'seats' no longer fits version 2:") == true, "\(reasons)")
    }

    @Test func aTargetStagesRequirementsMustBeMet() async throws {
        let harness = try Harness()
        try await harness.applyText(Self.version1)
        let engine = harness.engine
        _ = try await engine.create(workflowID: "m", id: "q", input: set(["company": "Q"]), actor: ana)
        _ = try await engine.fire(dealID: "q", transition: "qualify", actor: ana)
        _ = try await engine.create(
            workflowID: "m",
            id: "r",
            input: set(["company": "R", "email": "r@x.co"]),
            actor: ana
        )
        _ = try await engine.fire(dealID: "r", transition: "qualify", actor: ana)
        try await harness.applyText(
            Self.version2.replacingOccurrences(of: "  owner_region: { type: string, required: true }\n", with: "")
        )
        let plan = try await engine.migrate(workflowID: "m", toVersion: 2, mapping: [:], dryRun: false, actor: ana)
        #expect(plan.moves.map(\.dealID) == ["r"])
        #expect(plan.stays.map(\.reason) == ["stage 'qualified' of version 2 requires 'email', which is unset"])
        #expect(try await engine.deal(id: "r").deal.workflowVersion == 2)
        #expect(try await engine.deal(id: "q").deal.workflowVersion == 1)
        let entry = try await engine.history(dealID: "r").last
        #expect(entry?.kind == "migrated" && entry?.dealVersion == 3)
    }

    @Test func repeatingTaskTimersAreScheduledAgainFromTheirNextOccurrence() async throws {
        let harness = try Harness()
        let workflow = """
            workflow: r
            timezone: UTC
            fields:
              renewal: { type: date }
            stages:
              customer:
                initial: true
                probability: 100
                timers:
                  - at: renewal
                    every: 7 days
                    task: { title: "Renewal check", kind: call }
                  - after: 2 days
                    every: 1 day
                    task: { title: "Daily check", kind: todo }
              gone: { probability: 0 }
            transitions:
              leave: { from: customer, to: gone }

            """
        try await harness.applyText(workflow)
        _ = try await harness.engine.create(workflowID: "r", id: "c", input: set(["renewal": "2026-11-24"]), actor: ana)
        try await harness.applyText(workflow.replacingOccurrences(of: "Daily check", with: "Daily check-in"))
        harness.clock.advance(by: 10 * 86_400)  // 2026-12-03T14:00Z
        let plan = try await harness.engine.migrate(
            workflowID: "r",
            toVersion: 2,
            mapping: [:],
            dryRun: false,
            actor: ana
        )
        #expect(plan.moves.map(\.timersScheduled) == [2])
        let timers = try await harness.store.pendingTimers(dealID: "c").map {
            "\($0.timerIndex) \($0.occurrence) \(DateTimeFormat.iso8601($0.dueAt))"
        }
        // The weekly one from 24 November: the 8th of December is its second; the daily one from the 25th
        // at 14:00: the 4th of December is its ninth.
        #expect(timers == ["1 9 2026-12-04T14:00:00Z", "0 2 2026-12-08T00:00:00Z"])
        // The tasks the first version created are kept, not created again.
        #expect(try await harness.store.openTasks(dealID: "c").count == 2)
    }

    @Test func theRosterRules() throws {
        let users = [RosterUser(id: "ana", roles: ["rep", "admin"]), RosterUser(id: "bo", roles: ["rep"])]
        #expect(try Roster.authorize(Actor(id: "x", role: "ceo"), among: []).get() == Actor(id: "x", role: "ceo"))
        #expect(try Roster.authorize(Actor(id: "bo"), among: users).get() == Actor(id: "bo", role: "rep"))
        #expect(
            try Roster.authorize(Actor(id: "ana", role: "admin"), among: users).get() == Actor(id: "ana", role: "admin")
        )
        #expect(throws: RosterRefusal.self) { try Roster.authorize(Actor(id: "bo", role: "admin"), among: users).get() }
        #expect(throws: RosterRefusal.self) { try Roster.authorize(Actor(id: "cy"), among: users).get() }
        #expect(try Roster.authorize(.system, among: users).get() == .system)
        // Without a role asked for, the first held role, and the others for transitions it may not fire.
        let acting = try Roster.authorize(Actor(id: "ana"), among: users).get()
        #expect(acting.role == "rep" && acting.otherRoles == ["admin"])
        // Anyone may start the roster, with an admin; then only admins change it, and one stays.
        #expect((try? Roster.mayChange(Actor(id: "x"), among: []).get()) != nil)
        #expect(throws: RosterRefusal.self) { try Roster.mayChange(Actor(id: "bo"), among: users).get() }
        #expect(try Roster.mayChange(Actor(id: "ana"), among: users).get() == Actor(id: "ana", role: "admin"))
        #expect(Roster.checkChange(from: [], to: [RosterUser(id: "bo", roles: ["rep"])]) != nil)
        #expect(Roster.checkChange(from: users, to: [RosterUser(id: "bo", roles: ["rep"])]) != nil)
        #expect(Roster.checkChange(from: users, to: []) == nil)
        #expect(Roster.checkChange(from: [], to: users) == nil)
    }
}
