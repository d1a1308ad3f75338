import ArgumentParser
import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import DealFlowPostgres
import DealFlowSQLite
import Foundation

/// Options every subcommand accepts (harmless where unused). Each may also come from the environment;
/// swift-argument-parser has no environment fallback, so ``resolved()`` reads `DEALFLOW_*` here and
/// nowhere else.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            The database: a SQLite file, or postgres://USER@HOST:PORT/DB for a shared PostgreSQL database \
            (env DEALFLOW_DB; default ./dealflow.sqlite). Created or migrated on first use.
            """
    )
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
        /// The SQLite file, or the PostgreSQL URL without its password.
        var databasePath: String
        /// The PostgreSQL database, when `--db` is a `postgres://` URL.
        var postgres: PostgresLocation?
        var clock: any EngineClock
        /// Whether `--now` fixed the clock: a scheduler on a shared database then fires as of it, not as
        /// of the database's clock.
        var clockIsGiven: Bool
        var actor: Actor
        var json: Bool
    }

    /// Checks the options while parsing, so that a bad `--now` is a usage error of the command given.
    func validate() throws {
        _ = try resolved()
    }

    /// The settings; `ignoringRole` leaves DEALFLOW_ROLE out, for a command whose `--role` means something else.
    func resolved(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        ignoringRole: Bool = false
    ) throws -> Settings {
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
        let roleName = ignoringRole ? nil : role ?? environment["DEALFLOW_ROLE"]
        let database = db ?? environment["DEALFLOW_DB"] ?? "dealflow.sqlite"
        var postgres: PostgresLocation?
        if PostgresLocation.isURL(database) {
            do {
                postgres = try PostgresLocation(url: database, environment: environment)
            } catch {
                throw ValidationError("--db: \(error)")
            }
        }
        return Settings(
            databasePath: postgres?.description ?? database,
            postgres: postgres,
            clock: clock,
            clockIsGiven: nowText != nil,
            actor: Actor(id: actorID, role: roleName),
            json: json || environment["DEALFLOW_JSON"] == "1"
        )
    }
}

/// What the CLI needs of a store; both the embedded SQLite file and the shared PostgreSQL database
/// give all of it.
typealias CommandStore = SchedulerStore & WorklistStore & OutboxStore & ActivityStore & PipelineHistorySource
    & RosterStore

extension GlobalOptions.Settings {
    /// An engine on the configured database and clock.
    func engine() async throws -> Engine {
        Engine(store: try await store(), clock: clock)
    }

    /// The configured database, created or migrated if need be.
    func store(metrics: EngineMetrics = .none) async throws -> any CommandStore {
        if let postgres {
            return try await PostgresStore(location: postgres, metrics: metrics)
        }
        return try SQLiteStore(path: databasePath)
    }
}
