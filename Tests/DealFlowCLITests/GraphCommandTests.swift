import Foundation
import Testing

@Suite("dealflow graph")
struct GraphCommandTests {
    @Test func drawsMermaidByDefault() throws {
        let result = try CLI.run("graph", "workflows/service-requests.yaml")
        #expect(result.status == 0)
        #expect(
            result.output.hasPrefix("---\ntitle: \"Complaints and requests\"\n---\nstateDiagram-v2\n    direction LR\n")
        )
        #expect(
            result.output.contains("    s6 --> s7 : reopen [days_in_stage #lt;= 30 or stage == #quot;resolved#quot;]\n")
        )
    }

    @Test func drawsDotThatGraphvizRenders() throws {
        let result = try CLI.run("graph", "workflows/b2b-sales.yaml", "--format", "dot")
        #expect(result.status == 0)
        #expect(result.output.hasPrefix("digraph \"b2b-sales\" {\n"))
        #expect(
            result.output.contains(
                ##""prospecting" -> "stale" [label="timer after 30 days: go_stale", style=dashed, color="#94a3b8"];"##
            )
        )
    }

    @Test func printsJSON() throws {
        let result = try CLI.run("graph", "--json", "--format", "dot", "Tests/Fixtures/diagnostics/dead-end-stage.yaml")
        #expect(result.status == 0)
        #expect(
            result.output.hasPrefix(
                "{\n  \"workflow\": \"fixture\",\n  \"format\": \"dot\",\n  \"diagram\": \"digraph \\\"fixture\\\" {\\n"
            )
        )
    }

    @Test func refusesAnInvalidWorkflow() throws {
        let result = try CLI.run("graph", "Tests/Fixtures/diagnostics/unknown-stage.yaml")
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
        #expect(
            result.errors == """
                Tests/Fixtures/diagnostics/unknown-stage.yaml:15:9: error: unknown stage 'wonn' (did you mean 'won'?) [unknown-stage]
                    to: wonn
                        ^~~~
                error: 'Tests/Fixtures/diagnostics/unknown-stage.yaml' is not a valid workflow; fix the errors above to draw it

                """
        )
        let invalid = try CLI.run("graph", "--json", "Tests/Fixtures/diagnostics/unknown-stage.yaml")
        #expect(invalid.status == 1)
        #expect(
            invalid.output.hasPrefix(
                """
                {
                  "error": "invalid-workflow",
                  "message": "'Tests/Fixtures/diagnostics/unknown-stage.yaml' is not a valid workflow",
                  "diagnostics": [
                    {
                      "file": "Tests/Fixtures/diagnostics/unknown-stage.yaml",
                      "line": 15,
                """
            )
        )
        let missing = try CLI.run("graph", "--json", "nope.yaml")
        #expect(missing.status == 1)
        #expect(
            missing.output
                == "{\n  \"error\": \"unreadable-file\",\n  \"message\": \"cannot read 'nope.yaml': no such file\"\n}\n"
        )
    }

    @Test func refusesAnUnknownFormat() throws {
        let result = try CLI.run("graph", "workflows/b2b-sales.yaml", "--format", "svg")
        #expect(result.status == 64)
        #expect(result.errors.contains("Error: The value 'svg' is invalid for '--format <format>'"))
    }
}
