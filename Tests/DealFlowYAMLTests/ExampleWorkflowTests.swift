import DealFlowCore
import DealFlowYAML
import Foundation
import Testing

/// The example workflows under `workflows/` are part of the product: each must load with no
/// diagnostic at all, and together they must use every key of the format.
@Suite("Example workflows")
struct ExampleWorkflowTests {
    static let files = [
        "workflows/b2b-sales.yaml", "workflows/customer-lifecycle.yaml", "workflows/service-requests.yaml",
    ]

    static func loaded(_ file: String) throws -> LoadedWorkflow {
        try WorkflowLoader.load(path: Repository.path(file))
    }

    @Test(arguments: files)
    func validatesWithoutWarnings(_ file: String) throws {
        let loaded = try Self.loaded(file)
        #expect(
            loaded.diagnostics.isEmpty,
            "\(DiagnosticRenderer(sources: [loaded.file: loaded.source]).render(loaded.diagnostics))"
        )
        #expect(loaded.validated != nil)
    }

    @Test func everyWorkflowFileIsAnExample() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.path("workflows")).filter {
            $0.hasSuffix(".yaml")
        }
        #expect(Set(files.map { "workflows/\($0)" }) == Set(Self.files))
    }

    @Test func usesEveryKeyOfTheFormat() throws {
        let text = try Self.files.map { try Repository.read($0) }.joined(separator: "\n")
        let keys =
            WorkflowDecoder.allKeys.map { "\($0):" } + FieldType.names.map { "type: \($0)" }
            + ForecastCategory.allCases.map { "forecast: \($0.rawValue)" }
            + TaskKind.allCases.map { "kind: \($0.rawValue)" }
            + ["from: \"*\"", "from: [", "business days", "business hours", " at 0", "minutes"]
        for key in keys {
            #expect(text.contains(key), "no example workflow uses \(key)")
        }
    }

    @Test func b2bSalesReadsAsWritten() throws {
        let workflow = try #require(try Self.loaded("workflows/b2b-sales.yaml").validated)
        #expect(workflow.initialStage == "prospecting")
        #expect(workflow.definition.timeZone.value.identifier == "America/Bogota")
        #expect(workflow.definition.calendar.opening.description == "08:00")
        #expect(
            workflow.dealFields == ResolvedDealFields(amount: "amount", currency: "currency", closeDate: "close_date")
        )
        let prospecting = try #require(workflow.stage(named: "prospecting"))
        #expect(prospecting.rotAfter?.value == CalendarDuration(7, .businessDays))
        guard case .task(let firstContact) = try #require(prospecting.onEnter.first) else {
            Issue.record("prospecting does not start with a task")
            return
        }
        #expect(firstContact.due?.value == CalendarDuration(1, .businessDays, at: LocalTime(hour: 9, minute: 0)))
        #expect(firstContact.escalation?.to.value == "manager")
        #expect(firstContact.compiledTitle?.placeholders.map(\.name) == ["company"])
        let lose = try #require(workflow.transition(named: "lose"))
        #expect(lose.requires.map(\.value) == ["lost_reason"])
        #expect(workflow.transitions(leaving: "stale").map(\.name) == ["lose", "revive", "close_stale"])
        #expect(workflow.stage(named: "won")?.effectiveForecast == .closed)
    }

    @Test func customerLifecycleIsALoop() throws {
        let workflow = try #require(try Self.loaded("workflows/customer-lifecycle.yaml").validated)
        let churn = try #require(workflow.transition(named: "churn"))
        #expect(
            workflow.definition.stages.filter { churn.leaves($0.name) }.map(\.name) == [
                "acquisition", "active", "at_risk", "expansion", "renewal",
            ]
        )
        #expect(workflow.transition(named: "win_back")?.to.value == "acquisition")
        #expect(workflow.dealFields.amount == "mrr")
    }
}
