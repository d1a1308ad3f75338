import Foundation
import Testing

/// The help is the first documentation a user reads: every command's is compared whole with
/// `Tests/Fixtures/help/<command>.txt`. After an intended change, run the tests with
/// `DEALFLOW_RECORD_FIXTURES=1` and review the diff of those files.
@Suite("dealflow --help")
struct HelpTests {
    static let commands: [[String]] = [
        [], ["validate"], ["graph"], ["workflow"], ["workflow", "apply"], ["workflow", "list"], ["workflow", "show"],
        ["deal"], ["deal", "create"], ["deal", "set"], ["deal", "fire"], ["deal", "show"], ["deal", "list"],
        ["deal", "history"], ["deal", "transitions"], ["tasks"], ["tasks", "list"], ["tasks", "done"],
        ["tasks", "snooze"], ["scheduler"], ["scheduler", "run"], ["events"], ["deliver"], ["report"], ["metrics"],
        ["import"], ["demo"],
    ]

    @Test(arguments: commands)
    func isCompleteAndStable(_ command: [String]) throws {
        let result = try CLI.run(command + ["--help"])
        #expect(result.status == 0)
        let name = (["dealflow"] + command).joined(separator: "-")
        let expected = CLI.root.appendingPathComponent("Tests/Fixtures/help/\(name).txt")
        if ProcessInfo.processInfo.environment["DEALFLOW_RECORD_FIXTURES"] != nil {
            try FileManager.default.createDirectory(
                at: expected.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try result.output.write(to: expected, atomically: true, encoding: .utf8)
        }
        #expect(result.output == (try String(contentsOf: expected, encoding: .utf8)))
    }

    @Test func everyCommandDocumentsTheEnvironment() throws {
        for command in Self.commands.filter({
            !$0.isEmpty && !["workflow", "deal", "tasks", "scheduler"].contains($0.joined())
        }) {
            let output = try CLI.run(command + ["--help"]).output
            for variable in ["DEALFLOW_DB", "DEALFLOW_NOW", "DEALFLOW_ACTOR", "DEALFLOW_ROLE"] {
                #expect(
                    output.contains(variable),
                    "\(command.joined(separator: " ")) --help does not mention \(variable)"
                )
            }
        }
    }

    @Test func version() throws {
        #expect(try CLI.run("--version").output == "0.1.0\n")
    }
}
