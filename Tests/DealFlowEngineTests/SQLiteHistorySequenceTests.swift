import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation
import GRDB
import Testing

@Suite("SQLite history sequence")
struct SQLiteHistorySequenceTests {
    /// History entries and recorded attempts take one number each from a single ascending sequence, so
    /// that a deal's timeline reads in the order things happened; the numbering goes on after the
    /// file is closed and opened again.
    @Test func historyAndAttemptsShareOneSequenceAcrossOpenings() async throws {
        try await withTemporaryDatabase { path in
            try await Self.createFireAndBlock(path)
            let engine = try Self.engine(path)
            _ = try await engine.update(dealID: "d1", input: set(["note": "called"]), actor: ana)
            let entries = try Self.entries(try SQLiteStore(path: path))
            #expect(entries.map(\.seq) == [1, 2, 3, 4])
            #expect(entries.map(\.kind) == ["created", "transitioned", "blocked", "updated"])
        }
    }

    /// A file made before migration v6 counted entries in a `sequences` row, indexed every outbox
    /// event's key, the keyless ones too, and numbered events with AUTOINCREMENT. Opened by this
    /// version, it numbers entries and events on from its last ones, keeps its events' ids, drops the
    /// row, and indexes only the keys there are.
    @Test func aFileFromBeforeTheMigrationNumbersOnFromItsLastEntry() async throws {
        try await withTemporaryDatabase { path in
            try await Self.createFireAndBlock(path)
            // Put back what migration v6 changed, as a file written by the version before it has it.
            let before = try DatabaseQueue(path: path)
            try await before.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                        INSERT INTO sequences (name, value) VALUES ('history', 3);
                        CREATE TABLE outbox_before (
                            id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, deal_id TEXT NOT NULL,
                            workflow_id TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL, key TEXT
                        );
                        INSERT INTO outbox_before SELECT id + 100, type, deal_id, workflow_id, at, data, key FROM outbox;
                        DROP TABLE outbox;
                        ALTER TABLE outbox_before RENAME TO outbox;
                        CREATE UNIQUE INDEX outbox_by_key ON outbox (key);
                        CREATE INDEX outbox_by_type ON outbox (type, id);
                        DELETE FROM grdb_migrations WHERE identifier LIKE 'v6 %';
                        INSERT INTO delivery_dead_letters (consumer, event_id, attempts, last_error, failed_at)
                            VALUES ('crm-hook', 102, 3, 'HTTP 500', 0);
                        """
                )
            }
            try before.close()

            let engine = try Self.engine(path)
            _ = try await engine.fire(
                dealID: "d1",
                transition: "finish",
                input: set(["amount": "5000", "note": "n"]),
                actor: maria
            )
            let store = try SQLiteStore(path: path)
            #expect(try Self.entries(store).map(\.seq) == [1, 2, 3, 4])
            let schema = try await store.writer.read { db in
                func sql(_ name: String) throws -> String? {
                    try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [name])
                }
                return (
                    sequences: try db.tableExists("sequences"),
                    keyIndex: try sql("outbox_by_key"),
                    outbox: try sql("outbox"),
                    counted: try String.fetchAll(db, sql: "SELECT name FROM sqlite_sequence")
                )
            }
            #expect(!schema.sequences)
            #expect(schema.keyIndex?.hasSuffix("WHERE key IS NOT NULL") == true)
            #expect(schema.outbox?.contains("AUTOINCREMENT") == false)
            #expect(!schema.counted.contains("outbox"))
            let events = try await store.writer.read { db in
                try Row.fetchAll(db, sql: "SELECT id, type FROM outbox WHERE deal_id = 'd1' ORDER BY id")
                    .map { "\($0["id"] as Int) \($0["type"] as String)" }
            }
            #expect(
                events == [
                    "101 deal.created", "102 deal.transitioned", "103 order.entered_b", "104 deal.transitioned",
                ],
                "events keep their ids, new ones follow, and those without a key are all kept"
            )
            let deadLetter = try await store.writer.read { db in
                try String.fetchAll(
                    db,
                    sql: "SELECT type FROM delivery_dead_letters JOIN outbox ON outbox.id = event_id"
                )
            }
            #expect(deadLetter == ["deal.transitioned"], "a dead letter still names its event")
            await #expect(throws: DatabaseError.self, "the outbox is append-only") {
                try await store.writer.write { db in try db.execute(sql: "DELETE FROM outbox") }
            }
        }
    }

    /// A file upgraded by a newer build may no longer take what this build writes: it is refused on
    /// opening, in a sentence naming it, rather than failing on the first write.
    @Test func aFileUpgradedByANewerBuildIsRefused() async throws {
        try await withTemporaryDatabase { path in
            let store = try SQLiteStore(path: path)
            try await store.writer.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99 from a newer build')")
            }
            #expect {
                _ = try SQLiteStore(path: path)
            } throws: { error in
                guard case StoreError.unavailable(let message) = error else { return false }
                return message.contains(path) && message.contains("newer version of dealflow")
            }
        }
    }

    /// Creates deal `d1`, fires `to_b` (history) and then `finish` too small to pass its guard (an attempt).
    private static func createFireAndBlock(_ path: String) async throws {
        let engine = try engine(path)
        _ = try await engine.applyWorkflow(source: orderWorkflow, file: "order.yaml")
        _ = try await engine.create(workflowID: "order", id: "d1", input: [], actor: ana)
        _ = try await engine.fire(dealID: "d1", transition: "to_b", actor: ana)
        await #expect(throws: EngineError.self) {
            try await engine.fire(dealID: "d1", transition: "finish", input: set(["amount": "10"]), actor: maria)
        }
    }

    private static func engine(_ path: String) throws -> Engine {
        Engine(
            store: try SQLiteStore(path: path),
            clock: ManualClock("2026-11-23T14:00:00Z"),
            identifiers: SequentialIdentifiers()
        )
    }

    /// Every history entry and attempt of the file, in sequence order.
    private static func entries(_ store: SQLiteStore) throws -> [(seq: Int, kind: String)] {
        try store.writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT seq, kind FROM deal_history UNION ALL SELECT seq, kind FROM deal_audit ORDER BY seq"
            )
            .map { (seq: $0["seq"], kind: $0["kind"]) }
        }
    }
}
