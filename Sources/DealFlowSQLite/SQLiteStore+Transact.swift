import DealFlowEngine
import Foundation
import GRDB

extension SQLiteStore: SerializedDealStore {
    public func transact<Outcome: Sendable>(
        dealID: String,
        idempotencyKey: String?,
        _ decide: @escaping @Sendable (DealReading) throws -> (DealWriting, Outcome)
    ) async throws -> (outcome: Outcome, receipt: ChangeReceipt?) {
        // A task cancelled before its command began writes nothing, as on GRDB's queue.
        try Task.checkCancellation()
        return try writeOnCallingThread { db in
            let reading = DealReading(
                deal: try SQLiteStore.deal(id: dealID, in: db),
                users: try SQLiteStore.users(in: db),
                idempotentResult: try idempotencyKey.flatMap {
                    try SQLiteStore.idempotentResult(dealID: dealID, key: $0, in: db)
                }
            )
            let (writing, outcome) = try decide(reading)
            if let refusal = writing.refusal { try SQLiteStore.insertRefusal(refusal, in: db) }
            if let attempt = writing.attempt { try SQLiteStore.insertAttempt(attempt, in: db) }
            return (outcome, try writing.change.map { try SQLiteStore.apply($0, in: db) })
        }
    }
}
