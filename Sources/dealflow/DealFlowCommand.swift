import ArgumentParser
import DealFlowCore
import DealFlowSQLite
import Foundation

/// The `dealflow` command line: thin wrappers that parse arguments, call the library and print.
@main
struct DealFlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dealflow",
        abstract: "A workflow engine for sales pipelines.",
        discussion: """
            Ops describe their sales process as YAML workflows (see docs/workflow-language.md); \
            'dealflow validate' checks them and 'dealflow graph' draws them. 'dealflow workflow apply' stores \
            them in the database, and reps move deals through them with 'dealflow deal'.

            Every command accepts --db, --now, --actor, --role and --json (and DEALFLOW_DB, DEALFLOW_NOW, \
            DEALFLOW_ACTOR, DEALFLOW_ROLE in the environment).

            Exit codes: 0 success; 1 bad input, or an unknown deal, workflow or transition, or an invalid \
            file; 3 transition blocked; 4 conflict (the deal changed); 5 role not allowed, or an actor the \
            roster refuses; 64 usage error.
            """,
        version: "0.1.0",
        subcommands: [
            Validate.self, Graph.self, WorkflowCommand.self, DealCommand.self, TaskCommand.self, AgendaCommand.self,
            UserCommand.self, SchedulerCommand.self, EventsCommand.self, DeliverCommand.self, Report.self, Metrics.self,
            Import.self, Demo.self,
        ]
    )

    /// Runs the command; with `--json`, a usage error too is printed as `{"error", "message"}` (exit 64).
    static func main() async {
        // Before anything opens a database; no other thread uses SQLite yet.
        SQLiteStore.turnOffMemoryStatistics()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let wantsJSON =
                CommandLine.arguments.contains("--json") || ProcessInfo.processInfo.environment["DEALFLOW_JSON"] == "1"
            if wantsJSON, exitCode(for: error).rawValue == 64 {
                Output.print(Output.jsonError("usage", fullMessage(for: error)).rendered())
                exit(withError: ExitCode(64))
            }
            exit(withError: error)
        }
    }
}
