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
    /// nor visits the table; entries of other deals are skipped. Each deal's
    /// timeline is built, handed to the reducer and dropped before the next.
    ///
    /// - Complexity: O(history) time, O(one deal's history) memory.
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
            var reducer = reducer
            var dealRows = try RawRows(db, sql: deals.sql, arguments: deals.arguments, stages: stageNames)
            var entries = try RawRows(db, sql: history, stages: stageNames)
            var current = try dealRows.next() ? dealRows.timeline() : nil
            var currentID = Array(current?.id.utf8 ?? "".utf8)
            while try entries.next(), current != nil {
                var order = entries.compareText(0, with: currentID)
                if order < 0 { continue }  // a deal of another workflow or owner
                if order > 0 {
                    reducer.add(current!)
                    current = nil
                    while try dealRows.next() {
                        let next = dealRows.timeline()
                        currentID = Array(next.id.utf8)
                        order = entries.compareText(0, with: currentID)
                        if order <= 0 {
                            current = next
                            break
                        }
                        reducer.add(next)  // a deal without history: none is written so, but count it
                    }
                    guard order == 0 else { continue }
                }
                current!.record(at: Millis.date(entries.int64(1)), entering: entries.stage(2))
            }
            if let deal = current { reducer.add(deal) }
            while try dealRows.next() { reducer.add(dealRows.timeline()) }
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
        let stageNames = workflow.definition.stages.map(\.name)
        return try await read { db in
            var reducer = reducer
            var rows = try RawRows(db, sql: query.sql, arguments: query.arguments, stages: stageNames)
            while try rows.next() {
                reducer.add(rows.timeline())
            }
            return reducer
        }
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
    /// The workflow's stage names with their bytes.
    private let stages: [(bytes: [UInt8], name: String)]

    init(_ db: Database, sql: String, arguments: StatementArguments = [], stages: [String]) throws {
        statement = try db.makeStatement(sql: sql)
        try statement.setArguments(arguments)
        connection = db.sqliteConnection
        self.stages = stages.map { (Array($0.utf8), $0) }
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

    func text(_ column: Int32) -> String? { bytes(column).map { String(decoding: $0, as: UTF8.self) } }

    /// A stage name: one of the workflow's, or (from an older version) decoded.
    func stage(_ column: Int32) -> String? {
        guard let text = bytes(column) else { return nil }
        for stage in stages where stage.bytes.elementsEqual(text) { return stage.name }
        return String(decoding: text, as: UTF8.self)
    }

    /// `YYYY-MM-DD` read from its bytes; `nil` for anything else.
    func date(_ column: Int32) -> LocalDate? {
        guard let text = bytes(column), text.count == 10, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(text[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return LocalDate(year: year, month: month, day: day)
    }

    /// The deal columns every scan selects: id, owner, created_at, stage, outcome, amount, currency,
    /// close date, updated_at (its latest change of any kind: its last touch).
    func timeline() -> DealTimeline {
        var deal = DealTimeline(
            id: text(0) ?? "",
            owner: text(1) ?? "",
            createdAt: Millis.date(int64(2)),
            stage: stage(3) ?? "",
            outcome: text(4).flatMap(Outcome.init(rawValue:)),
            amount: text(5).flatMap { ExactDecimal(parsing: $0) },
            currency: text(6),
            closeDate: date(7)
        )
        deal.lastTouch = Millis.date(int64(8))
        return deal
    }
}
