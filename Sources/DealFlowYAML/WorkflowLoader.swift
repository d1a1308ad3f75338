import DealFlowCore
import Foundation

/// Everything known about one workflow file after loading it.
public struct LoadedWorkflow: Sendable {
    /// The file name as given.
    public var file: String
    /// The file's text, for quoting lines in diagnostics.
    public var source: String
    /// The definition as read, even when it has errors (`nil` only when the file could not be read as
    /// a workflow at all).
    public var definition: Workflow?
    /// The compiled workflow, when there is no error.
    public var validated: ValidatedWorkflow?
    /// Every error and warning, in file order.
    public var diagnostics: [Diagnostic]

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains(where: \.isError) }
}

/// Loads workflow files: YAML syntax and policy, then the format, then validation, collecting every
/// diagnostic along the way.
///
/// ```swift
/// let loaded = try WorkflowLoader.load(path: "workflows/b2b-sales.yaml")
/// print(DiagnosticRenderer(sources: [loaded.file: loaded.source]).render(loaded.diagnostics))
/// ```
public enum WorkflowLoader {
    /// Loads a workflow from text; `file` names it in diagnostics.
    public static func load(source: String, file: String) -> LoadedWorkflow {
        let (root, yamlDiagnostics) = YAMLComposer.compose(source, file: file)
        var loaded = LoadedWorkflow(
            file: file,
            source: source,
            definition: nil,
            validated: nil,
            diagnostics: yamlDiagnostics
        )
        // A syntax or policy error leaves a partial tree that cannot be trusted: report it alone.
        if yamlDiagnostics.contains(where: { [.yamlSyntax, .yamlAnchor, .yamlTag, .yamlLimit].contains($0.code) }) {
            return loaded
        }
        let (definition, formatDiagnostics) = WorkflowDecoder.decode(root, file: file)
        loaded.definition = definition
        guard let definition else {
            loaded.diagnostics = sorted(yamlDiagnostics + formatDiagnostics)
            return loaded
        }
        let outcome = WorkflowValidator.validate(definition)
        let diagnostics = sorted(yamlDiagnostics + formatDiagnostics + outcome.diagnostics).map {
            explainingComments($0, in: source)
        }
        loaded.diagnostics = diagnostics
        if !diagnostics.contains(where: \.isError) {
            loaded.validated = outcome.validated
            loaded.definition = outcome.validated?.definition ?? definition
        }
        return loaded
    }

    /// Loads a workflow file.
    ///
    /// - Throws: ``WorkflowFileError`` when the file cannot be read or is not UTF-8 text.
    public static func load(path: String) throws(WorkflowFileError) -> LoadedWorkflow {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                throw WorkflowFileError(
                    path: path,
                    reason: isDirectory.boolValue ? "it is a directory" : "it cannot be read"
                )
            }
            throw WorkflowFileError(path: path, reason: "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WorkflowFileError(path: path, reason: "it is not UTF-8 text")
        }
        return load(source: text, file: path)
    }

    /// An expression cut short by ` #`, which YAML reads as the start of a comment (`- note != "ticket #1"`
    /// reaches the expression as `note != "ticket`), gets a note saying so.
    private static func explainingComments(_ diagnostic: Diagnostic, in source: String) -> Diagnostic {
        guard diagnostic.code == .expressionSyntax else { return diagnostic }
        let lines = DiagnosticRenderer.lines(of: source)
        guard diagnostic.location.line >= 1, diagnostic.location.line <= lines.count else { return diagnostic }
        let line = Array(lines[diagnostic.location.line - 1].unicodeScalars)
        let start = max(0, diagnostic.location.column - 2)
        guard start < line.count,
            line[start...].indices.contains(where: { $0 > 0 && line[$0] == "#" && [" ", "\t"].contains(line[$0 - 1]) })
        else { return diagnostic }
        var explained = diagnostic
        explained.notes.append(
            Diagnostic.Note(
                "YAML reads ' #' and the rest of the line as a comment; quote the whole expression to keep it"
            )
        )
        return explained
    }

    private static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.enumerated().sorted {
            let (a, b) = ($0.element.location, $1.element.location)
            return (a.line, a.column, $0.offset) < (b.line, b.column, $1.offset)
        }.map(\.element)
    }
}

/// A workflow file that could not be read at all.
public struct WorkflowFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The path as given.
    public var path: String
    /// Why: `no such file`, `it is a directory`, `it is not UTF-8 text`.
    public var reason: String

    /// `cannot read 'x.yaml': no such file`.
    public var description: String { "cannot read '\(path)': \(reason)" }
}
