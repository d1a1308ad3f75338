import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation

/// A test store in front of a SQLite store: every ``DealStore`` call it does not implement itself goes
/// to `base`. Seen through this port alone, it is not a ``SerializedDealStore``.
protocol ForwardingDealStore: DealStore {
    var base: SQLiteStore { get }
}

extension ForwardingDealStore {
    func saveWorkflow(_ workflow: StoredWorkflow) async throws { try await base.saveWorkflow(workflow) }
    func workflow(id: String, version: Int?) async throws -> StoredWorkflow? {
        try await base.workflow(id: id, version: version)
    }
    func workflows() async throws -> [StoredWorkflow] { try await base.workflows() }
    func deal(id: String) async throws -> DealRecord? { try await base.deal(id: id) }
    func existingDealIDs(among ids: [String]) async throws -> Set<String> {
        try await base.existingDealIDs(among: ids)
    }
    func deals(_ query: DealQuery) async throws -> [DealRecord] { try await base.deals(query) }
    func history(dealID: String) async throws -> [HistoryRecord] { try await base.history(dealID: dealID) }
    func openTasks(dealID: String) async throws -> [TaskRecord] { try await base.openTasks(dealID: dealID) }
    func pendingTimers(dealID: String) async throws -> [TimerRecord] { try await base.pendingTimers(dealID: dealID) }
    func idempotentResult(dealID: String, key: String) async throws -> IdempotentResult? {
        try await base.idempotentResult(dealID: dealID, key: key)
    }
    func commit(_ changes: [DealChange]) async throws -> [ChangeReceipt] { try await base.commit(changes) }
    func recordAttempt(_ attempt: HistoryRecord) async throws { try await base.recordAttempt(attempt) }
}
