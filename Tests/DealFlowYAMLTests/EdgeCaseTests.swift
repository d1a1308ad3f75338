import DealFlowCore
import DealFlowYAML
import Foundation
import Testing

/// Inputs at the edges of the format: each once slipped through or produced a misleading message.
@Suite("Edge cases")
struct EdgeCaseTests {
    static let stages = """
        stages:
          open: { initial: true, probability: 10 }
          won: { outcome: won }
          lost: { outcome: lost }

        """

    @Test(arguments: ["from: []", "from:"])
    func aTransitionFromNoStageIsAnError(_ from: String) {
        let (loaded, rendered) = load(
            "workflow: x\n" + Self.stages
                + "transitions:\n  win: { from: open, to: won }\n  lose:\n    \(from)\n    to: lost\n"
        )
        #expect(loaded.validated == nil)
        #expect(rendered.hasPrefix("test.yaml:9:"))
        #expect(
            rendered.contains(
                "error: transition 'lose' starts from no stage: name a stage, a list of stages, or \"*\" [invalid-value]"
            )
        )
    }

    @Test func aLoneStarInAListMeansEveryStage() throws {
        let (loaded, rendered) = load(
            "workflow: x\n" + Self.stages
                + "transitions:\n  win: { from: open, to: won }\n  lose: { from: [\"*\"], to: lost }\n"
        )
        #expect(rendered == "")
        let lose = try #require(loaded.validated?.transition(named: "lose"))
        #expect(lose.leaves("won") && lose.leaves("open") && !lose.leaves("lost"))
    }

    @Test func windowsLineEndingsKeepTheExcerpt() {
        let (_, rendered) = load("workflow: x\r\nstages:\r\n  open: { initial: yes }\r\n")
        #expect(
            rendered == """
                test.yaml:3:20: error: initial must be true or false, not 'yes' (YAML 1.1 would guess a boolean from 'yes'; DealFlow does not) [invalid-value]
                  open: { initial: yes }
                                   ^~~

                """
        )
    }

    @Test func aComplexKeyStopsTheFile() {
        let (loaded, _) = load("workflow: x\n? [a, b]\n: c\n")
        #expect(loaded.diagnostics.map(\.code) == [.yamlSyntax])
        #expect(loaded.diagnostics.first?.message == "a key must be a plain name, not a list")
    }

    @Test func aStageNamedLikeTheStartNodeIsDrawnAsAStage() throws {
        let (loaded, _) = load(
            "workflow: x\nstages:\n  __start: { initial: true, probability: 10 }\n  won: { outcome: won }\n"
                + "transitions:\n  win: { from: __start, to: won }\n"
        )
        let dot = WorkflowDiagram.render(try #require(loaded.validated).definition, format: .dot)
        #expect(dot.contains("\"start node\" -> \"__start\";"))
        #expect(dot.contains("\"__start\" [label=\"__start\\n10%\", penwidth=2];"))
    }

    @Test func aSelfLoopIsNoWayOut() {
        let (loaded, _) = load(
            "workflow: x\nstages:\n  open: { initial: true, probability: 10 }\n  customer: { probability: 100 }\n"
                + "transitions:\n  sign: { from: open, to: customer }\n  renew: { from: customer, to: customer }\n"
        )
        #expect(loaded.diagnostics.map(\.code) == [.deadEndStage])
    }

    @Test func anUnknownFieldIsNotAlsoATimerProblem() {
        let (loaded, _) = load(
            "workflow: x\nstages:\n  open:\n    initial: true\n    probability: 10\n    timers: [{ after: 1 day, fire: lose }]\n"
                + "  lost: { outcome: lost }\ntransitions:\n  lose: { from: open, to: lost, requires: [reason] }\n"
        )
        #expect(loaded.diagnostics.map(\.code) == [.unknownField])
    }

    @Test func boundsAreExplainedInOneSentence() {
        let (_, rendered) = load(
            "workflow: x\nfields:\n  amount: { type: decimal, min: 0, default: -1 }\n" + Self.stages
                + "transitions:\n  win: { from: open, to: won, actions: [{ set: { amount: -5 } }] }\n  lose: { from: open, to: lost }\n"
        )
        #expect(
            rendered.contains("error: the default of 'amount' is -1, below the minimum of 'amount', 0 [invalid-field]")
        )
        #expect(rendered.contains("error: this sets 'amount' to -5, below the minimum of 'amount', 0 [invalid-value]"))
    }

    @Test func setValuesThatAreNotExpressions() {
        let (_, rendered) = load(
            "workflow: x\nfields:\n  reason: { type: enum, values: [no_budget, other] }\n  note: { type: string }\n"
                + Self.stages
                + "transitions:\n  win: { from: open, to: won }\n  lose:\n    from: open\n    to: lost\n    actions:\n"
                + "      - set: { reason: no-budget, note: ~ }\n"
        )
        #expect(
            rendered == """
                test.yaml:15:24: error: 'no-budget' is not a field or a value; to set the text no-budget, quote it: "no-budget" [unquoted-string]
                      - set: { reason: no-budget, note: ~ }
                                       ^~~~~~~~~
                    note: or did you mean the value "no_budget"?
                test.yaml:15:35: error: 'note' has no value; write null to clear it [invalid-value]
                      - set: { reason: no-budget, note: ~ }
                                                  ^~~~

                """
        )
    }

    @Test func aSubtractionOfFieldsIsNotABareWord() {
        let (_, rendered) = load(
            "workflow: x\nfields:\n  amount: { type: decimal }\n  discount: { type: decimal }\n  net: { type: decimal }\n"
                + Self.stages
                + "transitions:\n  win: { from: open, to: won, actions: [{ set: { net: amount-discount } }] }\n"
                + "  lose: { from: open, to: lost }\n"
        )
        #expect(rendered == "")
    }

    @Test func missingTopLevelKeysCauseOneErrorEach() {
        let (noStages, noStagesRendered) = load("workflow: x\nstage:\n  open: { initial: true }\n")
        #expect(noStages.diagnostics.map(\.code) == [.missingKey, .unknownKey])
        #expect(noStagesRendered.contains("unknown key 'stage' in a workflow file (did you mean 'stages'?)"))
        #expect(noStagesRendered.contains("the workflow has no stages; list them under 'stages:'"))
        let (noName, _) = load(
            "stages:\n  open: { initial: true, probability: 1 }\n  won: { outcome: won }\ntransitions:\n  w: { from: open, to: won }\n",
            file: "my file.yaml"
        )
        #expect(noName.diagnostics.map(\.code) == [.missingKey])
    }

    @Test func aDuplicateEnumValueIsShownWhereItIsWritten() {
        let (loaded, rendered) = load(
            "workflow: x\nfields:\n  c: { type: enum, values: [USD, EUR, USD] }\n" + Self.stages
                + "transitions:\n  w: { from: open, to: won }\n  l: { from: open, to: lost }\n"
        )
        #expect(loaded.validated != nil)
        let line = "  c: { type: enum, values: [USD, EUR, USD] }"
        #expect(
            rendered == "test.yaml:3:39: warning: the value 'USD' is listed twice in 'c' [duplicate-entry]\n"
                + line + "\n" + String(repeating: " ", count: 38) + "^~~\n"
                + "test.yaml:3:29: note: first listed here\n"
                + line + "\n" + String(repeating: " ", count: 28) + "^~~\n"
        )
    }

    @Test func aDuplicateHolidayIsAWarning() throws {
        let (loaded, rendered) = load(
            "workflow: x\ncalendar:\n  holidays: [2026-12-25, 2027-01-01, 2026-12-25]\n" + Self.stages
                + "transitions:\n  w: { from: open, to: won }\n  l: { from: open, to: lost }\n"
        )
        #expect(loaded.diagnostics.map(\.code) == [.duplicateEntry])
        #expect(rendered.hasPrefix("test.yaml:3:38: warning: the holiday 2026-12-25 is listed twice [duplicate-entry]"))
        #expect(try #require(loaded.validated).definition.calendar.holidays.count == 2)
    }

    @Test func aMistypedAmountFieldIsPointedOut() {
        let (loaded, rendered) = load(
            "workflow: x\nfields:\n  amount: { type: string }\n" + Self.stages
                + "transitions:\n  w: { from: open, to: won }\n  l: { from: open, to: lost }\n"
        )
        #expect(loaded.validated?.dealFields.amount == nil)
        #expect(
            rendered.hasPrefix(
                "test.yaml:3:3: warning: the field 'amount' is string, so forecasts and reports do not read it as the deal's amount; make it decimal or int, or name another field in deal.amount [invalid-deal-field]"
            )
        )
    }

    @Test func yamlCommentsAndAnchorsInsideExpressionsAreExplained() {
        let (_, comment) = load(
            "workflow: x\nfields:\n  note: { type: string }\n" + Self.stages
                + "transitions:\n  w:\n    from: open\n    to: won\n    guard: note != \"ticket #1\"\n"
        )
        #expect(
            comment.contains(
                "note: YAML reads ' #' and the rest of the line as a comment; quote the whole expression to keep it"
            )
        )
        let (_, anchor) = load("workflow: x\ntransitions:\n  w:\n    guard:\n      - !dm && true\n")
        #expect(
            anchor.contains("note: '&' starts an anchor in YAML; quote an expression that uses '&&', or write 'and'")
        )
    }
}
