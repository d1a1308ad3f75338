import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation

/// A hand-built history of twelve deals in New York (EST, UTC-5) whose KPIs are worked out by hand in
/// the tests' comments. The period under test is February 2026, [2026-02-01, 2026-03-01) local time;
/// "now" is Monday 2026-03-02 10:00 EST (15:00Z). Every step happens at 15:00Z (10:00 EST) unless
/// written otherwise. 2026-02-02 is a Monday.
///
/// | deal | owner | created | amount | close | path |
/// |---|---|---|---|---|---|
/// | D1 | ana | Feb 2 | 1000 USD | Feb 20 | lead, Feb 4 qualified, Feb 9 proposal, Feb 11 negotiation, Feb 16 won |
/// | D2 | ana | Feb 2 | 2000 USD | Feb 25 | lead, Feb 3 proposal (skips qualified), Feb 6 won (skips negotiation) |
/// | D3 | ana | Feb 3 | 500 EUR | Feb 27 | lead, Feb 5 qualified, Feb 10 lost |
/// | D4 | ana | Feb 3 | 800 EUR | Feb 26 | lead, Feb 4 proposal, Feb 9 qualified (back), Feb 12 proposal, Feb 17 negotiation: open |
/// | D5 | ana | Feb 4 | 3000 USD | Feb 26 | lead, Feb 5 qualified, Feb 6 proposal, Feb 9 lost, Feb 13 lead (reopened), Feb 16 proposal, Feb 20 won |
/// | D6 | ana | Feb 5 | 1200 EUR | Feb 18 | lead, Feb 6 qualified, Feb 9 proposal, Feb 10 negotiation, Feb 12 won, Feb 13 onboarding |
/// | D7 | luis | Feb 9 | 400 USD | Feb 28 | lead, untouched since: open |
/// | D8 | luis | Feb 10 | 700 USD | Feb 27 | lead, Feb 11 qualified, Feb 23 proposal, Feb 24 amount set to 750: open |
/// | D9 | luis | Mar 1 04:00Z = Feb 28 23:00 EST | 100 USD | Mar 10 | lead: open |
/// | D10 | luis | Feb 1 04:30Z = Jan 31 23:30 EST | 900 EUR | Feb 10 | lead, Feb 2 proposal, Feb 3 won |
/// | D11 | luis | Feb 11 | 600 USD | Feb 19 | lead, Feb 12 won (skips three steps), Feb 18 lead (reopened), Feb 19 lost |
/// | D12 | luis | Jan 20 | 300 EUR | Jan 30 | lead, Jan 22 proposal, Feb 2 lost |
///
/// Entering negotiation creates two tasks for the owner: "Send the contract" due in 2 days and "Check
/// in" due in 30 days; leaving the stage cancels them. A scheduler runs once, on Feb 19 at 18:00Z, and
/// reminds D4's contract task (due Feb 19 15:00Z) three hours late.
struct PipelineFixture {
    static let workflowYAML = """
        workflow: kpi
        title: KPI fixture
        timezone: America/New_York
        calendar:
          workdays: [mon, tue, wed, thu, fri]
          hours: "09:00-17:00"
        fields:
          amount: { type: decimal, min: 0 }
          currency: { type: enum, values: [USD, EUR], default: USD }
          close_date: { type: date }
        deal:
          amount: amount
          currency: currency
          close_date: close_date
        stages:
          lead:
            initial: true
            probability: 10
            forecast: pipeline
            rot_after: 5 days
          qualified:
            probability: 30
            forecast: pipeline
          proposal:
            probability: 60
            forecast: best_case
            rot_after: 3 days
          negotiation:
            probability: 80
            forecast: commit
            on_enter:
              - task: { title: "Send the contract", due: 2 days, assignee: owner }
              - task: { title: "Check in", due: 30 days, assignee: owner }
          won:
            outcome: won
          lost:
            outcome: lost
          onboarding:
            probability: 100
            forecast: closed
        transitions:
          to_lead: { from: [qualified, proposal, negotiation, won, lost], to: lead }
          to_qualified: { from: [lead, proposal, negotiation], to: qualified }
          to_proposal: { from: [lead, qualified, negotiation], to: proposal }
          to_negotiation: { from: [lead, qualified, proposal], to: negotiation }
          to_won: { from: [lead, qualified, proposal, negotiation], to: won }
          to_lost: { from: [lead, qualified, proposal, negotiation], to: lost }
          to_onboarding: { from: won, to: onboarding }
        """

    static let now = instant("2026-03-02T15:00:00Z")

    let store: SQLiteStore
    let workflow: ValidatedWorkflow

    /// A deal's story: who, when, what, and its steps.
    private struct Story {
        var id: String
        var owner: String
        var created: String
        var amount: String
        var currency: String
        var close: String?
        var steps: [(String, String)]
    }

    private static let stories: [Story] = [
        Story(
            id: "D1",
            owner: "ana",
            created: "02-02",
            amount: "1000",
            currency: "USD",
            close: "2026-02-20",
            steps: [("02-04", "qualified"), ("02-09", "proposal"), ("02-11", "negotiation"), ("02-16", "won")]
        ),
        Story(
            id: "D2",
            owner: "ana",
            created: "02-02",
            amount: "2000",
            currency: "USD",
            close: "2026-02-25",
            steps: [("02-03", "proposal"), ("02-06", "won")]
        ),
        Story(
            id: "D3",
            owner: "ana",
            created: "02-03",
            amount: "500",
            currency: "EUR",
            close: "2026-02-27",
            steps: [("02-05", "qualified"), ("02-10", "lost")]
        ),
        Story(
            id: "D4",
            owner: "ana",
            created: "02-03",
            amount: "800",
            currency: "EUR",
            close: "2026-02-26",
            steps: [("02-04", "proposal"), ("02-09", "qualified"), ("02-12", "proposal"), ("02-17", "negotiation")]
        ),
        Story(
            id: "D5",
            owner: "ana",
            created: "02-04",
            amount: "3000",
            currency: "USD",
            close: "2026-02-26",
            steps: [
                ("02-05", "qualified"), ("02-06", "proposal"), ("02-09", "lost"), ("02-13", "lead"),
                ("02-16", "proposal"),
                ("02-20", "won"),
            ]
        ),
        Story(
            id: "D6",
            owner: "ana",
            created: "02-05",
            amount: "1200",
            currency: "EUR",
            close: "2026-02-18",
            steps: [
                ("02-06", "qualified"), ("02-09", "proposal"), ("02-10", "negotiation"), ("02-12", "won"),
                ("02-13", "onboarding"),
            ]
        ),
        Story(
            id: "D7",
            owner: "luis",
            created: "02-09",
            amount: "400",
            currency: "USD",
            close: "2026-02-28",
            steps: []
        ),
        Story(
            id: "D8",
            owner: "luis",
            created: "02-10",
            amount: "700",
            currency: "USD",
            close: "2026-02-27",
            steps: [("02-11", "qualified"), ("02-23", "proposal"), ("02-24", "amount=750")]
        ),
        Story(
            id: "D9",
            owner: "luis",
            created: "2026-03-01T04:00:00Z",
            amount: "100",
            currency: "USD",
            close: "2026-03-10",
            steps: []
        ),
        Story(
            id: "D10",
            owner: "luis",
            created: "2026-02-01T04:30:00Z",
            amount: "900",
            currency: "EUR",
            close: "2026-02-10",
            steps: [("02-02", "proposal"), ("02-03", "won")]
        ),
        Story(
            id: "D11",
            owner: "luis",
            created: "02-11",
            amount: "600",
            currency: "USD",
            close: "2026-02-19",
            steps: [("02-12", "won"), ("02-18", "lead"), ("02-19", "lost")]
        ),
        Story(
            id: "D12",
            owner: "luis",
            created: "01-20",
            amount: "300",
            currency: "EUR",
            close: "2026-01-30",
            steps: [("01-22", "proposal"), ("02-02", "lost")]
        ),
    ]

    /// `MM-DD` at 15:00Z in 2026, or a full instant.
    private static func time(_ text: String) -> Date {
        text.count == 5 ? instant("2026-\(text)T15:00:00Z") : instant(text)
    }

    /// Builds the history through the engine and the scheduler, as reps and the daemon would.
    static func make() async throws -> PipelineFixture {
        let store = try SQLiteStore()
        let clock = ManualClock(time("01-01"))
        let engine = Engine(store: store, clock: clock, identifiers: SequentialIdentifiers())
        let workflow = try await engine.applyWorkflow(source: workflowYAML, file: "kpi.yaml").workflow
        for story in stories {
            let actor = Actor(id: story.owner)
            clock.set(time(story.created))
            var input = [
                FieldInput(field: "amount", .text(story.amount)), FieldInput(field: "currency", .text(story.currency)),
            ]
            if let close = story.close { input.append(FieldInput(field: "close_date", .text(close))) }
            _ = try await engine.create(workflowID: "kpi", id: story.id, owner: story.owner, input: input, actor: actor)
            for (day, step) in story.steps {
                clock.set(time(day))
                if step.contains("=") {
                    let parts = step.split(separator: "=").map(String.init)
                    _ = try await engine.update(
                        dealID: story.id,
                        input: [FieldInput(field: parts[0], .text(parts[1]))],
                        actor: actor
                    )
                } else {
                    _ = try await engine.fire(dealID: story.id, transition: "to_\(step)", actor: actor)
                }
            }
        }
        // Another workflow's deals, whose ids sort among these: every report leaves them out.
        let other = workflowYAML.replacingOccurrences(of: "workflow: kpi", with: "workflow: other")
        _ = try await engine.applyWorkflow(source: other, file: "other.yaml")
        for id in ["D1a", "D10a", "D5a", "D9z"] {
            clock.set(time("02-10"))
            _ = try await engine.create(workflowID: "other", id: id, owner: "ana", input: [], actor: Actor(id: "ana"))
            clock.set(time("02-11"))
            _ = try await engine.fire(dealID: id, transition: "to_won", actor: Actor(id: "ana"))
        }
        clock.set(instant("2026-02-19T18:00:00Z"))
        let scheduler = Scheduler(store: store, clock: clock, identifiers: SequentialIdentifiers(namespace: "s"))
        _ = try await scheduler.fireDue()
        return PipelineFixture(store: store, workflow: workflow)
    }

    /// February 2026 in New York, seen from `now`.
    func context(from: String? = "2026-02-01", to: String? = "2026-03-01") -> ReportContext {
        ReportContext(
            workflow: workflow,
            period: ReportPeriod(
                from: from.flatMap { LocalDate(iso: $0) },
                to: to.flatMap { LocalDate(iso: $0) },
                calendar: workflow.definition.zonedCalendar
            ),
            now: PipelineFixture.now
        )
    }

    func report(_ kind: ReportKind, owner: String? = nil) async throws -> any PipelineReport {
        try await PipelineAnalytics.report(kind, context: context(), owner: owner, source: store)
    }
}

func instant(_ text: String) -> Date { DateTimeFormat.parse(text)! }
