import Benchmark
import DealFlowCore
import DealFlowYAML
import Foundation

/// The workflow language: validating a large generated workflow, and evaluating a guard.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal],
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 100
    )

    // A workflow of 500 stages and 2,000 transitions, each with a guard and an action, parsed,
    // decoded, type-checked and validated from its YAML text on every iteration.
    let large = GeneratedWorkflow.yaml(stages: 500, transitionsPerStage: 4)
    Benchmark("validate 500 stages, 2000 transitions", configuration: .init(maxIterations: 20)) { benchmark in
        for _ in benchmark.scaledIterations {
            let loaded = WorkflowLoader.load(source: large, file: "generated.yaml")
            precondition(loaded.validated != nil, "the generated workflow must be valid")
            blackHole(loaded)
        }
    }

    // A guard of ten terms over fields, deal facts and functions, evaluated a million times per
    // iteration; the throughput metric is then in millions of evaluations per second.
    let (guardExpression, environment) = GeneratedWorkflow.tenTermGuard()
    Benchmark(
        "evaluate a 10-term guard",
        configuration: .init(scalingFactor: .mega, maxDuration: .seconds(20), maxIterations: 5)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try guardExpression.evaluate(in: environment))
        }
    }
}

enum GeneratedWorkflow {
    static func yaml(stages: Int, transitionsPerStage: Int) -> String {
        var text = """
            workflow: generated
            timezone: Europe/Madrid
            roles: [rep, manager]
            fields:
              company: { type: string, required: true }
              amount: { type: decimal, min: 0 }
              seats: { type: int }
              currency: { type: enum, values: [USD, EUR, COP], default: USD }
              close_date: { type: date }
              lost_reason: { type: enum, values: [price, competitor, other] }
              decision_maker: { type: bool, default: false }
            stages:

            """
        for index in 0..<stages {
            text += "  s\(index):\n"
            if index == 0 { text += "    initial: true\n" }
            text += "    probability: \(index * 100 / stages)\n"
            text += "    rot_after: \(index % 9 + 1) business days\n"
            text +=
                "    on_enter:\n      - task: { title: \"Step \(index) with {{company}}\", due: 1 business day at 09:00 }\n"
            text += "    timers:\n      - after: 30 days\n        fire: t\(index)_0\n"
        }
        text += "  won: { outcome: won }\n  lost: { outcome: lost }\ntransitions:\n"
        for index in 0..<stages {
            for branch in 0..<transitionsPerStage {
                let target =
                    branch == transitionsPerStage - 1
                    ? "lost" : index + branch + 1 < stages ? "s\(index + branch + 1)" : "won"
                text += """
                      t\(index)_\(branch):
                        from: s\(index)
                        to: \(target)
                        roles: [rep, manager]
                        guard:
                          - expr: amount > \(branch * 1000) and currency in ["USD", "EUR"] or decision_maker
                            message: Step \(index) needs a bigger deal.
                          - close_date == null or close_date >= today + \(branch) days
                        actions:
                          - set: { seats: \(branch + 1) }

                    """
            }
        }
        return text
    }

    static func tenTermGuard() -> (CompiledExpression, EvaluationEnvironment) {
        let loaded = WorkflowLoader.load(source: yaml(stages: 2, transitionsPerStage: 1), file: "g.yaml")
        let workflow = loaded.validated!
        let text = """
            amount > 1000 and seats >= 5 and currency in ["USD", "EUR"] and decision_maker \
            and close_date > today and len(company) > 2 and lost_reason == null \
            and days_in_stage < 30 and amount * 1.1 < 1000000 and actor.role == "rep"
            """
        let checker = TypeChecker(scope: workflow.scope)
        let compiled = checker.checkCondition(
            ExpressionSource(text: text, location: SourceLocation(file: "bench", line: 1, column: 1))
        ).compiled!
        var fields = [Value](repeating: .null, count: workflow.definition.fields.count)
        func set(_ name: String, _ value: Value) { fields[workflow.scope.fields[name]!.index] = value }
        set("company", .string("Acme Andina S.A.S."))
        set("amount", .decimal(ExactDecimal(parsing: "85000.50")!))
        set("seats", .int(12))
        set("currency", .string("USD"))
        set("close_date", .date(LocalDate(iso: "2027-03-31")!))
        set("decision_maker", .bool(true))
        let now = DateTimeFormat.parse("2026-11-23T15:00:00Z")!
        let environment = EvaluationEnvironment(
            fields: fields,
            stage: "s0",
            owner: "ana",
            createdAt: now.addingTimeInterval(-86_400 * 20),
            enteredStageAt: now.addingTimeInterval(-86_400 * 3),
            now: now,
            actorID: "ana",
            actorRole: "rep",
            calendar: workflow.definition.zonedCalendar
        )
        precondition(
            (try? compiled.evaluate(in: environment)) == .bool(true),
            "the guard must hold, so all ten terms run"
        )
        return (compiled, environment)
    }
}
