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
        try await withTemporaryDatabase { path in
            try await StoreConformance.run(check, on: try SQLiteStore(path: path))
        }
    }
}

@Suite("SQLite store conformance: analytics")
struct AnalyticsConformanceTests {
    @Test(arguments: AnalyticsConformance.Case.allCases)
    func inMemory(_ check: AnalyticsConformance.Case) async throws {
        try await AnalyticsConformance.run(check, on: try SQLiteStore())
    }
}
