import ArgumentParser
import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation

/// Options every subcommand accepts (harmless where unused). Each may also come from the environment;
/// swift-argument-parser has no environment fallback, so ``resolved()`` reads `DEALFLOW_*` here and
/// nowhere else.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The database file (env DEALFLOW_DB; default ./dealflow.sqlite). Created on first use.")
    var db: String?

    @Option(
        name: .long,
        help:
            "Act at this instant, ISO 8601 with a zone, e.g. 2026-03-02T09:00:00Z (env DEALFLOW_NOW; default: the clock)."
    )
    var now: String?

    @Option(name: .long, help: "Who acts, recorded in the history (env DEALFLOW_ACTOR; default: $USER).")
    var actor: String?

    @Option(name: .long, help: "The role the actor acts in, checked against transitions' roles (env DEALFLOW_ROLE).")
    var role: String?

    @Flag(name: .long, help: "Print one JSON document instead of text (env DEALFLOW_JSON=1).")
    var json = false

    /// The options with the environment applied.
    struct Settings {
        var databasePath: String
        var clock: any EngineClock
        var actor: Actor
        var json: Bool
    }

    /// Checks the options while parsing, so that a bad `--now` is a usage error of the command given.
    func validate() throws {
        _ = try resolved()
    }

    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Settings {
        // An empty variable counts as unset.
        let environment = environment.filter { !$0.value.isEmpty }
        let nowText = now ?? environment["DEALFLOW_NOW"]
        var clock: any EngineClock = SystemClock()
        if let nowText {
            guard let instant = DateTimeFormat.parse(nowText) else {
                throw ValidationError(
                    "'\(nowText)' is not an instant for --now; write ISO 8601 with a zone, such as 2026-03-02T09:00:00Z"
                )
            }
            clock = FixedClock(instant)
        }
        let actorID = actor ?? environment["DEALFLOW_ACTOR"] ?? environment["USER"] ?? "cli"
        guard !actorID.isEmpty else { throw ValidationError("--actor must not be empty") }
        let roleName = role ?? environment["DEALFLOW_ROLE"]
        return Settings(
            databasePath: db ?? environment["DEALFLOW_DB"] ?? "dealflow.sqlite",
            clock: clock,
            actor: Actor(id: actorID, role: roleName),
            json: json || environment["DEALFLOW_JSON"] == "1"
        )
    }
}

extension GlobalOptions.Settings {
    /// An engine on the configured database and clock.
    func engine() throws -> Engine {
        Engine(store: try SQLiteStore(path: databasePath), clock: clock)
    }
}

extension GlobalOptions.Settings {
    /// The configured database.
    func store() throws -> SQLiteStore {
        try SQLiteStore(path: databasePath)
    }
}
