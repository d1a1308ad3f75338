import DealFlowCore
import Foundation

/// The store port: what the engine needs from a database, and nothing more.
///
/// A backend (SQLite now, PostgreSQL later) implements it; ``DealFlowTestKit``'s conformance suite
/// checks that it behaves as the engine assumes. Every `commit` is one transaction: all of its changes
/// are written, with their history, tasks, timers and events, or none is.
public protocol DealStore: Sendable {
    /// Stores a workflow version; throws ``StoreError/duplicateWorkflowVersion(_:_:)`` if that number
    /// is taken.
    func saveWorkflow(_ workflow: StoredWorkflow) async throws
    /// A workflow version, or its highest version when `version` is `nil`.
    func workflow(id: String, version: Int?) async throws -> StoredWorkflow?
    /// Every version of every workflow, by id then version.
    func workflows() async throws -> [StoredWorkflow]

    /// A deal.
    func deal(id: String) async throws -> DealRecord?
    /// Which of these deal ids exist.
    func existingDealIDs(among ids: [String]) async throws -> Set<String>
    /// Deals matching a query, by creation time then id.
    func deals(_ query: DealQuery) async throws -> [DealRecord]
    /// A deal's history and audit entries, in the order they happened.
    func history(dealID: String) async throws -> [HistoryRecord]
    /// A deal's open tasks, by due time.
    func openTasks(dealID: String) async throws -> [TaskRecord]
    /// A deal's pending timers, by due time.
    func pendingTimers(dealID: String) async throws -> [TimerRecord]
    /// The request and result stored with an idempotency key used on a deal.
    func idempotentResult(dealID: String, key: String) async throws -> IdempotentResult?

    /// Writes changes in one transaction, each a compare-and-set on its deal's version.
    ///
    /// - Throws: ``StoreError/versionConflict(dealID:expected:actual:)`` when a deal changed since it was
    ///   read, ``StoreError/duplicateDeal(_:)`` when a new deal's id is taken,
    ///   ``StoreError/idempotencyKeyUsed(dealID:key:result:)`` when a key was used meanwhile; nothing is
    ///   written then.
    @discardableResult
    func commit(_ changes: [DealChange]) async throws -> [ChangeReceipt]
    /// Appends a refused or blocked attempt to the audit table.
    func recordAttempt(_ attempt: HistoryRecord) async throws
}

/// Which deals to list.
public struct DealQuery: Hashable, Sendable {
    public var workflowID: String?
    public var stage: String?
    public var owner: String?
    public var limit: Int?
    /// How many matching deals to skip first.
    public var offset: Int?
    /// Only deals whose field holds a stored text sorting before a value, byte by byte (ISO dates and
    /// instants sort as text): `close_date` before a day. A deal without the field does not match.
    public var fieldBefore: FieldBefore?

    /// A field's stored text below a bound.
    public struct FieldBefore: Hashable, Sendable {
        /// The field: letters, digits and `_` only (a workflow's field names), or the bound is ignored.
        public var field: String
        public var value: String

        /// Creates a bound.
        public init(field: String, value: String) {
            self.field = field
            self.value = value
        }

        /// Whether the field's name can be written into a JSON path as it is.
        public var isPlainName: Bool {
            !field.isEmpty
                && field.unicodeScalars.allSatisfy {
                    $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0))
                }
        }
    }

    /// Creates a query; every filter is optional.
    public init(
        workflowID: String? = nil,
        stage: String? = nil,
        owner: String? = nil,
        limit: Int? = nil,
        offset: Int? = nil,
        fieldBefore: FieldBefore? = nil
    ) {
        self.fieldBefore = fieldBefore
        self.workflowID = workflowID
        self.stage = stage
        self.owner = owner
        self.limit = limit
        self.offset = offset
    }
}

/// What a store refuses, whatever its backend.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The deal's version is not the one the change was decided on.
    case versionConflict(dealID: String, expected: Int, actual: Int?)
    /// A deal with this id exists.
    case duplicateDeal(String)
    /// This version number of the workflow is taken.
    case duplicateWorkflowVersion(String, Int)
    /// The idempotency key was used on this deal meanwhile, for `first`.
    case idempotencyKeyUsed(dealID: String, key: String, first: IdempotentResult)
    /// The database could not be opened or read.
    case unavailable(String)

    /// One sentence.
    public var description: String {
        switch self {
        case .versionConflict(let deal, let expected, let actual):
            "deal '\(deal)' is at version \(actual.map(String.init) ?? "none"), not \(expected)"
        case .duplicateDeal(let id): "a deal with id '\(id)' already exists"
        case .duplicateWorkflowVersion(let id, let version): "version \(version) of workflow '\(id)' already exists"
        case .idempotencyKeyUsed(let deal, let key, _): "idempotency key '\(key)' was already used on deal '\(deal)'"
        case .unavailable(let reason): reason
        }
    }
}
