import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import Foundation
import GRDB
import GRDBSQLite

extension SQLiteStore: PipelineHistorySource {
    /// Two cursors in one read transaction, both in deal id order: the deals of the workflow (their
    /// fields' JSON read once per deal) and the whole history in its `(deal_id, deal_version)` index
    /// order, so that SQLite neither sorts nor joins; entries of other deals are skipped. Each deal's
    /// timeline is built, handed to the reducer and dropped before the next.
    ///
    /// - Complexity: O(history) time, O(one deal's history) memory.
    public func scanTimelines<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer {
        let deals = Self.dealsQuery(workflow: workflow, owner: owner)
        let history = """
            SELECT deal_id, at, CASE WHEN kind IN ('created', 'transitioned') THEN to_stage END
            FROM deal_history ORDER BY deal_id, deal_version
            """
        let stageNames = workflow.definition.stages.map(\.name)
        return try await read { db in
            var reducer = reducer
            let dealRows = try Row.fetchCursor(db, sql: deals.sql, arguments: deals.arguments)
            var entries = try HistoryEntries(db, sql: history, stages: stageNames)
            var current = try dealRows.next().map(Self.timeline)
            var currentID = Array(current?.id.utf8 ?? "".utf8)
            while try entries.next(), current != nil {
                var order = entries.compareDealID(with: currentID)
                if order < 0 { continue }  // a deal of another workflow or owner
                if order > 0 {
                    reducer.add(current!)
                    current = nil
                    while let row = try dealRows.next() {
                        let next = Self.timeline(row)
                        currentID = Array(next.id.utf8)
                        order = entries.compareDealID(with: currentID)
                        if order <= 0 {
                            current = next
                            break
                        }
                        reducer.add(next)  // a deal without history: none is written so, but count it
                    }
                    guard order == 0 else { continue }
                }
                current!.record(at: Millis.date(entries.at), entering: entries.stage)
            }
            if let deal = current { reducer.add(deal) }
            while let row = try dealRows.next() { reducer.add(Self.timeline(row)) }
            return reducer
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

    public func scanDeals<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer {
        let query = Self.dealsQuery(workflow: workflow, owner: owner)
        return try await read { db in
            var reducer = reducer
            let rows = try Row.fetchCursor(db, sql: query.sql, arguments: query.arguments)
            while let row = try rows.next() {
                var deal = Self.timeline(row)
                deal.lastTouch = Millis.date(row[8])
                reducer.add(deal)
            }
            return reducer
        }
    }

    /// A field's value by a JSON path; field names are identifiers, so quoting them is enough.
    private static func path(_ field: String?) -> String { field.map { "$.\"\($0)\"" } ?? "$.\"\"" }

    /// The deal columns every scan selects first: id, owner, created_at, stage, outcome, amount,
    /// currency, close date.
    private static func timeline(_ row: Row) -> DealTimeline {
        DealTimeline(
            id: row[0],
            owner: row[1],
            createdAt: Millis.date(row[2]),
            stage: row[3],
            outcome: (row[4] as String?).flatMap(Outcome.init(rawValue:)),
            amount: (row[5] as String?).flatMap { ExactDecimal(parsing: $0) },
            currency: row[6],
            closeDate: (row[7] as String?).flatMap { LocalDate(iso: $0) }
        )
    }

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

/// The history rows of a scan, read straight from SQLite's statement: a million rows are read per
/// report, and GRDB's row decoding and a `String` per deal id cost more than SQLite itself.
private struct HistoryEntries {
    private let statement: Statement
    private let connection: SQLiteConnection?
    /// The workflow's stage names with their bytes, so that a stage is matched, not decoded.
    private let stages: [(bytes: [UInt8], name: String)]

    init(_ db: Database, sql: String, stages: [String]) throws {
        statement = try db.makeStatement(sql: sql)
        connection = db.sqliteConnection
        self.stages = stages.map { (Array($0.utf8), $0) }
    }

    /// Steps to the next row; `false` after the last.
    mutating func next() throws -> Bool {
        switch sqlite3_step(statement.sqliteStatement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code),
                message: connection.map { String(cString: sqlite3_errmsg($0)) }
            )
        }
    }

    /// The row's deal id compared with `id` byte by byte, as SQLite orders text: negative when it
    /// sorts first, 0 when equal.
    func compareDealID(with id: [UInt8]) -> Int {
        let raw = statement.sqliteStatement
        let length = Int(sqlite3_column_bytes(raw, 0))
        guard let text = sqlite3_column_text(raw, 0) else { return id.isEmpty ? 0 : -1 }
        let common = min(length, id.count)
        let order = common == 0 ? 0 : id.withUnsafeBufferPointer { memcmp(text, $0.baseAddress!, common) }
        if order != 0 { return Int(order) }
        return length - id.count
    }

    /// The row's instant.
    var at: Int64 { sqlite3_column_int64(statement.sqliteStatement, 1) }

    /// The stage the row enters, if it enters one.
    var stage: String? {
        let raw = statement.sqliteStatement
        guard let text = sqlite3_column_text(raw, 2) else { return nil }
        let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(raw, 2)))
        for stage in stages where stage.bytes.elementsEqual(bytes) { return stage.name }
        return String(decoding: bytes, as: UTF8.self)  // a stage of an older version
    }
}
