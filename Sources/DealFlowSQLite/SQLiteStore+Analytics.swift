import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import Foundation
import GRDB
import GRDBSQLite

extension SQLiteStore: PipelineHistorySource {
    /// Two cursors in one read transaction, both in deal id order: the deals of the workflow (their
    /// fields' JSON read once per deal) and the history's stage entries from the partial index
    /// `deal_history_stage_entries` (deal, version, instant, stage), so that SQLite neither sorts, joins
    /// nor visits the table; entries of other deals are skipped.
    ///
    /// The connection's thread steps the cursors and copies whole deals into batches of 1,024; a thread
    /// of the scan's own builds each deal's timeline, hands it to the reducer and drops it, so that a
    /// report runs on two cores.
    ///
    /// - Complexity: O(history) time; memory for at most four batches of 1,024 deals with their
    ///   stage entries, whatever the history's size.
    public func scanTimelines<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer {
        let deals = Self.dealsQuery(workflow: workflow, owner: owner)
        // Only the entries that enter a stage: the latest touch of any kind is the deal's `updated_at`.
        let history = """
            SELECT deal_id, at, to_stage FROM deal_history
            WHERE kind IN ('created', 'transitioned') ORDER BY deal_id, deal_version
            """
        let stageNames = workflow.definition.stages.map(\.name)
        return try await read { db in
            try Self.fold(reducer, stages: stageNames, entriesPerDeal: Self.usualVisits) { batches in
                var dealRows = try RawRows(db, sql: deals.sql, arguments: deals.arguments, stages: stageNames)
                var entries = try RawRows(db, sql: history, stages: stageNames)
                // The current deal's id as bytes, in one buffer reused deal after deal.
                var currentID: [UInt8] = []
                func nextDeal() throws -> Bool {
                    guard try dealRows.next() else { return false }
                    batches.addDeal(from: dealRows)
                    dealRows.copyText(0, into: &currentID)
                    return true
                }
                var hasDeal = try nextDeal()
                while hasDeal, try entries.next() {
                    var order = entries.compareText(0, with: currentID)
                    if order < 0 { continue }  // a deal of another workflow or owner
                    if order > 0 {
                        // The current deal is complete; a deal without history (none is written so) is
                        // complete at once, and counted all the same.
                        repeat {
                            hasDeal = try nextDeal()
                            order = entries.compareText(0, with: currentID)
                        } while hasDeal && order > 0
                        guard hasDeal, order == 0 else { continue }
                    }
                    batches.addEntry(from: entries)
                }
                while try nextDeal() {}
            }
        }
    }

    /// The deals of a workflow (of one owner), in id order: id, owner, created_at, stage, outcome,
    /// amount, currency, close date, updated_at.
    private static func dealsQuery(
        workflow: ValidatedWorkflow,
        owner: String?
    ) -> (
        sql: String, arguments: StatementArguments
    ) {
        let mapping = workflow.dealFields
        var sql = """
            SELECT id, owner, created_at, stage, outcome,
                json_extract(fields, ?), json_extract(fields, ?), json_extract(fields, ?), updated_at
            FROM deals WHERE workflow_id = ?
            """
        var arguments: StatementArguments = [
            path(mapping.amount), path(mapping.currency), path(mapping.closeDate), workflow.id,
        ]
        if let owner {
            sql += " AND owner = ?"
            arguments += [owner]
        }
        return (sql + " ORDER BY id", arguments)
    }

    /// Most deals go through a handful of stages.
    private static let usualVisits = 8

    public func scanDeals<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer {
        let query = Self.dealsQuery(workflow: workflow, owner: owner)
        let stageNames = workflow.definition.stages.map(\.name)
        return try await read { db in
            try Self.fold(reducer, stages: stageNames, entriesPerDeal: 0) { batches in
                var rows = try RawRows(db, sql: query.sql, arguments: query.arguments, stages: stageNames)
                while try rows.next() { batches.addDeal(from: rows) }
            }
        }
    }

    /// Runs `produce` on this thread, which holds the connection, and the reducer on a thread of its
    /// own: `produce` copies rows into batches of whole deals (SQLite's work), the other thread builds
    /// timelines from them and folds them (Swift's work), at most two queued batches behind. A scan
    /// that fills one batch is folded on this thread.
    private static func fold<Reducer: TimelineReducer>(
        _ reducer: Reducer,
        stages: [String],
        entriesPerDeal: Int,
        produce: (inout DealBatcher) throws -> Void
    ) throws -> Reducer {
        let folded = FoldedReducer(reducer)
        try BoundedHandoff<ScannedDeals>.pipeline(capacity: 2) { send in
            try withoutActuallyEscaping(send) { send in
                var batches = DealBatcher(entriesPerDeal: entriesPerDeal, send: send)
                try produce(&batches)
                batches.sendLast()
            }
        } consume: { batch in
            batch.reduce(into: &folded.reducer, stages: stages)
        }
        return folded.reducer
    }

    /// A field's value by a JSON path; field names are identifiers, so quoting them is enough.
    private static func path(_ field: String?) -> String { field.map { "$.\"\($0)\"" } ?? "$.\"\"" }

    public func taskFacts(workflowID: String, assignee: String?) async throws -> [TaskFact] {
        var sql = "SELECT deal_id, assignee, status, due_at, reminded_at FROM tasks WHERE workflow_id = ?"
        var arguments: StatementArguments = [workflowID]
        if let assignee {
            sql += " AND assignee = ?"
            arguments += [assignee]
        }
        return try await read { [sql, arguments] db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                TaskFact(
                    dealID: $0[0],
                    assignee: $0[1],
                    status: $0[2],
                    dueAt: Millis.date($0[3]),
                    remindedAt: ($0[4] as Int64?).map(Millis.date)
                )
            }
        }
    }
}

/// Rows read straight from SQLite's statement: a report reads a million history rows and a hundred
/// thousand deals, and GRDB's generic row decoding and a `String` per deal id cost more than SQLite
/// itself. Text is compared as bytes, as SQLite orders it, and stage names are matched, not decoded.
private struct RawRows {
    private let statement: Statement
    private let connection: SQLiteConnection?
    /// The bytes of the workflow's stage names.
    private let stages: [[UInt8]]

    init(_ db: Database, sql: String, arguments: StatementArguments = [], stages: [String]) throws {
        statement = try db.makeStatement(sql: sql)
        try statement.setArguments(arguments)
        connection = db.sqliteConnection
        self.stages = stages.map { Array($0.utf8) }
    }

    /// Whether the last row was read (stepping again would start the statement over).
    private var isDone = false

    /// Steps to the next row; `false` after the last, however often it is called.
    mutating func next() throws -> Bool {
        guard !isDone else { return false }
        switch sqlite3_step(statement.sqliteStatement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE:
            isDone = true
            return false
        case let code:
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code),
                message: connection.map { String(cString: sqlite3_errmsg($0)) }
            )
        }
    }

    private func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        let raw = statement.sqliteStatement
        guard let text = sqlite3_column_text(raw, column) else { return nil }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(raw, column)))
    }

    /// A text column compared with `other` byte by byte: negative when it sorts first, 0 when equal.
    func compareText(_ column: Int32, with other: [UInt8]) -> Int {
        guard let text = bytes(column) else { return other.isEmpty ? 0 : -1 }
        let common = min(text.count, other.count)
        let order =
            common == 0 ? 0 : other.withUnsafeBufferPointer { memcmp(text.baseAddress!, $0.baseAddress!, common) }
        return order != 0 ? Int(order) : text.count - other.count
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement.sqliteStatement, column) }

    /// Replaces `buffer`'s bytes with a text column's (none for NULL), keeping its capacity.
    func copyText(_ column: Int32, into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        if let text = bytes(column) { buffer.append(contentsOf: text) }
    }

    /// A stage name: one of the workflow's by its position, or (from an older version) its text.
    func stage(_ column: Int32, into batch: inout ScannedDeals) -> ScannedDeals.Stage {
        guard let text = bytes(column) else { return .null }
        for (index, stage) in stages.enumerated() where stage.count == text.count {
            let equal =
                text.isEmpty
                || stage.withUnsafeBufferPointer { memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0 }
            if equal { return .known(Int32(index)) }
        }
        return .other(batch.append(text: text))
    }

    /// Adds the deal columns every scan selects to a batch: id, owner, created_at, stage, outcome,
    /// amount, currency, close date, updated_at (its latest change of any kind: its last touch).
    func appendDeal(to batch: inout ScannedDeals) {
        let deal = ScannedDeals.Deal(
            id: batch.append(text: bytes(0)),
            owner: batch.append(text: bytes(1)),
            stage: stage(3, into: &batch),
            outcome: batch.append(text: bytes(4)),
            amount: batch.append(text: bytes(5)),
            currency: batch.append(text: bytes(6)),
            closeDate: batch.append(text: bytes(7)),
            createdAt: int64(2),
            updatedAt: int64(8)
        )
        batch.append(deal)
    }

    /// Adds a history row (deal id, instant, stage entered) to a batch, as an entry of its last deal.
    func appendEntry(to batch: inout ScannedDeals) {
        batch.append(ScannedDeals.Entry(at: int64(1), stage: stage(2, into: &batch)))
    }
}

/// Fills batches of whole deals and sends each full one to be folded.
private struct DealBatcher {
    /// Enough to keep the handoff rare, few enough to keep memory small: a batch of a scan of the
    /// history reserves about 350 KB, and at most four exist at once (one filling, two queued, one
    /// folding).
    static let dealsPerBatch = 1024
    private let entriesPerDeal: Int
    private let send: (ScannedDeals) -> Void
    private var batch: ScannedDeals

    /// Batches that make room for `entriesPerDeal` history entries a deal.
    init(entriesPerDeal: Int, send: @escaping (ScannedDeals) -> Void) {
        self.entriesPerDeal = entriesPerDeal
        self.send = send
        batch = ScannedDeals(reservingDeals: Self.dealsPerBatch, entriesPerDeal: entriesPerDeal)
    }

    /// Starts the next deal from the row `rows` is on; the deal before it is complete.
    mutating func addDeal(from rows: RawRows) {
        if batch.deals.count >= Self.dealsPerBatch {
            send(batch)
            batch = ScannedDeals(reservingDeals: Self.dealsPerBatch, entriesPerDeal: entriesPerDeal)
        }
        rows.appendDeal(to: &batch)
    }

    /// Adds the history row `rows` is on to the current deal.
    mutating func addEntry(from rows: RawRows) { rows.appendEntry(to: &batch) }

    /// Sends what is left, once every deal is complete.
    mutating func sendLast() {
        if !batch.deals.isEmpty { send(batch) }
        batch = ScannedDeals()
    }
}

/// The reducer, written by whichever thread folds and read once the folding is done.
private final class FoldedReducer<Reducer: TimelineReducer>: @unchecked Sendable {
    var reducer: Reducer
    init(_ reducer: Reducer) { self.reducer = reducer }
}
