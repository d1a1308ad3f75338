import ArgumentParser

/// The `dealflow` command line: thin wrappers that parse arguments, call the library and print.
@main
struct DealFlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dealflow",
        abstract: "A workflow engine for sales pipelines.",
        discussion: """
            Ops describe their sales process as YAML workflows (see docs/workflow-language.md); \
            'dealflow validate' checks them with file, line and column, and 'dealflow graph' draws them.

            Exit codes: 0 success, 1 invalid input or file, 64 usage error.
            """,
        version: "0.1.0",
        subcommands: [Validate.self, Graph.self]
    )
}

/// Options every subcommand accepts.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false
}
