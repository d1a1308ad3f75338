import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import Foundation
import PostgresNIO

extension PostgresStore: PipelineHistorySource {
    /// One query, streamed: the workflow's deals joined to the history entries that enter a stage, in
    /// deal order and each deal's history in version order. The server does the join; the client folds
    /// each deal as its rows go by (business calendars are applied there), holding one deal at a time.
    public func scanTimelines<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer {
        let query = Self.dealsQuery(
            workflow: workflow,
            owner: owner,
            history: """
                LEFT JOIN deal_history h ON h.deal_id = d.id AND h.kind IN ('created', 'transitioned')
                """,
            historyColumns: ", h.at, h.to_stage",
            order: "d.id COLLATE \"C\", h.deal_version"
        )
        return try await read { connection in
            var reducer = reducer
            var current: DealTimeline?
            for try await row in try await connection.query(query, logger: Self.quiet) {
                let id = try row.makeRandomAccess()[0].decode(String.self)
                if current?.id != id {
                    if let deal = current { reducer.add(deal) }
                    current = try Self.timeline(row)
                }
                let cells = row.makeRandomAccess()
                if let at = try cells[9].decode(Int64?.self) {
                    current!.record(at: Millis.date(at), entering: try cells[10].decode(String?.self))
                }
            }
            if let deal = current { reducer.add(deal) }
            return reducer
        }
    }

    public func scanDeals<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer {
        let query = Self.dealsQuery(workflow: workflow, owner: owner, history: "", historyColumns: "", order: "d.id")
        return try await read { connection in
            var reducer = reducer
            for try await row in try await connection.query(query, logger: Self.quiet) {
                reducer.add(try Self.timeline(row))
            }
            return reducer
        }
    }

    private static func dealsQuery(
        workflow: ValidatedWorkflow,
        owner: String?,
        history: String,
        historyColumns: String,
        order: String
    ) -> PostgresQuery {
        let mapping = workflow.dealFields
        var binds = PostgresBindings()
        binds.append(mapping.amount ?? "")
        binds.append(mapping.currency ?? "")
        binds.append(mapping.closeDate ?? "")
        binds.append(workflow.id)
        var sql = """
            SELECT d.id, d.owner, d.created_at, d.stage, d.outcome, f.fields ->> $1, f.fields ->> $2,
                f.fields ->> $3, d.updated_at\(historyColumns)
            FROM deals d CROSS JOIN LATERAL (SELECT d.fields::jsonb AS fields) f \(history)
            WHERE d.workflow_id = $4
            """
        if let owner {
            binds.append(owner)
            sql += " AND d.owner = $5"
        }
        return PostgresQuery(unsafeSQL: sql + " ORDER BY \(order)", binds: binds)
    }

    private static func timeline(_ row: PostgresRow) throws -> DealTimeline {
        let cells = row.makeRandomAccess()
        var deal = DealTimeline(
            id: try cells[0].decode(String.self),
            owner: try cells[1].decode(String.self),
            createdAt: Millis.date(try cells[2].decode(Int64.self)),
            stage: try cells[3].decode(String.self),
            outcome: try cells[4].decode(String?.self).flatMap(Outcome.init(rawValue:)),
            amount: try cells[5].decode(String?.self).flatMap { ExactDecimal(parsing: $0) },
            currency: try cells[6].decode(String?.self),
            closeDate: try cells[7].decode(String?.self).flatMap { LocalDate(iso: $0) }
        )
        deal.lastTouch = Millis.date(try cells[8].decode(Int64.self))
        return deal
    }

    public func taskFacts(workflowID: String, assignee: String?) async throws -> [TaskFact] {
        try await read { connection in
            try await connection.query(
                """
                SELECT deal_id, assignee, status, due_at, reminded_at FROM tasks
                WHERE workflow_id = \(workflowID) AND (\(assignee)::text IS NULL OR assignee = \(assignee))
                """,
                logger: Self.quiet
            ).decode((String, String, String, Int64, Int64?).self).reduce(into: []) { facts, row in
                facts.append(
                    TaskFact(
                        dealID: row.0,
                        assignee: row.1,
                        status: row.2,
                        dueAt: Millis.date(row.3),
                        remindedAt: row.4.map(Millis.date)
                    )
                )
            }
        }
    }
}

extension PostgresStore: ActivityStore {
    /// The counters of record, counted by the server.
    public func recordedCounts(workflowID: String?) async throws -> [RecordedCount] {
        let names = EngineMetrics.Name.self
        // Each query: the labels in order, then the count; $1 is the workflow, or NULL for all of them.
        let queries: [(name: String, labels: [String], sql: String)] = [
            (
                names.transitions, ["workflow", "transition", "from", "to"],
                """
                SELECT d.workflow_id, h.transition, h.from_stage, h.to_stage, count(*)
                FROM deal_history h JOIN deals d ON d.id = h.deal_id
                WHERE h.kind = 'transitioned' AND ($1::text IS NULL OR d.workflow_id = $1)
                GROUP BY 1, 2, 3, 4
                """
            ),
            (
                // An attempt counts once per kind of blocker it met.
                names.blocked, ["workflow", "transition", "kind"],
                """
                SELECT workflow_id, transition, kind, count(*) FROM (
                    SELECT DISTINCT a.seq, d.workflow_id, a.transition, b.value ->> 'kind' AS kind
                    FROM deal_audit a JOIN deals d ON d.id = a.deal_id
                    CROSS JOIN LATERAL jsonb_array_elements(
                        CASE jsonb_typeof(a.blockers::jsonb) WHEN 'array' THEN a.blockers::jsonb ELSE '[]' END
                    ) b
                    WHERE a.kind = 'blocked' AND ($1::text IS NULL OR d.workflow_id = $1)
                ) attempts
                GROUP BY 1, 2, 3
                """
            ),
            (
                names.roleDenied, ["workflow", "transition"],
                """
                SELECT d.workflow_id, a.transition, count(*)
                FROM deal_audit a JOIN deals d ON d.id = a.deal_id
                WHERE a.kind = 'refused' AND ($1::text IS NULL OR d.workflow_id = $1)
                GROUP BY 1, 2
                """
            ),
            (
                names.tasksScheduled, ["workflow", "kind"],
                """
                SELECT workflow_id, kind, count(*) FROM tasks WHERE $1::text IS NULL OR workflow_id = $1
                GROUP BY 1, 2
                """
            ),
            (
                names.remindersFired, ["workflow", "kind"],
                """
                SELECT workflow_id, CASE type WHEN 'task.reminder' THEN 'reminder' ELSE 'escalation' END, count(*)
                FROM outbox WHERE type IN ('task.reminder', 'task.escalated')
                AND ($1::text IS NULL OR workflow_id = $1)
                GROUP BY 1, 2
                """
            ),
        ]
        return try await read { connection in
            var counts: [RecordedCount] = []
            for query in queries {
                var binds = PostgresBindings()
                binds.append(workflowID)
                let width = query.labels.count
                var found: [RecordedCount] = []
                for row in try await connection.query(
                    PostgresQuery(unsafeSQL: query.sql, binds: binds),
                    logger: Self.quiet
                )
                .collect() {
                    let cells = row.makeRandomAccess()
                    let labels = try query.labels.indices.map {
                        (query.labels[$0], try cells[$0].decode(String?.self) ?? "")
                    }
                    found.append(
                        RecordedCount(name: query.name, labels: labels, value: try cells[width].decode(Int.self))
                    )
                }
                // In the labels' byte order, as the embedded store gives them.
                counts += found.sorted {
                    $0.labels.map { Array($0.1.utf8) }.lexicographicallyPrecedes(
                        $1.labels.map { Array($0.1.utf8) },
                        by: { $0.lexicographicallyPrecedes($1) }
                    )
                }
            }
            return counts
        }
    }
}
