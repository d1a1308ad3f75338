import DealFlowEngine
import Foundation
import GRDB

extension SQLiteStore: OutboxStore {
    public func events(after: Int64, type: String?, limit: Int?) async throws -> [EventRecord] {
        let (sql, arguments) = SQLiteStore.select(
            from: "outbox",
            where: [("id > ?", after), ("type = ?", type)],
            orderBy: "id",
            limit: limit
        )
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(SQLiteStore.eventRecord)
        }
    }

    static func eventRecord(_ row: Row) -> EventRecord {
        EventRecord(
            id: row["id"],
            type: row["type"],
            dealID: row["deal_id"],
            workflowID: row["workflow_id"],
            at: Millis.date(row["at"]),
            data: row["data"],
            key: row["key"]
        )
    }

    public func deliveryCursor(consumer: String) async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(
                db,
                sql: "SELECT last_event_id FROM delivery_cursors WHERE consumer = ?",
                arguments: [consumer]
            ) ?? 0
        }
    }

    public func advance(consumer: String, past event: EventRecord, deadLetter: DeadLetter?, at: Date) async throws {
        try await write { db in
            // The cursor only moves forward: a slower process delivering the same consumer cannot move it back.
            try db.execute(
                sql: """
                    INSERT INTO delivery_cursors (consumer, last_event_id, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (consumer) DO UPDATE SET last_event_id = MAX(last_event_id, excluded.last_event_id),
                    updated_at = excluded.updated_at
                    """,
                arguments: [consumer, event.id, Millis(at)]
            )
            if let letter = deadLetter {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO delivery_dead_letters (consumer, event_id, attempts, last_error, failed_at)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [consumer, event.id, letter.attempts, letter.lastError, Millis(letter.failedAt)]
                )
            }
        }
    }

    public func deadLetters(consumer: String) async throws -> [DeadLetter] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.consumer, d.attempts, d.last_error, d.failed_at, o.* FROM delivery_dead_letters d
                    JOIN outbox o ON o.id = d.event_id WHERE d.consumer = ? ORDER BY d.event_id
                    """,
                arguments: [consumer]
            ).map {
                DeadLetter(
                    consumer: $0["consumer"],
                    event: SQLiteStore.eventRecord($0),
                    attempts: $0["attempts"],
                    lastError: $0["last_error"],
                    failedAt: Millis.date($0["failed_at"])
                )
            }
        }
    }

    public func retried(_ letter: DeadLetter, delivered: Bool, error: String?, at: Date) async throws {
        try await write { db in
            if delivered {
                try db.execute(
                    sql: "DELETE FROM delivery_dead_letters WHERE consumer = ? AND event_id = ?",
                    arguments: [letter.consumer, letter.event.id]
                )
            } else {
                try db.execute(
                    sql: """
                        UPDATE delivery_dead_letters SET attempts = attempts + 1, last_error = ?, failed_at = ?
                        WHERE consumer = ? AND event_id = ?
                        """,
                    arguments: [error ?? "failed", Millis(at), letter.consumer, letter.event.id]
                )
            }
        }
    }
}
