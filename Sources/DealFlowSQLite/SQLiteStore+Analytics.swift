import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import Foundation
import GRDB

extension SQLiteStore: PipelineHistorySource {
    /// One ordered scan of the history joined to its deals (the `(deal_id, deal_version)` index gives
    /// the order): each deal's timeline is built, handed to the reducer and dropped before the next.
    public func scanTimelines<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer {
        let mapping = workflow.definition.dealFields
        var sql = """
            SELECT d.id, d.owner, d.created_at, d.stage, d.outcome,
                json_extract(d.fields, ?), json_extract(d.fields, ?), json_extract(d.fields, ?),
                h.kind, h.at, h.to_stage
            FROM deals d JOIN deal_history h ON h.deal_id = d.id
            WHERE d.workflow_id = ?
            """
        var arguments: StatementArguments = [
            Self.path(mapping.amount), Self.path(mapping.currency), Self.path(mapping.closeDate), workflow.id,
        ]
        if let owner {
            sql += " AND d.owner = ?"
            arguments += [owner]
        }
        sql += " ORDER BY d.id, h.deal_version"
        return try await read { [sql, arguments] db in
            var reducer = reducer
            var current: DealTimeline?
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() {
                let id: String = row[0]
                if current?.id != id {
                    if let finished = current { reducer.add(finished) }
                    current = Self.timeline(row)
                }
                current!.record(kind: row[8], at: Millis.date(row[9]), to: row[10])
            }
            if let finished = current { reducer.add(finished) }
            return reducer
        }
    }

    public func scanDeals<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer {
        let mapping = workflow.definition.dealFields
        var sql = """
            SELECT id, owner, created_at, stage, outcome,
                json_extract(fields, ?), json_extract(fields, ?), json_extract(fields, ?), updated_at
            FROM deals WHERE workflow_id = ?
            """
        var arguments: StatementArguments = [
            Self.path(mapping.amount), Self.path(mapping.currency), Self.path(mapping.closeDate), workflow.id,
        ]
        if let owner {
            sql += " AND owner = ?"
            arguments += [owner]
        }
        return try await read { [sql, arguments] db in
            var reducer = reducer
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() {
                var deal = Self.timeline(row)
                deal.lastTouch = Millis.date(row[8])
                reducer.add(deal)
            }
            return reducer
        }
    }

    /// A field's value by a JSON path; field names are identifiers, so quoting them is enough.
    private static func path(_ field: Located<String>?) -> String { field.map { "$.\"\($0.value)\"" } ?? "$.\"\"" }

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
