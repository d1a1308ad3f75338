import DealFlowEngine
import Foundation
import PostgresNIO

extension PostgresStore: OutboxStore {
    public func events(after: Int64, type: String?, limit: Int?) async throws -> [EventRecord] {
        var filter = Filter()
        filter.add("id", after, operator: ">")
        filter.add("type", type)
        let sql = filter.select(from: "outbox", orderBy: "id", limit: limit)
        return try await read { connection in
            try await connection.query(sql, logger: Self.quiet).collect().map(Self.eventRecord)
        }
    }

    static func eventRecord(_ row: PostgresRow) throws -> EventRecord {
        let row = row.makeRandomAccess()
        return EventRecord(
            id: try row["id"].decode(Int64.self),
            type: try row["type"].decode(String.self),
            dealID: try row["deal_id"].decode(String.self),
            workflowID: try row["workflow_id"].decode(String.self),
            at: Millis.date(try row["at"].decode(Int64.self)),
            data: try row["data"].decode(String.self),
            key: try row["key"].decode(String?.self)
        )
    }

    public func deliveryCursor(consumer: String) async throws -> Int64 {
        try await read { connection in
            try await connection.query(
                "SELECT last_event_id FROM delivery_cursors WHERE consumer = \(consumer)",
                logger: Self.quiet
            ).decode(Int64.self).first { _ in true } ?? 0
        }
    }

    public func advance(consumer: String, past event: EventRecord, deadLetter: DeadLetter?, at: Date) async throws {
        try await write { connection in
            // The cursor only moves forward: a slower process delivering the same consumer cannot move it back.
            try await connection.query(
                """
                INSERT INTO delivery_cursors (consumer, last_event_id, updated_at)
                VALUES (\(consumer), \(event.id), \(Millis.of(at)))
                ON CONFLICT (consumer) DO UPDATE SET
                last_event_id = greatest(delivery_cursors.last_event_id, excluded.last_event_id),
                updated_at = excluded.updated_at
                """,
                logger: Self.quiet
            )
            if let letter = deadLetter {
                try await connection.query(
                    """
                    INSERT INTO delivery_dead_letters (consumer, event_id, attempts, last_error, failed_at)
                    VALUES (\(consumer), \(event.id), \(letter.attempts), \(letter.lastError),
                    \(Millis.of(letter.failedAt))) ON CONFLICT (consumer, event_id) DO UPDATE SET
                    attempts = excluded.attempts, last_error = excluded.last_error, failed_at = excluded.failed_at
                    """,
                    logger: Self.quiet
                )
            }
        }
    }

    public func deadLetters(consumer: String) async throws -> [DeadLetter] {
        try await read { connection in
            try await connection.query(
                """
                SELECT d.consumer, d.attempts, d.last_error, d.failed_at, o.* FROM delivery_dead_letters d
                JOIN outbox o ON o.id = d.event_id WHERE d.consumer = \(consumer) ORDER BY d.event_id
                """,
                logger: Self.quiet
            ).collect().map { row in
                let cells = row.makeRandomAccess()
                return DeadLetter(
                    consumer: try cells["consumer"].decode(String.self),
                    event: try Self.eventRecord(row),
                    attempts: try cells["attempts"].decode(Int.self),
                    lastError: try cells["last_error"].decode(String.self),
                    failedAt: Millis.date(try cells["failed_at"].decode(Int64.self))
                )
            }
        }
    }

    public func retried(_ letter: DeadLetter, delivered: Bool, error: String?, at: Date) async throws {
        try await write { connection in
            if delivered {
                try await connection.query(
                    """
                    DELETE FROM delivery_dead_letters WHERE consumer = \(letter.consumer)
                    AND event_id = \(letter.event.id)
                    """,
                    logger: Self.quiet
                )
            } else {
                try await connection.query(
                    """
                    UPDATE delivery_dead_letters SET attempts = attempts + 1, last_error = \(error ?? "failed"),
                    failed_at = \(Millis.of(at)) WHERE consumer = \(letter.consumer) AND event_id = \(letter.event.id)
                    """,
                    logger: Self.quiet
                )
            }
        }
    }
}
