import DealFlowCore
import DealFlowEngine
import Foundation
import PostgresNIO

extension PostgresStore: RosterStore {
    public func users() async throws -> [RosterUser] {
        try await read { connection in
            try await connection.query("SELECT id, name, roles FROM users ORDER BY id", logger: Self.quiet)
                .decode((String, String?, String).self).reduce(into: []) { users, row in
                    users.append(RosterUser(id: row.0, name: row.1, roles: try RosterUser.roles(stored: row.2)))
                }
        }
    }

    public func addUser(_ user: RosterUser, at instant: Date) async throws -> Bool {
        let roles = try RosterUser.storedRoles(user.roles)
        return try await write { connection in
            try await connection.query(
                """
                INSERT INTO users (id, name, roles, created_at) VALUES (\(user.id), \(user.name), \(roles),
                \(Millis.of(instant))) ON CONFLICT (id) DO NOTHING RETURNING 1
                """,
                logger: Self.quiet
            ).collect().count == 1
        }
    }

    public func setRoles(userID: String, roles: [String], expected: [String]) async throws -> Bool {
        let (new, old) = (try RosterUser.storedRoles(roles), try RosterUser.storedRoles(expected))
        return try await write { connection in
            try await connection.query(
                "UPDATE users SET roles = \(new) WHERE id = \(userID) AND roles = \(old) RETURNING 1",
                logger: Self.quiet
            ).collect().count == 1
        }
    }

    public func removeUser(id: String, expected: [String]) async throws -> Bool {
        let old = try RosterUser.storedRoles(expected)
        return try await write { connection in
            try await connection.query(
                "DELETE FROM users WHERE id = \(id) AND roles = \(old) RETURNING 1",
                logger: Self.quiet
            ).collect().count == 1
        }
    }

    public func recordRefusal(_ refusal: AccessRefusal) async throws {
        try await write { connection in
            try await connection.query(
                """
                INSERT INTO access_refusals (at, actor, role, action, deal_id, reason) VALUES
                (\(Millis.of(refusal.at)), \(refusal.actor), \(refusal.role), \(refusal.action), \(refusal.dealID),
                \(refusal.reason))
                """,
                logger: Self.quiet
            )
        }
    }

    public func refusals(limit: Int) async throws -> [AccessRefusal] {
        try await read { connection in
            try await connection.query(
                """
                SELECT seq, at, actor, role, action, deal_id, reason FROM
                (SELECT * FROM access_refusals ORDER BY seq DESC LIMIT \(limit)) AS latest ORDER BY seq
                """,
                logger: Self.quiet
            ).decode((Int64, Int64, String, String?, String, String?, String).self).reduce(into: []) { all, row in
                all.append(
                    AccessRefusal(
                        sequence: row.0,
                        at: Millis.date(row.1),
                        actor: row.2,
                        role: row.3,
                        action: row.4,
                        dealID: row.5,
                        reason: row.6
                    )
                )
            }
        }
    }
}
