import DealFlowEngine
import Foundation
import GRDB

extension SQLiteStore: ActivityStore {
    public func recordedCounts(workflowID: String?) async throws -> [RecordedCount] {
        let names = EngineMetrics.Name.self
        // Each query: the labels in order, then the count.
        let queries: [(name: String, labels: [String], sql: String)] = [
            (
                names.transitions, ["workflow", "transition", "from", "to"],
                """
                SELECT d.workflow_id, h.transition, h.from_stage, h.to_stage, count(*)
                FROM deal_history h JOIN deals d ON d.id = h.deal_id
                WHERE h.kind = 'transitioned' AND (?1 IS NULL OR d.workflow_id = ?1)
                GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
                """
            ),
            (
                // An attempt counts once per kind of blocker it met.
                names.blocked, ["workflow", "transition", "kind"],
                """
                SELECT workflow_id, transition, kind, count(*) FROM (
                    SELECT DISTINCT a.seq, d.workflow_id, a.transition, json_extract(b.value, '$.kind') AS kind
                    FROM deal_audit a JOIN deals d ON d.id = a.deal_id, json_each(a.blockers) b
                    WHERE a.kind = 'blocked' AND (?1 IS NULL OR d.workflow_id = ?1)
                )
                GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                """
            ),
            (
                names.roleDenied, ["workflow", "transition"],
                """
                SELECT d.workflow_id, a.transition, count(*)
                FROM deal_audit a JOIN deals d ON d.id = a.deal_id
                WHERE a.kind = 'refused' AND (?1 IS NULL OR d.workflow_id = ?1)
                GROUP BY 1, 2 ORDER BY 1, 2
                """
            ),
            (
                names.tasksScheduled, ["workflow", "kind"],
                """
                SELECT workflow_id, kind, count(*) FROM tasks WHERE ?1 IS NULL OR workflow_id = ?1
                GROUP BY 1, 2 ORDER BY 1, 2
                """
            ),
            (
                names.remindersFired, ["workflow", "kind"],
                """
                SELECT workflow_id, CASE type WHEN 'task.reminder' THEN 'reminder' ELSE 'escalation' END, count(*)
                FROM outbox WHERE type IN ('task.reminder', 'task.escalated') AND (?1 IS NULL OR workflow_id = ?1)
                GROUP BY 1, 2 ORDER BY 1, 2
                """
            ),
        ]
        return try await read { db in
            var counts: [RecordedCount] = []
            for query in queries {
                for row in try Row.fetchAll(db, sql: query.sql, arguments: [workflowID]) {
                    let labels = query.labels.indices.map { (query.labels[$0], (row[$0] as String?) ?? "") }
                    counts.append(RecordedCount(name: query.name, labels: labels, value: row[query.labels.count]))
                }
            }
            return counts
        }
    }
}
