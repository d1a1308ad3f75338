/// Renders diagnostics the way compilers do: location, severity, message and code, then the source
/// line and a caret under the problem.
///
/// ```
/// workflows/b2b-sales.yaml:41:9: error: unknown stage 'qualifcation' (did you mean 'qualification'?) [unknown-stage]
///     to: qualifcation
///         ^~~~~~~~~~~~
/// ```
public struct DiagnosticRenderer: Sendable {
    private let lines: [String: [Substring]]

    /// Creates a renderer that can quote lines from these sources, keyed by file name.
    public init(sources: [String: String]) {
        lines = sources.mapValues(DiagnosticRenderer.lines)
    }

    /// The lines of a text, split on line feeds whether or not a carriage return precedes them (a Swift
    /// `Character` holds `\r\n` as one, so splitting characters on `\n` would find no line in a CRLF file).
    public static func lines(of text: String) -> [Substring] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let trimmed = line.last == "\r" ? line.dropLast() : line[...]
            return Substring(trimmed)
        }
    }

    /// One diagnostic with its notes, each followed by its source line and caret when the line is known.
    public func render(_ diagnostic: Diagnostic) -> String {
        var output =
            "\(diagnostic.location): \(diagnostic.severity.rawValue): \(diagnostic.message) [\(diagnostic.code.rawValue)]\n"
        output += excerpt(at: diagnostic.location)
        for note in diagnostic.notes {
            if let location = note.location {
                output += "\(location): note: \(note.message)\n"
                output += excerpt(at: location)
            } else {
                output += "    note: \(note.message)\n"
            }
        }
        return output
    }

    /// Several diagnostics, one after the other.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined()
    }

    private func excerpt(at location: SourceLocation) -> String {
        guard let fileLines = lines[location.file], location.line >= 1, location.line <= fileLines.count else {
            return ""
        }
        let line = fileLines[location.line - 1]
        let scalars = Array(line.unicodeScalars)
        guard location.column >= 1, location.column <= scalars.count + 1 else { return "\(line)\n" }
        var caret = String.UnicodeScalarView()
        for scalar in scalars.prefix(location.column - 1) { caret.append(scalar == "\t" ? "\t" : " ") }
        let available = max(1, scalars.count - (location.column - 1))
        let underline = "^" + String(repeating: "~", count: max(0, min(location.length, available) - 1))
        return "\(line)\n\(String(caret))\(underline)\n"
    }
}
