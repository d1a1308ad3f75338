import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import Foundation
import GRDB

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
        return try await read { db in
            var reducer = reducer
            let dealRows = try Row.fetchCursor(db, sql: deals.sql, arguments: deals.arguments)
            let entries = try Row.fetchCursor(db, sql: history)
            var current = try dealRows.next().map(Self.timeline)
            while let entry = try entries.next(), let deal = current {
                let dealID: String = entry[0]
                if !dealID.utf8.elementsEqual(deal.id.utf8) {
                    // SQLite orders text by its bytes: compare the same way.
                    if dealID.utf8.lexicographicallyPrecedes(deal.id.utf8) { continue }  // not a deal of ours
                    reducer.add(deal)
                    current = nil
                    while let row = try dealRows.next() {
                        let next = Self.timeline(row)
                        if !next.id.utf8.lexicographicallyPrecedes(dealID.utf8) {
                            current = next
                            break
                        }
                        reducer.add(next)  // a deal without history: none is written so, but count it
                    }
                    guard let found = current, found.id.utf8.elementsEqual(dealID.utf8) else { continue }
                }
                current!.record(at: Millis.date(entry[1]), entering: entry[2])
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
