import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import Foundation
import PostgresNIO

extension PostgresStore: PipelineHistorySource {
    /// One query, streamed: the workflow's deals in id order, each with the instants and stages of the
    /// history entries that enter a stage gathered into two arrays by the server (from the history's
    /// `(deal_id, deal_version)` index). One row per deal crosses the wire, not one per entry; the client
    /// folds each deal as it arrives (business calendars are applied there), holding one at a time.
    public func scanTimelines<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer {
        let query = Self.dealsQuery(
            workflow: workflow,
            owner: owner,
            history: """
                , visits.instants, visits.stages
                FROM deals d LEFT JOIN LATERAL (
                    SELECT array_agg(h.at ORDER BY h.deal_version) AS instants,
                        array_agg(coalesce(h.to_stage, '') ORDER BY h.deal_version) AS stages
                    FROM deal_history h WHERE h.deal_id = d.id AND h.kind IN ('created', 'transitioned')
                ) visits ON true
                """
        )
        return try await read { connection in
            var reducer = reducer
            for try await row in try await connection.query(query, logger: Self.quiet).decode(
                (String, String, Int64, String, String?, String?, String?, String?, Int64, [Int64]?, [String]?).self
            ) {
                var deal = Self.timeline(
                    (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8)
                )
                if let instants = row.9, let stages = row.10 {
                    for (at, stage) in zip(instants, stages) {
                        deal.record(at: Millis.date(at), entering: stage.isEmpty ? nil : stage)
                    }
                }
                reducer.add(deal)
            }
            return reducer
        }
    }

    public func scanDeals<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    ) async throws -> Reducer {
        let query = Self.dealsQuery(workflow: workflow, owner: owner, history: " FROM deals d")
        return try await read { connection in
            var reducer = reducer
            for try await row in try await connection.query(query, logger: Self.quiet).decode(
                (String, String, Int64, String, String?, String?, String?, String?, Int64).self
            ) {
                reducer.add(Self.timeline(row))
            }
            return reducer
        }
    }

    /// The deal columns a timeline needs, then `rest` (more columns and the FROM clause), in deal id order.
    private static func dealsQuery(workflow: ValidatedWorkflow, owner: String?, history rest: String) -> PostgresQuery {
        let mapping = workflow.dealFields
        var binds = PostgresBindings()
        binds.append(mapping.amount ?? "")
        binds.append(mapping.currency ?? "")
        binds.append(mapping.closeDate ?? "")
        binds.append(workflow.id)
        var sql = """
            SELECT d.id, d.owner, d.created_at, d.stage, d.outcome, d.fields::jsonb ->> $1, d.fields::jsonb ->> $2,
                d.fields::jsonb ->> $3, d.updated_at\(rest)
            WHERE d.workflow_id = $4
            """
        if let owner {
            binds.append(owner)
            sql += " AND d.owner = $5"
        }
        return PostgresQuery(unsafeSQL: sql + " ORDER BY d.id", binds: binds)
    }

    private static func timeline(
        _ row: (String, String, Int64, String, String?, String?, String?, String?, Int64)
    ) -> DealTimeline {
        var deal = DealTimeline(
            id: row.0,
            owner: row.1,
            createdAt: Millis.date(row.2),
            stage: row.3,
            outcome: row.4.flatMap(Outcome.init(rawValue:)),
            amount: row.5.flatMap { ExactDecimal(parsing: $0) },
            currency: row.6,
            closeDate: row.7.flatMap { LocalDate(iso: $0) }
        )
        deal.lastTouch = Millis.date(row.8)
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
