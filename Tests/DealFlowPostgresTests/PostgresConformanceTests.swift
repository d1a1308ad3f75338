import DealFlowEngine
import DealFlowPostgres
import DealFlowTestKit
import Foundation
import Testing

/// A new database on the test server for each test, closed after it.
func withFreshStore(_ body: (PostgresStore) async throws -> Void) async throws {
    let store = try await PostgresStore(url: try PostgresTestServer.freshDatabase())
    defer { store.close() }
    try await body(store)
}

@Suite("PostgreSQL store conformance")
struct PostgresConformanceTests {
    @Test(arguments: StoreConformance.Case.allCases)
    func conforms(_ check: StoreConformance.Case) async throws {
        try await withFreshStore { store in try await StoreConformance.run(check, on: store) }
    }

    @Test(arguments: AnalyticsConformance.Case.allCases)
    func analytics(_ check: AnalyticsConformance.Case) async throws {
        try await withFreshStore { store in try await AnalyticsConformance.run(check, on: store) }
    }
}
