import DealFlowCore
import DealFlowEngine
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
        // Until someone holds admin, any user on the roster may change it; then only admins.
        let noAdmin = [RosterUser(id: "bo", roles: ["rep"])]
        #expect((try? Roster.mayChange(Actor(id: "bo"), among: noAdmin).get()) != nil)
        #expect(throws: RosterRefusal.self) { try Roster.mayChange(Actor(id: "bo"), among: users).get() }
        #expect(try Roster.mayChange(Actor(id: "ana"), among: users).get() == Actor(id: "ana", role: "admin"))
    }
}
