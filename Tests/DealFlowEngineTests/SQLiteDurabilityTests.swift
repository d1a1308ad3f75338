import DealFlowSQLite
import Foundation
import GRDB
import Testing

@Suite("SQLite durability")
struct SQLiteDurabilityTests {
    /// The one connection that commits runs with the `synchronous` level asked for, on a new file and on
    /// one opened again: FULL by default, so that an acknowledged change is on disk.
    ///
    /// GRDB's pool turns its writer to `synchronous = NORMAL` when it switches the file to WAL, after any
    /// `prepareDatabase`; the readers' level does not matter, since they never commit.
    @Test(arguments: SQLiteStore.Durability.allCases)
    func theWriterCommitsAsDurablyAsAskedFor(_ durability: SQLiteStore.Durability) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("d.sqlite").path
        let expected = durability == .full ? 2 : 1
        for opening in ["created", "opened again"] {
            let store = try SQLiteStore(path: path, durability: durability)
            let level = try store.writer.writeWithoutTransaction { db in
                try Int.fetchOne(db, sql: "PRAGMA synchronous")
            }
            #expect(level == expected, "synchronous on the writer of a file \(opening)")
        }
    }

    @Test func fullIsTheDefault() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("d.sqlite").path)
        let level = try store.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 2)
    }
}
