import DealFlowSQLite
import Foundation
import GRDB
import Testing

@Suite("SQLite durability")
struct SQLiteDurabilityTests {
    /// The one connection that commits runs with the `synchronous` level asked for, on a new file and on
    /// one opened again.
    ///
    /// GRDB's pool turns its writer to `synchronous = NORMAL` when it switches the file to WAL, after any
    /// `prepareDatabase`; the readers' level does not matter, since they never commit.
    @Test(arguments: SQLiteStore.Durability.allCases)
    func theWriterCommitsAsDurablyAsAskedFor(_ durability: SQLiteStore.Durability) async throws {
        try await withTemporaryDatabase { path in
            let expected = durability == .full ? 2 : 1
            for opening in ["created", "opened again"] {
                let store = try SQLiteStore(path: path, durability: durability)
                #expect(try Self.writerLevel(of: store) == expected, "synchronous on the writer of a file \(opening)")
            }
        }
    }

    /// Without a choice, a change is on disk when the command that made it returns: FULL.
    @Test func fullIsTheDefault() async throws {
        try await withTemporaryDatabase { path in
            let store = try SQLiteStore(path: path)
            #expect(try Self.writerLevel(of: store) == 2)
        }
    }

    /// `PRAGMA synchronous` read on the writer: a read would go to a reader connection.
    static func writerLevel(of store: SQLiteStore) throws -> Int? {
        try store.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
    }
}
