import DealFlowCore
import DealFlowEngine
import Foundation
import PostgresNIO

extension PostgresStore: RosterStore {
    public func users() async throws -> [RosterUser] {
        try await read { connection in try await Self.users(on: connection) }
    }

    public func updateRoster(expected: [RosterUser], to users: [RosterUser], at instant: Date) async throws -> Bool {
        let stored = try users.map { ($0, try RosterUser.storedRoles($0.roles)) }
        return try await write { connection in
            // Roster changes queue behind each other (reads go on), so that the comparison below holds
            // until commit.
            try await connection.query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE", logger: Self.quiet)
            let current = try await Self.users(on: connection)
            guard current == expected else { return false }
            let kept = Set(users.map(\.id))
            for user in current where !kept.contains(user.id) {
                try await connection.query("DELETE FROM users WHERE id = \(user.id)", logger: Self.quiet)
            }
            for (user, roles) in stored where !current.contains(user) {
                try await connection.query(
                    """
                    INSERT INTO users (id, name, roles, created_at) VALUES (\(user.id), \(user.name), \(roles),
                    \(Millis.of(instant))) ON CONFLICT (id) DO UPDATE SET name = excluded.name, roles = excluded.roles
                    """,
                    logger: Self.quiet
                )
            }
            return true
        }
    }

    static func users(on connection: PostgresConnection) async throws -> [RosterUser] {
        try await connection.query("SELECT id, name, roles FROM users ORDER BY id", logger: quiet)
            .decode((String, String?, String).self).reduce(into: []) { users, row in
                users.append(RosterUser(id: row.0, name: row.1, roles: try RosterUser.roles(stored: row.2)))
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
