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
        fields:
          amount: { type: decimal }
        stages:
          open:
            initial: true
          done: {}
        transitions:
          finish: { from: open, to: done, guard: amount > 0 }
        """

    static func harnessWithDeal(amount: String = "100") async throws -> Harness {
        let harness = try Harness()
        try await harness.applyText(workflow, file: "serial.yaml")
        _ = try await harness.engine.create(workflowID: "serial", id: "d1", input: set(["amount": amount]), actor: ana)
        return harness
    }

    static func freshEngine(on harness: Harness) -> Engine {
        Engine(store: harness.store, clock: harness.clock, identifiers: SequentialIdentifiers())
    }

    @Test func aFreshEngineLoadsTheDealsWorkflowAndFiresOnce() async throws {
        let harness = try await Self.harnessWithDeal()
        let result = try await Self.freshEngine(on: harness).fire(dealID: "d1", transition: "finish", actor: ana)
        #expect(result.to == "done")
        #expect(try await harness.engine.deal(id: "d1").deal.stage == "done")
        let kinds = try await harness.rows("SELECT kind FROM deal_history WHERE deal_id = 'd1' ORDER BY seq")
        #expect(kinds.map { $0["kind"] as String } == ["created", "transitioned"])
        #expect(try await harness.rows("SELECT * FROM deal_audit").isEmpty)
        #expect(try await harness.rows("SELECT * FROM access_refusals").isEmpty)
    }

    @Test func aFreshEngineReplaysAnIdempotencyKeyAndChangesNothing() async throws {
        let harness = try await Self.harnessWithDeal()
        let first = try await harness.engine.fire(dealID: "d1", transition: "finish", idempotencyKey: "k", actor: ana)
        let again = try await Self.freshEngine(on: harness)
            .fire(dealID: "d1", transition: "finish", idempotencyKey: "k", actor: ana)
        #expect(again.replayed && !first.replayed)
        #expect(again.json == first.json)
        #expect(try await harness.rows("SELECT * FROM deal_history WHERE deal_id = 'd1'").count == 2)
    }

    @Test func aBlockedFireIsAuditedOnceAndChangesNothing() async throws {
        let harness = try await Self.harnessWithDeal(amount: "0")
        let error = await #expect(throws: EngineError.self) {
            try await Self.freshEngine(on: harness).fire(dealID: "d1", transition: "finish", actor: ana)
        }
        guard case .blocked(let deal, let transition, _)? = error else {
            Issue.record("not blocked: \(String(describing: error))")
            return
        }
        #expect(deal == "d1" && transition == "finish")
        let audit = try await harness.rows("SELECT kind, transition FROM deal_audit WHERE deal_id = 'd1'")
        #expect(audit.map { "\($0["kind"] as String) \($0["transition"] as String)" } == ["blocked finish"])
        #expect(try await harness.engine.deal(id: "d1").deal.version == 1)
    }

    @Test func aRefusedActorIsRecordedAndTheDealIsLeftAsItWas() async throws {
        let harness = try await Self.harnessWithDeal()
        _ = try await harness.engine.addUser(RosterUser(id: "maria", roles: ["admin", "rep"]), actor: .system)
        let mallory = Actor(id: "mallory", role: "rep")
        let refused = await #expect(throws: EngineError.self) {
            try await harness.engine.fire(dealID: "d1", transition: "finish", actor: mallory)
        }
        guard case .actorRefused("mallory", "deal fire d1 finish", _)? = refused else {
            Issue.record("not refused: \(String(describing: refused))")
            return
        }
        #expect(try await harness.engine.deal(id: "d1").deal.version == 1)
        // Refused before the deal is looked for: an unknown deal says nothing to someone not on the roster.
        let unknown = await #expect(throws: EngineError.self) {
            try await harness.engine.update(dealID: "nope", input: [], actor: Actor(id: "mallory"))
        }
        guard case .actorRefused("mallory", "deal set nope", _)? = unknown else {
            Issue.record("not refused: \(String(describing: unknown))")
            return
        }
        let refusals = try await harness.rows("SELECT actor, action, deal_id FROM access_refusals ORDER BY seq")
        #expect(
            refusals.map { "\($0["actor"] as String) \($0["action"] as String) \($0["deal_id"] as String)" }
                == ["mallory deal fire d1 finish d1", "mallory deal set nope nope"]
        )
        #expect(try await harness.rows("SELECT * FROM deal_audit").isEmpty)
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
        // The reading is the deal as stored; the outcome comes back once the writing is committed.
        let (outcome, receipt) = try await harness.store.transact(dealID: "d1", idempotencyKey: "k") { reading in
            (DealWriting(refusal: refusal), "\(reading.deal?.stage ?? "none") \(reading.idempotentResult == nil)")
        }
        #expect(outcome == "open true")
        #expect(receipt == nil)
        #expect(try await harness.rows("SELECT * FROM access_refusals").count == 1)
    }

    /// The path every other store takes (PostgreSQL's): reads, a decision, a compare-and-set, and a new
    /// decision when another process changed the deal in between.
    @Test func aStoreThatIsNotSerializedDecidesAgainAfterAConflict() async throws {
        let harness = try await Self.harnessWithDeal()
        let store = InterleavedStore(harness.store)
        let engine = Engine(store: store, clock: harness.clock, identifiers: SequentialIdentifiers())
        // Another process sets the amount between this fire's read and its commit.
        store.beforeNextCommit = {
            _ = try await harness.engine.update(dealID: "d1", input: set(["amount": "250"]), actor: ana)
        }
        let result = try await engine.fire(dealID: "d1", transition: "finish", actor: ana)
        #expect(result.to == "done" && result.version == 3)
        #expect(store.commits == 2, "the first commit met the other change; the second was decided on it")
        let kinds = try await harness.rows("SELECT kind FROM deal_history WHERE deal_id = 'd1' ORDER BY seq")
        #expect(kinds.map { $0["kind"] as String } == ["created", "updated", "transitioned"])
        let amount = try await harness.rows("SELECT json_extract(fields, '$.amount') AS amount FROM deals")
        #expect(amount.map { $0["amount"] as String } == ["250"])
    }
}

/// A SQLite store seen only through the plain ports (not serialized), that can run another change just
/// before its next commit.
final class InterleavedStore: ForwardingDealStore, RosterStore, @unchecked Sendable {
    let base: SQLiteStore
    private let lock = NSLock()
    private var pending: (@Sendable () async throws -> Void)?
    private var commitCount = 0

    init(_ base: SQLiteStore) { self.base = base }

    var beforeNextCommit: (@Sendable () async throws -> Void)? {
        get { lock.withLock { pending } }
        set { lock.withLock { pending = newValue } }
    }

    var commits: Int { lock.withLock { commitCount } }

    func commit(_ changes: [DealChange]) async throws -> [ChangeReceipt] {
        let interleaved = lock.withLock {
            commitCount += 1
            defer { pending = nil }
            return pending
        }
        try await interleaved?()
        return try await base.commit(changes)
    }

    func users() async throws -> [RosterUser] { try await base.users() }
    func updateRoster(expected: [RosterUser], to users: [RosterUser], at instant: Date) async throws -> Bool {
        try await base.updateRoster(expected: expected, to: users, at: instant)
    }
    func recordRefusal(_ refusal: AccessRefusal) async throws { try await base.recordRefusal(refusal) }
    func refusals(limit: Int) async throws -> [AccessRefusal] { try await base.refusals(limit: limit) }
}
