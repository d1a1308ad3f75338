import ArgumentParser
import DealFlowCore
import DealFlowEngine
import Foundation

/// `dealflow users`: the roster of people who may act, and their roles.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage the roster: who may act, and in which roles.",
        discussion: """
            While the roster is empty, --actor and --role are trusted as given (one person, the demo). Once it \
            has a user, --actor must be on it (otherwise exit 5), the actor's roles come from the roster, and \
            --role only chooses among them (a role not held exits 5); without --role they act in their first \
            role, or in another they hold when a transition calls for it. Every refusal is recorded: see \
            'dealflow users refusals'. The scheduler acts as 'system'.

            The first user added must hold the role 'admin'; from then on only admins change the roster, and \
            the last admin cannot be removed or lose the role.
            """,
        subcommands: [List.self, Add.self, Remove.self, Grant.self, Revoke.self, Refusals.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add someone to the roster with their roles."
        )

        @Argument(help: "The id they act as (--actor).")
        var id: String

        @Option(help: "Their display name.")
        var name: String?

        @Option(
            name: .customLong("role"),
            help: ArgumentHelp("A role they hold; repeat for several (the first is their default).", valueName: "role")
        )
        var roles: [String] = []

        // Here --role names the roles to grant, so the options every other command shares are spelt out
        // (roster changes act in the role 'admin' from the roster, never in a claimed one).
        @Option(help: "The database (env DEALFLOW_DB; default ./dealflow.sqlite).")
        var db: String?

        @Option(help: "Act at this instant, ISO 8601 with a zone (env DEALFLOW_NOW).")
        var now: String?

        @Option(help: "Who acts (env DEALFLOW_ACTOR; default: $USER).")
        var actor: String?

        @Flag(help: "Print JSON (env DEALFLOW_JSON=1).")
        var json = false

        var global: GlobalOptions {
            var options = GlobalOptions()
            options.db = db
            options.now = now
            options.actor = actor
            options.json = json
            return options
        }

        func validate() throws {
            if roles.isEmpty { throw ValidationError("give at least one role with --role, e.g. --role rep") }
            _ = try global.resolved(ignoringRole: true)
        }

        func run() async throws {
            let settings = try global.resolved(ignoringRole: true)
            try await Output.run(settings) {
                let user = try await settings.engine().addUser(
                    RosterUser(id: id, name: name, roles: roles),
                    actor: settings.actor
                )
                Output.print(
                    settings.json ? user.json.rendered() : "added \(user.id) (\(user.roles.joined(separator: ", ")))\n"
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the roster.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let users = try await settings.engine().users()
                if settings.json {
                    Output.print(JSONValue.array(users.map(\.json)).rendered())
                } else if users.isEmpty {
                    Output.print("the roster is empty: --actor and --role are trusted as given\n")
                } else {
                    Output.print(
                        Table.render(
                            ["ID", "NAME", "ROLES"],
                            users.map { [$0.id, $0.name ?? "-", $0.roles.joined(separator: ", ")] }
                        )
                    )
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Take someone off the roster.",
            discussion:
                "Their deals and tasks keep their name: give them to someone with 'dealflow deal reassign --from'."
        )

        @Argument(help: "The user's id.")
        var id: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let user = try await settings.engine().removeUser(id: id, actor: settings.actor)
                Output.print(settings.json ? user.json.rendered() : "removed \(user.id)\n")
            }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "grant", abstract: "Give a user one more role.")

        @Argument(help: "The user's id.")
        var id: String

        @Argument(help: "The role.")
        var role: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let user = try await settings.engine().grant(role, to: id, actor: settings.actor)
                Output.print(
                    settings.json ? user.json.rendered() : "\(user.id): \(user.roles.joined(separator: ", "))\n"
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Take a role from a user.")

        @Argument(help: "The user's id.")
        var id: String

        @Argument(help: "The role.")
        var role: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let user = try await settings.engine().revoke(role, from: id, actor: settings.actor)
                let roles = user.roles.isEmpty ? "no role" : user.roles.joined(separator: ", ")
                Output.print(settings.json ? user.json.rendered() : "\(user.id): \(roles)\n")
            }
        }
    }

    struct Refusals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refusals",
            abstract: "List what the roster refused: who tried what, claiming which role, and why."
        )

        @Option(help: "At most this many, the latest (default 50).")
        var limit = 50

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit)") }
        }

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let refusals = try await settings.engine().refusals(limit: limit)
                if settings.json {
                    Output.print(JSONValue.array(refusals.map(\.json)).rendered())
                } else if refusals.isEmpty {
                    Output.print("no refusals\n")
                } else {
                    Output.print(
                        Table.render(
                            ["AT (UTC)", "ACTOR", "ROLE", "ACTION", "REASON"],
                            refusals.map { [Format.utc($0.at), $0.actor, $0.role ?? "-", $0.action, $0.reason] }
                        )
                    )
                }
            }
        }
    }
}

extension RosterUser {
    /// `{"id", "name", "roles"}`.
    var json: JSONValue {
        .object([
            ("id", .string(id)), ("name", name.map(JSONValue.string) ?? .null),
            ("roles", .array(roles.map(JSONValue.string))),
        ])
    }
}

extension AccessRefusal {
    /// `{"seq", "at", "actor", "role", "action", "deal", "reason"}`.
    var json: JSONValue {
        .object([
            ("seq", .number(String(sequence))), ("at", .string(DateTimeFormat.iso8601(at))), ("actor", .string(actor)),
            ("role", role.map(JSONValue.string) ?? .null), ("action", .string(action)),
            ("deal", dealID.map(JSONValue.string) ?? .null), ("reason", .string(reason)),
        ])
    }
}
