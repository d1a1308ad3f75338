import DealFlowCore
import DealFlowYAML
import Foundation
import Testing

@Suite("Diagrams")
struct DiagramTests {
    static let small = """
        workflow: small
        title: "Small: a test"
        fields:
          amount: { type: decimal }
        stages:
          open:
            initial: true
            probability: 10
            timers:
              - after: 30 days
                fire: drop
              - after: 2 business days
                task: { title: "Call \\"them\\"" }
          won: { outcome: won }
          lost: { outcome: lost }
        transitions:
          win:
            from: open
            to: won
            guard: ["amount > 0", "amount <= 1000"]
          drop:
            from: "*"
            to: lost
        """

    func definition(_ text: String) throws -> Workflow {
        let (loaded, rendered) = load(text)
        #expect(rendered == "")
        return try #require(loaded.validated).definition
    }

    @Test func drawsMermaid() throws {
        let text = WorkflowDiagram.render(try definition(Self.small), format: .mermaid)
        #expect(
            text == """
                ---
                title: "Small: a test"
                ---
                stateDiagram-v2
                    direction LR
                    state "open · 10%" as s1
                    state "won · 100% · won" as s2
                    state "lost · 0% · lost" as s3
                    [*] --> s1
                    s1 --> s2 : win [amount #gt; 0#59; amount #lt;= 1000]
                    s1 --> s3 : drop
                    s2 --> s3 : drop
                    s1 --> s3 : timer after 30 days#58; drop
                    note right of s1 : timer after 2 business days#58; task “Call #quot;them#quot;”
                    classDef won fill:#dcfce7,stroke:#16a34a,color:#14532d
                    classDef lost fill:#fee2e2,stroke:#dc2626,color:#7f1d1d
                    class s2 won
                    class s3 lost

                """
        )
    }

    @Test func drawsDot() throws {
        let text = WorkflowDiagram.render(try definition(Self.small), format: .dot)
        #expect(
            text == #"""
                digraph "small" {
                    graph [rankdir=LR, label="Small: a test (small)", labelloc=t, fontname="Helvetica"];
                    node [shape=box, style="rounded,filled", fillcolor="#f8fafc", color="#64748b", fontname="Helvetica"];
                    edge [fontname="Helvetica", fontsize=10, color="#475569"];
                    "start node" [shape=point, width=0.15, label=""];
                    "start node" -> "open";
                    "open" [label="open\n10%", penwidth=2];
                    "won" [label="won\n100%\nwon", fillcolor="#dcfce7", color="#16a34a"];
                    "lost" [label="lost\n0%\nlost", fillcolor="#fee2e2", color="#dc2626"];
                    "open" -> "won" [label="win [amount > 0; amount <= 1000]"];
                    "open" -> "lost" [label="drop"];
                    "won" -> "lost" [label="drop"];
                    "open" -> "lost" [label="timer after 30 days: drop", style=dashed, color="#94a3b8"];
                    "open" -> "open" [label="timer after 2 business days: task “Call \"them\"”", style=dashed, color="#94a3b8"];
                }

                """#
        )
    }

    /// Graphviz must accept the DOT of every example workflow (CI installs the `graphviz` package).
    @Test(arguments: ExampleWorkflowTests.files)
    func graphvizRendersTheExamples(_ file: String) throws {
        let workflow = try #require(try WorkflowLoader.load(path: Repository.path(file)).validated)
        let dot = WorkflowDiagram.render(workflow.definition, format: .dot)
        let (status, output, errors) = try run("/usr/bin/env", ["dot", "-Tsvg"], input: dot)
        #expect(status == 0, "dot failed (is graphviz installed?): \(errors)")
        #expect(errors.isEmpty, "dot warned: \(errors)")
        #expect(output.contains("<svg"))
        for stage in workflow.definition.stages {
            #expect(output.contains(">\(stage.name)<"), "\(stage.name) is not drawn")
        }
    }

    /// The Mermaid of every example uses only the statements of `stateDiagram-v2` this renderer emits,
    /// with ids declared before use and no character that would end a label early.
    @Test(arguments: ExampleWorkflowTests.files)
    func mermaidIsWellFormed(_ file: String) throws {
        let workflow = try #require(try WorkflowLoader.load(path: Repository.path(file)).validated)
        let lines = WorkflowDiagram.render(workflow.definition, format: .mermaid).split(separator: "\n").map(
            String.init
        )
        let body = lines.drop { $0 != "stateDiagram-v2" }
        #expect(body.first == "stateDiagram-v2")
        var declared: Set<String> = []
        for written in body.dropFirst() {
            // Entity codes such as #58; are how labels carry the characters the grammar reads.
            let line = written.replacing(/#[a-z0-9]+;/, with: "")
            let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 3).map(String.init)
            switch words.first {
            case "direction": #expect(words == ["direction", "LR"])
            case "state":
                #expect(line.firstMatch(of: /^    state "[^"]+" as s\d+$/) != nil, "\(line)")
                declared.insert(String(line.split(separator: " ").last!))
            case "classDef", "class": break
            case "note": #expect(line.firstMatch(of: /^    note right of s\d+ : [^:;"<>{}]+$/) != nil, "\(line)")
            case "[*]": #expect(line.firstMatch(of: /^    \[\*\] --> s\d+$/) != nil, "\(line)")
            default:
                let match = try #require(line.firstMatch(of: /^    (s\d+) --> (s\d+) : ([^:;"<>{}]+)$/), "\(line)")
                #expect(declared.contains(String(match.1)) && declared.contains(String(match.2)))
            }
        }
    }

    func run(_ executable: String, _ arguments: [String], input: String) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self)
        )
    }
}
