import Foundation
import Testing

@Suite("dealflow validate")
struct ValidateCommandTests {
    @Test func acceptsTheExamples() throws {
        let result = try CLI.run(
            "validate",
            "workflows/b2b-sales.yaml",
            "workflows/customer-lifecycle.yaml",
            "workflows/service-requests.yaml"
        )
        #expect(result.status == 0)
        #expect(
            result.output == """
                workflows/b2b-sales.yaml: ok: workflow 'b2b-sales', 10 stages, 14 transitions, 17 fields
                workflows/customer-lifecycle.yaml: ok: workflow 'customer-lifecycle', 6 stages, 11 transitions, 11 fields
                workflows/service-requests.yaml: ok: workflow 'service-requests', 7 stages, 9 transitions, 12 fields
                3 files checked: 0 errors, 0 warnings

                """
        )
        #expect(result.errors.isEmpty)
    }

    @Test func printsEveryDiagnosticAndExitsOne() throws {
        let result = try CLI.run("validate", "Tests/Fixtures/diagnostics/unknown-stage.yaml")
        #expect(result.status == 1)
        #expect(
            result.output == """
                Tests/Fixtures/diagnostics/unknown-stage.yaml:15:9: error: unknown stage 'wonn' (did you mean 'won'?) [unknown-stage]
                    to: wonn
                        ^~~~
                1 file checked: 1 error, 0 warnings

                """
        )
    }

    @Test func warningsPassUnlessStrict() throws {
        let relaxed = try CLI.run("validate", "Tests/Fixtures/diagnostics/dead-end-stage.yaml")
        #expect(relaxed.status == 0)
        #expect(relaxed.output.contains("warning: stage 'waiting' has no way out"))
        #expect(relaxed.output.hasSuffix("ok: workflow 'fixture', 4 stages, 3 transitions, 3 fields, 1 warning\n"))
        let strict = try CLI.run("validate", "--strict", "Tests/Fixtures/diagnostics/dead-end-stage.yaml")
        #expect(strict.status == 1)
        #expect(
            strict.output.hasSuffix(
                """
                Tests/Fixtures/diagnostics/dead-end-stage.yaml: fails --strict: workflow 'fixture', 4 stages, 3 transitions, 3 fields, 1 warning
                1 file checked: 0 errors, 1 warning

                """
            )
        )
    }

    @Test func printsJSON() throws {
        let result = try CLI.run("validate", "--json", "Tests/Fixtures/diagnostics/multiple-initial-stages.yaml")
        #expect(result.status == 1)
        #expect(
            result.output == """
                [
                  {
                    "file": "Tests/Fixtures/diagnostics/multiple-initial-stages.yaml",
                    "line": 11,
                    "column": 26,
                    "severity": "error",
                    "code": "multiple-initial-stages",
                    "message": "'lost' is marked initial, but 'open' already is; a workflow has exactly one initial stage",
                    "notes": [
                      {
                        "file": "Tests/Fixtures/diagnostics/multiple-initial-stages.yaml",
                        "line": 8,
                        "column": 5,
                        "message": "'open' is marked initial here"
                      }
                    ]
                  }
                ]

                """
        )
        let clean = try CLI.run("validate", "--json", "workflows/b2b-sales.yaml")
        #expect(clean.status == 0)
        #expect(clean.output == "[]\n")
    }

    @Test func reportsUnreadableFilesAndGoesOn() throws {
        let result = try CLI.run("validate", "missing.yaml", "workflows", "workflows/b2b-sales.yaml")
        #expect(result.status == 1)
        #expect(
            result.output == """
                missing.yaml: error: cannot read 'missing.yaml': no such file [unreadable-file]
                workflows: error: cannot read 'workflows': it is a directory [unreadable-file]
                workflows/b2b-sales.yaml: ok: workflow 'b2b-sales', 10 stages, 14 transitions, 17 fields
                3 files checked: 2 errors, 0 warnings

                """
        )
    }

    @Test func refusesBinaryFiles() throws {
        let path = try CLI.temporaryFile("")
        try Data([0x77, 0x6f, 0xff, 0xfe, 0x00]).write(to: URL(fileURLWithPath: path))
        let result = try CLI.run("validate", path)
        #expect(result.status == 1)
        #expect(result.output.contains("cannot read '\(path)': it is not UTF-8 text [unreadable-file]"))
    }

    @Test func usageErrorsExitSixtyFour() throws {
        let missing = try CLI.run("validate")
        #expect(missing.status == 64)
        #expect(missing.errors.contains("Error: Missing expected argument '<files> ...'"))
        let unknown = try CLI.run("validate", "--bogus", "x.yaml")
        #expect(unknown.status == 64)
        #expect(unknown.errors.contains("Error: Unknown option '--bogus'"))
        let command = try CLI.run("frobnicate")
        #expect(command.status == 64)
    }
}

@Suite("README")
struct ReadmeTests {
    /// The README shows real output: its console blocks are replayed in a directory that mirrors the
    /// repository (`export` sets the environment, `echo $?` prints the last exit code), and each
    /// `$ dealflow ...` command's output is compared with the lines that follow it.
    @Test func everyConsoleBlockIsTrue() throws {
        let sandbox = try Sandbox()
        for name in ["workflows", "seeds", "docs"] {
            try FileManager.default.createSymbolicLink(
                at: sandbox.directory.appendingPathComponent(name),
                withDestinationURL: CLI.root.appendingPathComponent(name)
            )
        }
        let readme = try String(contentsOf: CLI.root.appendingPathComponent("README.md"), encoding: .utf8)
        var lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        var environment: [String: String] = [:]
        var status: Int32 = 0
        var inConsole = false
        var checked = 0
        while let line = lines.popFirst() {
            if line.hasPrefix("```") {
                inConsole = line == "```console" && !inConsole
                continue
            }
            guard inConsole, line.hasPrefix("$ ") else { continue }
            var expected: [String] = []
            while let next = lines.first, !next.hasPrefix("$ "), !next.hasPrefix("```") {
                expected.append(next)
                lines.removeFirst()
            }
            let words = try Self.words(String(line.dropFirst(2)))
            switch words.first {
            case "export":
                for assignment in words.dropFirst() {
                    let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
                    environment[parts[0]] = parts[1]
                }
            case "echo":
                #expect(expected == [String(status)], "\(line)")
            default:
                #expect(words.first == "dealflow", "the README runs \(line)")
                let result = try CLI.run(Array(words.dropFirst()), environment: environment, in: sandbox.directory)
                status = result.status
                let output = (result.output + result.errors).split(separator: "\n", omittingEmptySubsequences: false)
                    .map(String.init)
                // Ids a command makes at random (a task's, a timer's) differ on every run.
                #expect(
                    Array(output.reversed().drop { $0.isEmpty }.reversed()).map(Self.maskingRandomIDs)
                        == expected.map(Self.maskingRandomIDs),
                    "\(line)"
                )
                checked += 1
            }
        }
        #expect(checked >= 10)
    }

    /// `task-6102ec2b5f40` as `task-…`.
    static func maskingRandomIDs(_ line: String) -> String {
        line.replacing(/(task|timer)-[0-9a-f]{12}/) { "\($0.output.1)-…" }
    }

    /// Splits a command line as a shell does for these examples: spaces, and double or single quotes
    /// around words (each kind taken literally inside the other).
    static func words(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var started = false
        for character in line {
            switch character {
            case "\"", "'":
                if quote == nil {
                    quote = character
                } else if quote == character {
                    quote = nil
                } else {
                    current.append(character)
                }
                started = true
            case " " where quote == nil:
                if started { words.append(current) }
                current = ""
                started = false
            default:
                current.append(character)
                started = true
            }
        }
        if started { words.append(current) }
        return words
    }
}
