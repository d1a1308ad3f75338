import DealFlowCore
import Foundation

/// Writing to standard output and standard error in one place.
enum Output {
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `{"error": KIND, "message": TEXT}`, the shape of every error printed with `--json`.
    static func jsonError(_ kind: String, _ message: String) -> JSON {
        .object([("error", .string(kind)), ("message", .string(message))])
    }
}

extension Diagnostic {
    /// `{"file", "line", "column", "severity", "code", "message", "notes"}`; each note has its own
    /// `file`, `line` and `column` (null when it points nowhere) and `message`.
    var json: JSON {
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
    static func unreadableFileJSON(path: String, message: String) -> JSON {
        .object([
            ("file", .string(path)), ("line", .int(0)), ("column", .int(0)), ("severity", .string("error")),
            ("code", .string("unreadable-file")), ("message", .string(message)), ("notes", .array([])),
        ])
    }
}
