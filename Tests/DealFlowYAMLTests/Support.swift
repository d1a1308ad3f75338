import DealFlowCore
import DealFlowYAML
import Foundation

/// Paths of the repository, found from this file so that tests run from any directory.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }
}

/// Loads YAML text as a workflow and renders its diagnostics as `dealflow validate` prints them.
func load(_ text: String, file: String = "test.yaml") -> (LoadedWorkflow, String) {
    let loaded = WorkflowLoader.load(source: text, file: file)
    return (loaded, DiagnosticRenderer(sources: [file: text]).render(loaded.diagnostics))
}
