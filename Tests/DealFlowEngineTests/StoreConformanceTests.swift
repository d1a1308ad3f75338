import DealFlowEngine
import DealFlowSQLite
import DealFlowTestKit
import Foundation
import Testing

@Suite("SQLite store conformance")
struct StoreConformanceTests {
    @Test(arguments: StoreConformance.Case.allCases)
    func inMemory(_ check: StoreConformance.Case) async throws {
        try await StoreConformance.run(check, on: try SQLiteStore())
    }

    @Test(arguments: StoreConformance.Case.allCases)
    func onAFile(_ check: StoreConformance.Case) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await StoreConformance.run(
            check,
            on: try SQLiteStore(path: directory.appendingPathComponent("d.sqlite").path)
        )
    }
}

@Suite("SQLite store conformance: analytics")
struct AnalyticsConformanceTests {
    @Test(arguments: AnalyticsConformance.Case.allCases)
    func inMemory(_ check: AnalyticsConformance.Case) async throws {
        try await AnalyticsConformance.run(check, on: try SQLiteStore())
    }
}
