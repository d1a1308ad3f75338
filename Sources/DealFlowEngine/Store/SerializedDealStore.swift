import DealFlowCore
import Foundation

/// A store that lets one writer at a time in (SQLite's write lock, taken when the transaction begins),
/// so that a command on a deal can read it, decide and write the decision in one transaction.
///
/// Nothing can change the deal between the read and the write, and the command costs one trip to the
/// database instead of three (roster, deal, commit): on SQLite that trip, a hop to the writer's queue
/// and back, costs more than the work. `SQLiteStore` is one. A store that many processes write at once
/// on a server (PostgreSQL) is not: there the engine reads, decides, and commits as a compare-and-set on
/// the deal's version, deciding again when another process got there first.
public protocol SerializedDealStore: DealStore {
    /// Reads the deal, the roster and what `idempotencyKey` was first used for, calls `decide` on them,
    /// and writes what it returns, in one write transaction; a throw from `decide` writes nothing.
    ///
    /// - Returns: what `decide` returned beside its writing, and the receipt of the change it wrote.
    func transact<Outcome: Sendable>(
        dealID: String,
        idempotencyKey: String?,
        _ decide: @escaping @Sendable (DealReading) throws -> (DealWriting, Outcome)
    ) async throws -> (outcome: Outcome, receipt: ChangeReceipt?)
}

/// What a command on one deal reads before it decides.
public struct DealReading: Sendable {
    /// The deal; `nil` when there is none.
    public var deal: DealRecord?
    /// The roster; empty when the store keeps none (everyone then acts as given).
    public var users: [RosterUser]
    /// What the command's idempotency key was first used for, if it was.
    public var idempotentResult: IdempotentResult?

    /// Creates a reading.
    public init(deal: DealRecord?, users: [RosterUser], idempotentResult: IdempotentResult?) {
        self.deal = deal
        self.users = users
        self.idempotentResult = idempotentResult
    }
}

/// What a command on one deal writes once it has decided: its change, a blocked or refused attempt for
/// the audit, the roster's refusal of the actor. Each is optional; an empty writing writes nothing.
public struct DealWriting: Sendable {
    /// The change, a compare-and-set on the deal's version.
    public var change: DealChange?
    /// A blocked or refused attempt.
    public var attempt: HistoryRecord?
    /// The roster's refusal of the actor.
    public var refusal: AccessRefusal?

    /// Creates a writing.
    public init(change: DealChange? = nil, attempt: HistoryRecord? = nil, refusal: AccessRefusal? = nil) {
        self.change = change
        self.attempt = attempt
        self.refusal = refusal
    }
}
