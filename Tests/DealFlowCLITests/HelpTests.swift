import Testing

/// The help is the first documentation a user reads: it is compared whole.
@Suite("dealflow --help")
struct HelpTests {
    @Test func root() throws {
        let result = try CLI.run("--help")
        #expect(result.status == 0)
        #expect(
            result.output == """
                OVERVIEW: A workflow engine for sales pipelines.

                Ops describe their sales process as YAML workflows (see
                docs/workflow-language.md); 'dealflow validate' checks them with file, line and
                column, and 'dealflow graph' draws them.

                Exit codes: 0 success, 1 invalid input or file, 64 usage error.

                USAGE: dealflow <subcommand>

                OPTIONS:
                  --version               Show the version.
                  -h, --help              Show help information.

                SUBCOMMANDS:
                  validate                Check workflow files and print every problem with its
                                          file, line and column.
                  graph                   Draw a workflow as a Mermaid state diagram or a
                                          Graphviz DOT graph.

                  See 'dealflow help <subcommand>' for detailed help.

                """
        )
    }

    @Test func validate() throws {
        let result = try CLI.run("validate", "--help")
        #expect(result.status == 0)
        #expect(
            result.output == """
                OVERVIEW: Check workflow files and print every problem with its file, line and
                column.

                Every error and warning of every file is reported, each with a stable code
                (docs/workflow-language.md lists them). Exit status: 0 when no file has an
                error (warnings are allowed unless --strict), 1 otherwise.

                USAGE: dealflow validate <files> ... [--strict] [--json]

                ARGUMENTS:
                  <files>                 The workflow files to check (YAML).

                OPTIONS:
                  --strict                Treat warnings as errors: exit 1 if any file has a
                                          warning.
                  --json                  Print one JSON document instead of text.
                  --version               Show the version.
                  -h, --help              Show help information.


                """
        )
    }

    @Test func graph() throws {
        let result = try CLI.run("help", "graph")
        #expect(result.status == 0)
        #expect(
            result.output == """
                OVERVIEW: Draw a workflow as a Mermaid state diagram or a Graphviz DOT graph.

                Stages show their probability and outcome, transitions their name and guards,
                timers are dashed edges labelled "timer" (Mermaid cannot dash edges; there the
                label alone marks them). An invalid workflow prints its diagnostics to standard
                error and exits 1.

                Render DOT with: dealflow graph FILE --format dot | dot -Tsvg > workflow.svg

                USAGE: dealflow graph <file> [--format <format>] [--json]

                ARGUMENTS:
                  <file>                  The workflow file to draw (YAML).

                OPTIONS:
                  --format <format>       The diagram language. (values: mermaid, dot; default:
                                          mermaid)
                  --json                  Print one JSON document instead of text.
                  --version               Show the version.
                  -h, --help              Show help information.


                """
        )
    }

    @Test func version() throws {
        #expect(try CLI.run("--version").output == "0.1.0\n")
    }
}
