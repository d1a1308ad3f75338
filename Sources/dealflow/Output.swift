import DealFlowCore
import Foundation

/// Writing to standard output and standard error, and JSON encoding, in one place.
enum Output {
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Encodes a value as pretty-printed JSON with keys in declaration order, followed by a newline.
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) else {
            return "{\"error\": \"internal\", \"message\": \"could not encode the output as JSON\"}\n"
        }
        return text + "\n"
    }
}

/// A diagnostic as `--json` prints it.
struct DiagnosticJSON: Encodable {
    struct Note: Encodable {
        var file: String?
        var line: Int?
        var column: Int?
        var message: String
    }

    var file: String
    var line: Int
    var column: Int
    var severity: String
    var code: String
    var message: String
    var notes: [Note]

    init(_ diagnostic: Diagnostic) {
        file = diagnostic.location.file
        line = diagnostic.location.line
        column = diagnostic.location.column
        severity = diagnostic.severity.rawValue
        code = diagnostic.code.rawValue
        message = diagnostic.message
        notes = diagnostic.notes.map {
            Note(file: $0.location?.file, line: $0.location?.line, column: $0.location?.column, message: $0.message)
        }
    }

    init(unreadable error: WorkflowFileErrorDescription) {
        file = error.path
        line = 0
        column = 0
        severity = "error"
        code = "unreadable-file"
        message = error.description
        notes = []
    }
}

/// What the CLI needs to know of a file it could not read.
struct WorkflowFileErrorDescription {
    var path: String
    var description: String
}
