import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation
import GRDB
import Testing

/// On SQLite, a command on a deal reads the roster and the deal, decides and writes in one transaction
/// (``SerializedDealStore``). What it writes is all or nothing, and an engine that has not met the
/// deal's workflow yet (every CLI process) loads it and still acts once.
@Suite struct SerializedStoreTests {
    static let workflow = """
        workflow: serial
        roles: [rep]
        stages:
          open:
            initial: true
          done: {}
        transitions:
          finish: { from: open, to: done }
        """

    static func harnessWithDeal() async throws -> Harness {
        let harness = try Harness()
        try await harness.applyText(workflow, file: "serial.yaml")
        _ = try await harness.engine.create(workflowID: "serial", id: "d1", input: [], actor: ana)
        return harness
    }

    @Test func aFreshEngineLoadsTheDealsWorkflowAndFiresOnce() async throws {
        let harness = try await Self.harnessWithDeal()
        let fresh = Engine(store: harness.store, clock: harness.clock, identifiers: SequentialIdentifiers())
        let result = try await fresh.fire(dealID: "d1", transition: "finish", actor: ana)
        #expect(result.to == "done")
        #expect(try await harness.engine.deal(id: "d1").deal.stage == "done")
        let kinds = try await harness.rows("SELECT kind FROM deal_history WHERE deal_id = 'd1' ORDER BY seq")
        #expect(kinds.map { $0["kind"] as String } == ["created", "transitioned"])
    }

    @Test func aRefusedActorIsRecordedAndTheDealIsLeftAsItWas() async throws {
        let harness = try await Self.harnessWithDeal()
        _ = try await harness.engine.addUser(RosterUser(id: "maria", roles: ["admin", "rep"]), actor: .system)
        await #expect(throws: EngineError.self) {
            try await harness.engine.fire(dealID: "d1", transition: "finish", actor: Actor(id: "mallory", role: "rep"))
        }
        let refusals = try await harness.rows("SELECT actor, action, deal_id FROM access_refusals")
        #expect(
            refusals.map { "\($0["actor"] as String) \($0["action"] as String) \($0["deal_id"] as String)" }
                == ["mallory deal fire d1 finish d1"]
        )
        #expect(try await harness.engine.deal(id: "d1").deal.version == 1)
        // Refused before the deal is looked for: an unknown deal says nothing to someone not on the roster.
        await #expect(throws: EngineError.self) {
            try await harness.engine.update(dealID: "nope", input: [], actor: Actor(id: "mallory"))
        }
        #expect(try await harness.rows("SELECT action FROM access_refusals").count == 2)
    }

    @Test func whatOneTransactionWritesIsAllOrNothing() async throws {
        let harness = try await Self.harnessWithDeal()
        let deal = try #require(try await harness.store.deal(id: "d1"))
        let refusal = AccessRefusal(
            at: harness.clock.now(),
            actor: "mallory",
            role: nil,
            action: "deal fire d1 finish",
            dealID: "d1",
            reason: "test"
        )
        // A stale change fails its compare-and-set: the refusal written before it goes too.
        await #expect(throws: StoreError.self) {
            try await harness.store.transact(dealID: "d1", idempotencyKey: nil) { reading in
                (DealWriting(change: DealChange(deal: deal, expectedVersion: 99, history: []), refusal: refusal), 0)
            }
        }
        #expect(try await harness.rows("SELECT * FROM access_refusals").isEmpty)
        // A decision that throws writes nothing.
        struct Undecided: Error {}
        await #expect(throws: Undecided.self) {
            try await harness.store.transact(dealID: "d1", idempotencyKey: nil) { _ -> (DealWriting, Int) in
                throw Undecided()
            }
        }
        #expect(try await harness.rows("SELECT * FROM access_refusals").isEmpty)
        // The reading is the deal as stored; the outcome comes back once the writing is committed.
        let (outcome, receipt) = try await harness.store.transact(dealID: "d1", idempotencyKey: "k") { reading in
            (DealWriting(refusal: refusal), "\(reading.deal?.stage ?? "none") \(reading.idempotentResult == nil)")
        }
        #expect(outcome == "open true")
        #expect(receipt == nil)
        #expect(try await harness.rows("SELECT * FROM access_refusals").count == 1)
    }
}
