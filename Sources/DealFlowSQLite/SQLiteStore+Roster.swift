import DealFlowCore
import DealFlowEngine
import Foundation
import GRDB

extension SQLiteStore: RosterStore {
    public func users() async throws -> [RosterUser] {
        try await read { db in try SQLiteStore.users(in: db) }
    }

    public func updateRoster(expected: [RosterUser], to users: [RosterUser], at instant: Date) async throws -> Bool {
        let stored = try users.map { ($0, try RosterUser.storedRoles($0.roles)) }
        return try await write { db in
            let current = try SQLiteStore.users(in: db)
            guard current == expected else { return false }
            let kept = Set(users.map(\.id))
            for user in current where !kept.contains(user.id) {
                try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [user.id])
            }
            for (user, roles) in stored where !current.contains(user) {
                try db.execute(
                    sql: """
                        INSERT INTO users (id, name, roles, created_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET name = excluded.name, roles = excluded.roles
                        """,
                    arguments: [user.id, user.name, roles, Millis(instant)]
                )
            }
            return true
        }
    }

    static func users(in db: Database) throws -> [RosterUser] {
        // Read before every acting command.
        try SQLiteStore.decodeRows(db, sql: "SELECT id, name, roles FROM users ORDER BY id") { row in
            RosterUser(id: row["id"], name: row["name"], roles: try RosterUser.roles(stored: row["roles"]))
        }
    }

    public func recordRefusal(_ refusal: AccessRefusal) async throws {
        try await write { db in try SQLiteStore.insertRefusal(refusal, in: db) }
    }

    static func insertRefusal(_ refusal: AccessRefusal, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO access_refusals (at, actor, role, action, deal_id, reason) VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                Millis(refusal.at), refusal.actor, refusal.role, refusal.action, refusal.dealID, refusal.reason,
            ]
        )
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
