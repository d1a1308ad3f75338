import Foundation

/// Draws a workflow as a Mermaid `stateDiagram-v2` or a Graphviz DOT graph.
///
/// Stages show their probability and outcome; transitions are labelled with their name and guards;
/// timers are dashed edges in DOT (to the stage their transition leads to, or back to their own stage
/// for a task). Mermaid's state diagrams cannot dash an edge, so there timer edges read "timer ..." and
/// task timers are notes.
///
/// ```swift
/// let text = WorkflowDiagram.render(validated.definition, format: .dot)
/// ```
public enum WorkflowDiagram {
    /// The diagram languages.
    public enum Format: String, CaseIterable, Sendable {
        case mermaid, dot
    }

    /// The diagram's text.
    public static func render(_ workflow: Workflow, format: Format) -> String {
        let graph = Graph(workflow)
        switch format {
        case .mermaid: return mermaid(graph)
        case .dot: return dot(graph)
        }
    }

    private struct Edge {
        var from: String
        var to: String
        var label: String
        var isTimer: Bool
    }

    private struct Graph {
        var id: String
        var title: String?
        var stages: [Stage]
        var initial: String?
        var edges: [Edge] = []
        var taskTimers: [(stage: String, label: String)] = []

        init(_ workflow: Workflow) {
            id = workflow.id.value
            title = workflow.title
            stages = workflow.stages
            initial = workflow.stages.first(where: \.isInitial)?.name
            for transition in workflow.transitions {
                var label = transition.name
                let guards = transition.guards.map(\.expression.text)
                if !guards.isEmpty { label += " [" + guards.joined(separator: "; ") + "]" }
                for stage in workflow.stages where transition.leaves(stage.name) {
                    edges.append(Edge(from: stage.name, to: transition.to.value, label: label, isTimer: false))
                }
            }
            for stage in workflow.stages {
                for timer in stage.timers {
                    var when: String
                    switch timer.schedule {
                    case .after(let duration): when = "after \(duration.value)"
                    case .at(let source): when = "at \(source.text)"
                    }
                    if let every = timer.every { when += ", every \(every.value)" }
                    switch timer.effect {
                    case .fire(let name):
                        let target = workflow.transitions.first { $0.name == name.value }?.to.value ?? stage.name
                        edges.append(
                            Edge(from: stage.name, to: target, label: "timer \(when): \(name.value)", isTimer: true)
                        )
                    case .task(let task):
                        taskTimers.append((stage.name, "timer \(when): task “\(task.title.value)”"))
                    }
                }
            }
        }

        func stageLabel(_ stage: Stage) -> String {
            var parts = [stage.name, "\(stage.effectiveProbability)%"]
            if let outcome = stage.outcome { parts.append(outcome.value.rawValue) }
            return parts.joined(separator: " · ")
        }
    }

    // MARK: - Mermaid

    private static func mermaid(_ graph: Graph) -> String {
        var ids: [String: String] = [:]
        for (index, stage) in graph.stages.enumerated() { ids[stage.name] = "s\(index + 1)" }
        var lines: [String] = []
        if let title = graph.title { lines += ["---", "title: \(yamlString(title))", "---"] }
        lines += ["stateDiagram-v2", "    direction LR"]
        for stage in graph.stages {
            lines.append("    state \"\(mermaidText(graph.stageLabel(stage)))\" as \(ids[stage.name]!)")
        }
        if let initial = graph.initial, let id = ids[initial] { lines.append("    [*] --> \(id)") }
        for edge in graph.edges {
            guard let from = ids[edge.from], let to = ids[edge.to] else { continue }
            lines.append("    \(from) --> \(to) : \(mermaidText(edge.label))")
        }
        for (stage, label) in graph.taskTimers {
            guard let id = ids[stage] else { continue }
            lines.append("    note right of \(id) : \(mermaidText(label))")
        }
        lines.append("    classDef won fill:#dcfce7,stroke:#16a34a,color:#14532d")
        lines.append("    classDef lost fill:#fee2e2,stroke:#dc2626,color:#7f1d1d")
        for stage in graph.stages {
            if let outcome = stage.outcome, let id = ids[stage.name] {
                lines.append("    class \(id) \(outcome.value.rawValue)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A double-quoted YAML string, for Mermaid's front matter (which is YAML, where entity codes are not read).
    static func yamlString(_ text: String) -> String {
        Value.quoted(text.replacingOccurrences(of: "\n", with: " "))
    }

    /// Text safe in a Mermaid label: characters its grammar reads are written as entity codes.
    static func mermaidText(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "#": result += "#35;"
            case ":": result += "#58;"
            case ";": result += "#59;"
            case "\"": result += "#quot;"
            case "<": result += "#lt;"
            case ">": result += "#gt;"
            case "{": result += "#123;"
            case "}": result += "#125;"
            case "\n", "\r": result += " "
            default: result.append(character)
            }
        }
        return result
    }

    // MARK: - DOT

    private static func dot(_ graph: Graph) -> String {
        var lines = ["digraph \(dotString(graph.id)) {"]
        let title = graph.title.map { "\($0) (\(graph.id))" } ?? graph.id
        lines.append("    graph [rankdir=LR, label=\(dotString(title)), labelloc=t, fontname=\"Helvetica\"];")
        lines.append(
            "    node [shape=box, style=\"rounded,filled\", fillcolor=\"#f8fafc\", color=\"#64748b\", fontname=\"Helvetica\"];"
        )
        lines.append("    edge [fontname=\"Helvetica\", fontsize=10, color=\"#475569\"];")
        if let initial = graph.initial {
            // A stage name never holds a space, so this id cannot collide with one.
            lines.append("    \"start node\" [shape=point, width=0.15, label=\"\"];")
            lines.append("    \"start node\" -> \(dotString(initial));")
        }
        for stage in graph.stages {
            var attributes = "label=\(dotString(graph.stageLabel(stage).replacingOccurrences(of: " · ", with: "\n")))"
            switch stage.outcome?.value {
            case .won: attributes += ", fillcolor=\"#dcfce7\", color=\"#16a34a\""
            case .lost: attributes += ", fillcolor=\"#fee2e2\", color=\"#dc2626\""
            case nil: break
            }
            if stage.isInitial { attributes += ", penwidth=2" }
            lines.append("    \(dotString(stage.name)) [\(attributes)];")
        }
        for edge in graph.edges {
            let style = edge.isTimer ? ", style=dashed, color=\"#94a3b8\"" : ""
            lines.append(
                "    \(dotString(edge.from)) -> \(dotString(edge.to)) [label=\(dotString(edge.label))\(style)];"
            )
        }
        for (stage, label) in graph.taskTimers {
            lines.append(
                "    \(dotString(stage)) -> \(dotString(stage)) [label=\(dotString(label)), style=dashed, color=\"#94a3b8\"];"
            )
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A DOT quoted string.
    static func dotString(_ text: String) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": break
            default: result.append(character)
            }
        }
        return result + "\""
    }
}
