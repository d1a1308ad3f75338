import Benchmark
import DealFlowAnalytics
import DealFlowCore
import DealFlowPostgres
import DealFlowSQLite
import DealFlowTestKit
import Foundation
import GRDB

/// The same reports over the same history, read from PostgreSQL: the deals joined to their history on
/// the server and streamed to the client in one pass. The history is copied once from the SQLite
/// benchmark's database into a database `analytics_bench_<version>` that later processes reuse.
func postgresReportBenchmarks() {
    for kind in [ReportKind.funnel, .winrate, .stages] {
        Benchmark("postgres: report \(kind.rawValue): 100,000 deals, 1,000,000 history entries") { benchmark in
            let store = try await PostgresHistory.store()
            defer { store.close() }
            let context = try History.shared().context
            benchmark.startMeasurement()
            let report = try await PipelineAnalytics.report(kind, context: context, source: store)
            benchmark.stopMeasurement()
            blackHole(report.json)
        }
    }
    Benchmark("postgres: metrics counters (GROUP BY on the server): 1,000,000 history entries") { benchmark in
        let store = try await PostgresHistory.store()
        defer { store.close() }
        benchmark.startMeasurement()
        blackHole(try await store.recordedCounts(workflowID: nil))
        benchmark.stopMeasurement()
    }
}

enum PostgresHistory {
    static func store() async throws -> PostgresStore {
        let (url, created) = try PostgresTestServer.database(named: "analytics_bench_\(History.version)")
        let store = try await PostgresStore(url: url)
        if created { try copy(from: try History.shared().store, to: url) }
        return store
    }

    /// Each table through a CSV file and psql's `\copy`: a million rows in seconds.
    static func copy(from source: SQLiteStore, to url: String) throws {
        let directory = NSTemporaryDirectory() + "dealflow-pg-copy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The columns, and what SQLite gives for them (PostgreSQL's booleans from SQLite's integers).
        let tables: [(name: String, columns: String, select: String)] = [
            ("workflow_versions", "workflow_id, version, source, file, applied_at", "*"),
            (
                "deals",
                "id, workflow_id, workflow_version, stage, owner, fields, version, created_at, updated_at, "
                    + "entered_stage_at, outcome",
                "*"
            ),
            (
                "deal_history",
                "seq, deal_id, deal_version, kind, at, actor, transition, from_stage, to_stage, changes",
                "seq, deal_id, deal_version, kind, at, actor, transition, from_stage, to_stage, changes"
            ),
            (
                "tasks",
                "id, deal_id, workflow_id, title, kind, assignee, due_at, status, stage, keep, created_at, reminded_at",
                "id, deal_id, workflow_id, title, kind, assignee, due_at, status, stage, "
                    + "CASE keep WHEN 0 THEN 'f' ELSE 't' END, created_at, reminded_at"
            ),
        ]
        for table in tables {
            let file = "\(directory)/\(table.name).csv"
            FileManager.default.createFile(atPath: file, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
            let select = table.select == "*" ? table.columns : table.select
            try source.writer.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT \(select) FROM \(table.name)")
                var chunk = ""
                while let row = try rows.next() {
                    chunk +=
                        row.databaseValues.map { value -> String in
                            switch value.storage {
                            case .null, .blob: return ""
                            case .int64(let number): return String(number)
                            case .double(let number): return String(number)
                            case .string(let text):
                                return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                            }
                        }.joined(separator: ",") + "\n"
                    if chunk.utf8.count > 1 << 20 {
                        handle.write(Data(chunk.utf8))
                        chunk = ""
                    }
                }
                handle.write(Data(chunk.utf8))
            }
            try handle.close()
            _ = try PostgresTestServer.query(
                "\\copy \(table.name) (\(table.columns)) FROM '\(file)' WITH (FORMAT csv)",
                in: url
            )
        }
        _ = try PostgresTestServer.query("VACUUM ANALYZE", in: url)
    }
}
