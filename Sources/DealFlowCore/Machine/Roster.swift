import Foundation

/// A person on the roster: who may act, and in which roles.
public struct RosterUser: Hashable, Sendable {
    /// The id people act as (`--actor`).
    public var id: String
    /// A display name.
    public var name: String?
    /// The roles they hold, in the order they were granted; the first is the one they act in when no
    /// role is asked for.
    public var roles: [String]

    /// Creates a user.
    public init(id: String, name: String? = nil, roles: [String]) {
        self.id = id
        self.name = name
        self.roles = roles
    }
}

/// The rules of who may act, from the roster.
///
/// While the roster is empty, everyone is trusted with the role they claim: one person on a laptop, the
/// demo. Once it has a user, an actor must be on it, their roles come from it, and a claimed role must be
/// one they hold. The scheduler (``Actor/system``) is never checked.
///
/// ```swift
/// switch Roster.authorize(Actor(id: "ana", role: "manager"), among: users) {
/// case .success(let actor): ...        // acts in a role ana holds
/// case .failure(let refusal): ...      // refusal.reason names the actor and the role
/// }
/// ```
public enum Roster {
    /// The role that may change the roster once someone holds it.
    public static let adminRole = "admin"

    /// The actor as they may act, with their role from the roster, or why they may not act.
    public static func authorize(_ actor: Actor, among users: [RosterUser]) -> Result<Actor, RosterRefusal> {
        guard !actor.isSystem, !users.isEmpty else { return .success(actor) }
        guard let user = users.first(where: { $0.id == actor.id }) else {
            let hint = SpellingSuggestion.hint(for: actor.id, among: users.map(\.id))
            return .failure(
                RosterRefusal(reason: "'\(actor.id)' is not on the roster\(hint); see 'dealflow users list'")
            )
        }
        guard let role = actor.role else {
            var acting = Actor(id: user.id, role: user.roles.first)
            acting.otherRoles = Array(user.roles.dropFirst())
            return .success(acting)
        }
        guard user.roles.contains(role) else {
            let held = user.roles.isEmpty ? "no role" : "only " + user.roles.joined(separator: ", ")
            return .failure(RosterRefusal(reason: "'\(user.id)' does not hold the role '\(role)' (holds \(held))"))
        }
        return .success(actor)
    }

    /// Whether `actor` may change the roster: anyone while it is empty (the first user must then hold
    /// `admin`: see ``checkChange(from:to:)``), then admins only.
    public static func mayChange(_ actor: Actor, among users: [RosterUser]) -> Result<Actor, RosterRefusal> {
        switch authorize(actor, among: users) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let acting):
            guard !users.isEmpty, !actor.isSystem else { return .success(acting) }
            let user = users.first { $0.id == actor.id }
            guard user?.roles.contains(adminRole) == true else {
                return .failure(
                    RosterRefusal(
                        reason: "changing the roster takes the role '\(adminRole)', which '\(actor.id)' does not hold"
                    )
                )
            }
            return .success(Actor(id: actor.id, role: adminRole))
        }
    }
}

extension Roster {
    /// Refuses a change that would leave users on the roster and no admin among them: nobody could
    /// then be trusted to change it. An empty roster (everyone trusted again) is a deliberate choice.
    public static func checkChange(from before: [RosterUser], to after: [RosterUser]) -> RosterRefusal? {
        guard !after.isEmpty, !after.contains(where: { $0.roles.contains(adminRole) }) else { return nil }
        if before.isEmpty {
            return RosterRefusal(
                reason:
                    "the first user on the roster must hold the role '\(adminRole)', so that someone may change it; add --role \(adminRole)"
            )
        }
        return RosterRefusal(
            reason:
                "that would leave nobody with the role '\(adminRole)', and nobody could change the roster; grant it to someone else first"
        )
    }
}

/// Why the roster does not let someone act, in one sentence.
public struct RosterRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// The sentence.
    public var reason: String

    /// Creates a refusal.
    public init(reason: String) { self.reason = reason }

    /// The reason.
    public var description: String { reason }
}
