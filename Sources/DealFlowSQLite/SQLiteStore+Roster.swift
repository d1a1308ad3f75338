import DealFlowCore
import DealFlowEngine
import Foundation
import GRDB

extension SQLiteStore: RosterStore {
    public func users() async throws -> [RosterUser] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, roles FROM users ORDER BY id").map { row in
                RosterUser(id: row["id"], name: row["name"], roles: try RosterUser.roles(stored: row["roles"]))
            }
        }
    }

    public func addUser(_ user: RosterUser, at instant: Date) async throws -> Bool {
        let roles = try RosterUser.storedRoles(user.roles)
        return try await write { db in
            try db.execute(
                sql: "INSERT INTO users (id, name, roles, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                arguments: [user.id, user.name, roles, Millis(instant)]
            )
            return db.changesCount == 1
        }
    }

    public func setRoles(userID: String, roles: [String], expected: [String]) async throws -> Bool {
        let (new, old) = (try RosterUser.storedRoles(roles), try RosterUser.storedRoles(expected))
        return try await write { db in
            try db.execute(sql: "UPDATE users SET roles = ? WHERE id = ? AND roles = ?", arguments: [new, userID, old])
            return db.changesCount == 1
        }
    }

    public func removeUser(id: String, expected: [String]) async throws -> Bool {
        let old = try RosterUser.storedRoles(expected)
        return try await write { db in
            try db.execute(sql: "DELETE FROM users WHERE id = ? AND roles = ?", arguments: [id, old])
            return db.changesCount == 1
        }
    }

    public func recordRefusal(_ refusal: AccessRefusal) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO access_refusals (at, actor, role, action, deal_id, reason) VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Millis(refusal.at), refusal.actor, refusal.role, refusal.action, refusal.dealID, refusal.reason,
                ]
            )
        }
    }

    public func refusals(limit: Int) async throws -> [AccessRefusal] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM (SELECT * FROM access_refusals ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                arguments: [limit]
            ).map { row in
                AccessRefusal(
                    sequence: row["seq"],
                    at: Millis.date(row["at"]),
                    actor: row["actor"],
                    role: row["role"],
                    action: row["action"],
                    dealID: row["deal_id"],
                    reason: row["reason"]
                )
            }
        }
    }
}
