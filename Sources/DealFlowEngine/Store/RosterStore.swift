import DealFlowCore
import Foundation

/// An attempt the roster refused: someone not on it, or claiming a role they do not hold.
public struct AccessRefusal: Hashable, Sendable {
    /// The position in the store's sequence of refusals; assigned by the store.
    public var sequence: Int64
    public var at: Date
    /// Who claimed to act.
    public var actor: String
    /// The role they claimed, if any.
    public var role: String?
    /// What they tried, as a command: `deal fire d-1 qualify`, `users grant bob admin`.
    public var action: String
    /// The deal it was on, if any.
    public var dealID: String?
    /// Why it was refused.
    public var reason: String

    /// Creates a refusal.
    public init(
        sequence: Int64 = 0,
        at: Date,
        actor: String,
        role: String?,
        action: String,
        dealID: String?,
        reason: String
    ) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.role = role
        self.action = action
        self.dealID = dealID
        self.reason = reason
    }
}

/// The people who may act and their roles, and the refusals, kept append-only.
public protocol RosterStore: Sendable {
    /// Every user, by id.
    func users() async throws -> [RosterUser]
    /// Makes the roster `users` if it still is `expected`, in one transaction that no other roster change
    /// interleaves with: users added, changed or removed as the two lists differ (a new user is stamped
    /// `at`). `false`, and nothing written, when the roster changed meanwhile: a rule about the whole
    /// roster (one admin at least) then holds whoever else changes it at the same time.
    func updateRoster(expected: [RosterUser], to users: [RosterUser], at: Date) async throws -> Bool
    /// Appends a refusal.
    func recordRefusal(_ refusal: AccessRefusal) async throws
    /// The latest refusals, oldest first.
    func refusals(limit: Int) async throws -> [AccessRefusal]
}

extension RosterUser {
    /// Roles as every store keeps them: a JSON array, in the order granted.
    public static func storedRoles(_ roles: [String]) throws -> String {
        JSONValue.array(roles.map(JSONValue.string)).rendered(compact: true)
    }

    /// Roles read back from ``storedRoles(_:)``. With DealFlow's own JSON reader, not Foundation's
    /// decoder: the roster is read before every acting command.
    public static func roles(stored text: String) throws -> [String] {
        let unreadable = StoreError.unavailable("a user's roles in the roster are not a JSON array of names")
        guard case .array(let items) = try? JSONValue.parse(text) else { throw unreadable }
        return try items.map { item in
            guard case .string(let role) = item else { throw unreadable }
            return role
        }
    }
}
