import ArgumentParser
import DealFlowCore
import DealFlowEngine
import DealFlowYAML
import Foundation

/// Writing to standard output and standard error, and turning errors into exit codes, in one place.
enum Output {
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `{"error": KIND, "message": TEXT}`, the shape of every error printed with `--json`.
    static func jsonError(_ kind: String, _ message: String, _ extra: [(String, JSONValue)] = []) -> JSONValue {
        .object([("error", .string(kind)), ("message", .string(message))] + extra)
    }

    /// Exit codes scripts rely on.
    enum Status {
        static let badInput: Int32 = 1
        static let blocked: Int32 = 3
        static let conflict: Int32 = 4
        static let roleNotAllowed: Int32 = 5
    }

    /// Runs a command body: engine errors are printed (as text on standard error, or as JSON on
    /// standard output) and become their exit code.
    static func run(_ settings: GlobalOptions.Settings, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as EngineError {
            let status: Int32
            var extra: [(String, JSONValue)] = []
            var text = "error: \(error.description)\n"
            switch error {
            case .blocked(let deal, let transition, let blockers):
                status = Status.blocked
                extra = [("blockers", .array(blockers.map(\.json)))]
                text =
                    "deal '\(deal)': '\(transition)' is blocked\n" + blockers.map { "  - \(describe($0))\n" }.joined()
            case .roleNotAllowed(_, _, let blocker):
                status = Status.roleNotAllowed
                extra = [("blockers", .array([blocker.json]))]
            case .actorRefused:
                status = Status.roleNotAllowed
            case .conflict(_, let expected, let actual):
                status = Status.conflict
                extra = [("expected_version", .int(expected)), ("actual_version", .int(actual))]
            case .contention:
                status = Status.conflict
            case .importFailed(let problems):
                status = Status.badInput
                extra = [
                    (
                        "rows",
                        .array(problems.map { .object([("row", .int($0.row)), ("message", .string($0.message))]) })
                    )
                ]
            case .invalidWorkflow(let loaded):
                status = Status.badInput
                extra = [("diagnostics", .array(loaded.diagnostics.map(\.json)))]
                text = DiagnosticRenderer(sources: [loaded.file: loaded.source]).render(loaded.diagnostics) + text
            default:
                status = Status.badInput
            }
            if settings.json {
                print(jsonError(error.kind, error.description, extra).rendered())
            } else {
                self.error(text)
            }
            throw ExitCode(status)
        } catch let error as StoreError {
            if settings.json {
                print(jsonError("store", error.description).rendered())
            } else {
                self.error("error: \(error)\n")
            }
            throw ExitCode(Status.badInput)
        }
    }

    /// One line for a blocker: what failed, what it saw, and the message.
    static func describe(_ blocker: Blocker) -> String {
        switch blocker.kind {
        case .guard:
            return blocker.message == blocker.explanation
                ? blocker.explanation : "\(blocker.explanation) — \(blocker.message)"
        default:
            return blocker.message
        }
    }
}

extension Diagnostic {
    /// `{"file", "line", "column", "severity", "code", "message", "notes"}`; each note has its own
    /// `file`, `line` and `column` (null when it points nowhere) and `message`.
    var json: JSONValue {
        .object([
            ("file", .string(location.file)),
            ("line", .int(location.line)),
            ("column", .int(location.column)),
            ("severity", .string(severity.rawValue)),
            ("code", .string(code.rawValue)),
            ("message", .string(message)),
            (
                "notes",
                .array(
                    notes.map { note in
                        .object([
                            ("file", note.location.map { .string($0.file) } ?? .null),
                            ("line", note.location.map { .int($0.line) } ?? .null),
                            ("column", note.location.map { .int($0.column) } ?? .null),
                            ("message", .string(note.message)),
                        ])
                    }
                )
            ),
        ])
    }

    /// A file that could not be read, reported in the same shape as a diagnostic (line and column 0).
    static func unreadableFileJSON(path: String, message: String) -> JSONValue {
        .object([
            ("file", .string(path)), ("line", .int(0)), ("column", .int(0)), ("severity", .string("error")),
            ("code", .string("unreadable-file")), ("message", .string(message)), ("notes", .array([])),
        ])
    }
}

/// Aligned columns for human output.
enum Table {
    static func render(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
