import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Testing

/// Every KPI on the hand-built history of ``PipelineFixture``; the expected values are worked out in
/// the comments from the table there.
@Suite struct PipelineKPITests {
    static func json(_ kind: ReportKind, owner: String? = nil) async throws -> JSONValue {
        try await PipelineFixture.make().report(kind, owner: owner).json
    }

    @Test func funnel() async throws {
        // Cohort: deals created in February New York time: D1-D9 and D11 (D9 was created at 23:00 on
        // Feb 28 local, already March in UTC; D10 at 23:30 on Jan 31 local, already February in UTC).
        // Furthest step: D1, D2, D5, D6, D11 won (D2 skipped two steps, D11 three, and D11's reopening
        // keeps its credit; D6's onboarding is not a step); D4 negotiation (its backward move costs
        // nothing); D8 proposal; D3 qualified (lost from there); D7 and D9 lead.
        // lead 10; qualified 8 (all but D7, D9); proposal 7 (less D3); negotiation 6 (less D8); won 5.
        // Still open: D7, D9 in lead, D8 in proposal, D4 in negotiation.
        let json = try await Self.json(.funnel)
        #expect(
            json.rendered(compact: true)
                == #"{"workflow":"kpi","from":"2026-02-01","to":"2026-03-01","cohort":10,"steps":["#
                + #"{"stage":"lead","reached":10,"of":10,"conversion":1},"#
                + #"{"stage":"qualified","reached":8,"of":10,"conversion":0.8},"#
                + #"{"stage":"proposal","reached":7,"of":8,"conversion":0.875},"#
                + #"{"stage":"negotiation","reached":6,"of":7,"conversion":0.8571428571428571},"#
                + #"{"stage":"won","reached":5,"of":6,"conversion":0.8333333333333334}],"#
                + #""open":[{"stage":"lead","deals":2},{"stage":"proposal","deals":1},{"stage":"negotiation","deals":1}]}"#
        )
    }

    @Test func funnelOfOneOwner() async throws {
        // luis's cohort: D7, D8, D9, D11. Furthest: D7 lead, D8 proposal, D9 lead, D11 won.
        let json = try await Self.json(.funnel, owner: "luis")
        #expect(json["cohort"] == .int(4))
        #expect(
            json["steps"]?.rendered(compact: true)
                == #"[{"stage":"lead","reached":4,"of":4,"conversion":1},"#
                + #"{"stage":"qualified","reached":2,"of":4,"conversion":0.5},"#
                + #"{"stage":"proposal","reached":2,"of":2,"conversion":1},"#
                + #"{"stage":"negotiation","reached":1,"of":2,"conversion":0.5},"#
                + #"{"stage":"won","reached":1,"of":1,"conversion":1}]"#
        )
    }

    @Test func conversion() async throws {
        // lead, first entry in February: the cohort's ten. Later entered a later step: all but D7, D9
        // (8). Directly to qualified: D1, D3, D5, D6, D8 (5; D2 and D4 went to proposal, D11 to won).
        // qualified: D1, D3, D4, D5, D6, D8 (6). Advanced: all but D3 (lost) = 5, all directly.
        // proposal: D1, D2, D4 (first entry Feb 4), D5 (Feb 6), D6, D8, D10 (7). Advanced: all but D8
        // = 6 (D4 through its second visit, D5 after its reopening). Directly to negotiation: D1, D6.
        // negotiation: D1, D4, D6. Won later: D1, D6, both directly.
        let json = try await Self.json(.conversion)
        #expect(
            json["steps"]?.rendered(compact: true)
                == #"[{"stage":"lead","next":"qualified","entered":10,"advanced":8,"rate":0.8,"direct":5,"direct_rate":0.5},"#
                + #"{"stage":"qualified","next":"proposal","entered":6,"advanced":5,"rate":0.8333333333333334,"direct":5,"direct_rate":0.8333333333333334},"#
                + #"{"stage":"proposal","next":"negotiation","entered":7,"advanced":6,"rate":0.8571428571428571,"direct":2,"direct_rate":0.2857142857142857},"#
                + #"{"stage":"negotiation","next":"won","entered":3,"advanced":2,"rate":0.6666666666666666,"direct":2,"direct_rate":0.6666666666666666}]"#
        )
    }

    @Test func winRate() async throws {
        // Closed in February, by latest outcome in the period: won D1, D2, D5 (lost Feb 9, won Feb 20),
        // D6 (onboarding keeps the win), D10; lost D3, D11 (won Feb 12, lost Feb 19), D12 (created in
        // January). 5 / 8. Open deals do not count.
        // USD: won 1000 + 2000 + 3000 = 6000, lost 600: 6000 / 6600. EUR: won 1200 + 900 = 2100, lost
        // 500 + 300 = 800: 2100 / 2900. Amounts are never added across currencies.
        let json = try await Self.json(.winrate)
        #expect(
            json.rendered(compact: true)
                == #"{"workflow":"kpi","from":"2026-02-01","to":"2026-03-01","won":5,"lost":3,"closed":8,"rate":0.625,"#
                + #""by_currency":[{"currency":"EUR","won_amount":2100,"lost_amount":800,"amount_rate":0.72413793103448275862},"#
                + #"{"currency":"USD","won_amount":6000,"lost_amount":600,"amount_rate":0.90909090909090909091}]}"#
        )
    }

    @Test func cycle() async throws {
        // Won, creation to first win: D1 14, D2 4, D5 16, D6 7, D10 from Feb 1 04:30Z to Feb 3 15:00Z =
        // 2 days 10.5 hours = 2.4375. Sorted 2.4375, 4, 7, 14, 16: median 7, mean 43.4375 / 5 = 8.6875.
        // Closed adds the lost, creation to first loss: D3 7, D11 8, D12 13. Sorted 2.4375, 4, 7, 7, 8,
        // 13, 14, 16: median 7.5, mean 71.4375 / 8 = 8.9296875.
        let json = try await Self.json(.cycle)
        #expect(
            json["won"]?.rendered(compact: true)
                == #"{"deals":5,"total_days":43.4375,"median_days":7,"mean_days":8.6875}"#
        )
        #expect(
            json["closed"]?.rendered(compact: true)
                == #"{"deals":8,"total_days":71.4375,"median_days":7.5,"mean_days":8.9296875}"#
        )
    }

    @Test func timeInStage() async throws {
        let json = try await Self.json(.stages)
        guard case .array(let stages)? = json["stages"] else {
            Issue.record("no stages in \(json.rendered())")
            return
        }
        let byName = Dictionary(uniqueKeysWithValues: stages.map { ($0["stage"]?.text ?? "", $0) })
        // Outcome stages are not measured.
        #expect(stages.map { $0["stage"]?.text } == ["lead", "qualified", "proposal", "negotiation", "onboarding"])
        // negotiation: D6 Feb 10 to 12 (2 days; working days Wed 11, Thu 12 = 2), D1 Feb 11 to 16 (5;
        // Thu, Fri, Mon = 3), D4 Feb 17 to now, Mar 2 15:00Z (13, open; Feb 18-20, 23-27, Mar 2 = 9).
        // Median 5, p90 (nearest rank 3 of 3) 13, mean 20 / 3; business days median 3, p90 9, mean 14 / 3.
        #expect(byName["negotiation"]?["open"] == .int(1))
        #expect(
            byName["negotiation"]?["latest_visit"]?.rendered(compact: true)
                == #"{"total_days":20,"median_days":5,"p90_days":13,"mean_days":6.666666666666667,"#
                + #""total_business_days":14,"median_business_days":3,"p90_business_days":9,"mean_business_days":4.666666666666667}"#
        )
        // proposal, latest visit begun in February: D10 1, D6 1, D1 2, D2 3, D5 4 (Feb 16-20; its first
        // visit Feb 6-9 was 3), D4 5 (Feb 12-17; its first Feb 4-9 was 5), D8 7 (Feb 23 to now, open).
        // Sorted 1, 1, 2, 3, 4, 5, 7: median 3, p90 (rank 7) 7, mean 23 / 7.
        // Cumulative: D5 7, D4 10: 1, 1, 2, 3, 7, 7, 10: median 3, p90 10, mean 31 / 7.
        let proposal = try #require(byName["proposal"])
        #expect(proposal["deals"] == .int(7))
        #expect(proposal["latest_visit"]?["median_days"] == .int(3))
        #expect(proposal["latest_visit"]?["p90_days"] == .int(7))
        #expect(proposal["latest_visit"]?["mean_days"] == .number("\(23.0 / 7)"))
        #expect(proposal["cumulative"]?["p90_days"] == .int(10))
        #expect(proposal["cumulative"]?["mean_days"] == .number("\(31.0 / 7)"))
        // qualified: D5 1, D4 3, D6 3, D1 5, D3 5, D8 12: median 4, p90 (rank 6) 12, mean 29 / 6.
        #expect(byName["qualified"]?["latest_visit"]?["median_days"] == .int(4))
        #expect(byName["qualified"]?["latest_visit"]?["p90_days"] == .int(12))
        // onboarding: D6 since Feb 13, open: 17 days.
        #expect(byName["onboarding"]?["latest_visit"]?["median_days"] == .int(17))
        #expect(byName["onboarding"]?["open"] == .int(1))
    }

    @Test func velocity() async throws {
        // USD: open now D7, D8, D9 (3); closed in February won D1, D2, D5, lost D11: win rate 3 / 4;
        // average won 6000 / 3 = 2000; average cycle (14 + 4 + 16) / 3 = 34 / 3 days.
        // Per day: 3 × 0.75 × 2000 / (34 / 3) = 13500 / 34.
        // EUR: open D4 (1); won D6, D10, lost D3, D12: 1 / 2; average won 2100 / 2 = 1050; average cycle
        // (7 + 2.4375) / 2 = 4.71875. Per day: 1 × 0.5 × 1050 / 4.71875.
        let json = try await Self.json(.velocity)
        guard case .array(let currencies)? = json["by_currency"], currencies.count == 2 else {
            Issue.record("expected two currencies in \(json.rendered())")
            return
        }
        #expect(
            currencies[1].rendered(compact: true)
                == #"{"currency":"USD","open_deals":3,"won":3,"lost":1,"win_rate":0.75,"won_amount":6000,"#
                + #""average_won_amount":2000,"cycle_days_total":34,"average_cycle_days":\#(34.0 / 3),"#
                + #""per_day":\#(3 * 0.75 * 2000 / (34.0 / 3))}"#
        )
        #expect(currencies[0]["open_deals"] == .int(1))
        #expect(currencies[0]["win_rate"] == .number("0.5"))
        #expect(currencies[0]["average_won_amount"] == .int(1050))
        #expect(currencies[0]["average_cycle_days"] == .number("4.71875"))
        #expect(currencies[0]["per_day"] == .number("\(1 * 0.5 * 1050 / 4.71875)"))
    }

    @Test func forecast() async throws {
        // Close date in February: D1, D2, D5 (won, USD 6000), D6 (onboarding after a win) and D10
        // (won, EUR 2100): closed. D4 negotiation (commit, EUR 800 × 80% = 640), D8 proposal (best
        // case, USD 750 after its update, × 60% = 450), D7 lead (pipeline, USD 400 × 10% = 40). D3 and
        // D11 are lost: nowhere. D9 closes in March, D12 in January.
        // Roll-up: USD closed 6000, commit 6000, best case 6750 (6450 weighted), pipeline 7150 (6490);
        // EUR closed 2100, commit 2900 (2740 weighted), best case and pipeline the same.
        let json = try await Self.json(.forecast)
        #expect(
            json["categories"]?.rendered(compact: true)
                == "["
                + #"{"category":"closed","deals":5,"cumulative_deals":5,"by_currency":["#
                + #"{"currency":"EUR","deals":2,"amount":2100,"weighted":2100,"cumulative_amount":2100,"cumulative_weighted":2100},"#
                + #"{"currency":"USD","deals":3,"amount":6000,"weighted":6000,"cumulative_amount":6000,"cumulative_weighted":6000}]},"#
                + #"{"category":"commit","deals":1,"cumulative_deals":6,"by_currency":["#
                + #"{"currency":"EUR","deals":1,"amount":800,"weighted":640,"cumulative_amount":2900,"cumulative_weighted":2740},"#
                + #"{"currency":"USD","deals":0,"amount":0,"weighted":0,"cumulative_amount":6000,"cumulative_weighted":6000}]},"#
                + #"{"category":"best_case","deals":1,"cumulative_deals":7,"by_currency":["#
                + #"{"currency":"EUR","deals":0,"amount":0,"weighted":0,"cumulative_amount":2900,"cumulative_weighted":2740},"#
                + #"{"currency":"USD","deals":1,"amount":750,"weighted":450,"cumulative_amount":6750,"cumulative_weighted":6450}]},"#
                + #"{"category":"pipeline","deals":1,"cumulative_deals":8,"by_currency":["#
                + #"{"currency":"EUR","deals":0,"amount":0,"weighted":0,"cumulative_amount":2900,"cumulative_weighted":2740},"#
                + #"{"currency":"USD","deals":1,"amount":400,"weighted":40,"cumulative_amount":7150,"cumulative_weighted":6490}]}"#
                + "]"
        )
    }

    @Test func stale() async throws {
        // Open deals in a stage with rot_after, idle past it at Mar 2 15:00Z: D7 (lead, 5 days; idle
        // since Feb 9: 21 days) and D8 (proposal, 3 days; its field change on Feb 24 counts as a touch:
        // 6 days, not 7). D9 (lead since Mar 1) is fresh; D4's negotiation has no rot_after.
        let json = try await Self.json(.stale)
        #expect(
            json["deals"]?.rendered(compact: true)
                == #"[{"deal":"D7","owner":"luis","stage":"lead","last_touch":"2026-02-09T15:00:00Z","days_idle":21,"rot_after":"5 days"},"#
                + #"{"deal":"D8","owner":"luis","stage":"proposal","last_touch":"2026-02-24T15:00:00Z","days_idle":6,"rot_after":"3 days"}]"#
        )
    }

    @Test func tasks() async throws {
        // Entering negotiation made two tasks each for D1 and D6 (cancelled when they left) and for D4
        // (open): "Send the contract" due Feb 19 15:00Z, overdue now, reminded at 18:00Z (3 hours
        // late); "Check in" due Mar 19, in the future. ana's open deals: D4 only, and it has a future
        // task. luis: three open deals (D7, D8, D9), no task.
        let json = try await Self.json(.tasks)
        #expect(
            json["assignees"]?.rendered(compact: true)
                == #"[{"assignee":"ana","open":2,"overdue":1,"open_deals":1,"deals_with_future_task":1,"future_task_rate":1,"#
                + #""reminders":1,"median_reminder_lateness_seconds":10800},"#
                + #"{"assignee":"luis","open":0,"overdue":0,"open_deals":3,"deals_with_future_task":0,"future_task_rate":0,"#
                + #""reminders":0,"median_reminder_lateness_seconds":null}]"#
        )
    }

    @Test func tasksOfOneAssignee() async throws {
        // The same line as in the whole report, alone.
        let json = try await Self.json(.tasks, owner: "ana")
        #expect(
            json["assignees"]?.rendered(compact: true)
                == #"[{"assignee":"ana","open":2,"overdue":1,"open_deals":1,"deals_with_future_task":1,"future_task_rate":1,"#
                + #""reminders":1,"median_reminder_lateness_seconds":10800}]"#
        )
    }

    @Test func anOpenPeriodCountsEveryDeal() async throws {
        // Without dates, D10 and D12 join the funnel's cohort (12 deals), and D12's lead and proposal
        // visits in January count.
        let fixture = try await PipelineFixture.make()
        let report = try await PipelineAnalytics.report(
            .funnel,
            context: fixture.context(from: nil, to: nil),
            source: fixture.store
        )
        #expect(report.json["cohort"] == .int(12))
        #expect(report.json["from"] == .null)
    }

    @Test func samplesUseNearestRankAndTheMeanOfTheMiddleTwo() {
        var samples = Samples()
        for value in [4.0, 1, 3, 2] { samples.add(value) }
        #expect(samples.median == 2.5)
        #expect(samples.percentile(90) == 4)
        #expect(samples.percentile(50) == 2)
        #expect(samples.mean == 2.5)
        #expect(Samples().median == nil)
    }
}

/// Without a `deal:` section, the fields called `amount`, `currency` and `close_date` are read.
@Suite struct DefaultDealFieldsTests {
    @Test func theConventionalFieldNamesAreRead() async throws {
        let store = try SQLiteStore()
        let clock = ManualClock(instant("2026-02-02T15:00:00Z"))
        let engine = Engine(store: store, clock: clock)
        let yaml = """
            workflow: plain
            timezone: UTC
            fields:
              amount: { type: decimal }
              currency: { type: enum, values: [USD, EUR] }
              close_date: { type: date }
            stages:
              open: { initial: true, probability: 50 }
              won: { outcome: won }
            transitions:
              win: { from: open, to: won }
            """
        let workflow = try await engine.applyWorkflow(source: yaml, file: "plain.yaml").workflow
        let input = [
            FieldInput(field: "amount", .text("250.10")), FieldInput(field: "currency", .text("EUR")),
            FieldInput(field: "close_date", .text("2026-02-20")),
        ]
        _ = try await engine.create(workflowID: "plain", id: "p1", owner: "ana", input: input, actor: Actor(id: "ana"))
        _ = try await engine.fire(dealID: "p1", transition: "win", actor: Actor(id: "ana"))
        let context = ReportContext(
            workflow: workflow,
            period: ReportPeriod(from: nil, to: nil, calendar: workflow.definition.zonedCalendar),
            now: clock.now()
        )
        let report = try await PipelineAnalytics.report(.winrate, context: context, source: store)
        #expect(
            report.json["by_currency"]?.rendered(compact: true)
                == #"[{"currency":"EUR","won_amount":250.1,"lost_amount":0,"amount_rate":1}]"#
        )
    }
}

/// Deals stay on the workflow version they were created with: a stage the latest file renamed keeps
/// the meaning its version gave it.
@Suite struct EarlierVersionTests {
    @Test func aWinInAStageTheLatestVersionRenamedIsStillAWin() async throws {
        let store = try SQLiteStore()
        let clock = ManualClock(instant("2026-02-02T15:00:00Z"))
        let engine = Engine(store: store, clock: clock)
        func yaml(_ winning: String) -> String {
            """
            workflow: renamed
            timezone: UTC
            fields:
              amount: { type: decimal }
            stages:
              open: { initial: true, probability: 50 }
              \(winning): { outcome: won }
              lost: { outcome: lost }
            transitions:
              win: { from: open, to: \(winning) }
              lose: { from: open, to: lost }
            """
        }
        _ = try await engine.applyWorkflow(source: yaml("signed"), file: "v1.yaml")
        let ana = Actor(id: "ana")
        _ = try await engine.create(workflowID: "renamed", id: "old", owner: "ana", input: [], actor: ana)
        _ = try await engine.fire(dealID: "old", transition: "win", actor: ana)
        let latest = try await engine.applyWorkflow(source: yaml("won"), file: "v2.yaml").workflow
        _ = try await engine.create(workflowID: "renamed", id: "new", owner: "ana", input: [], actor: ana)
        _ = try await engine.fire(dealID: "new", transition: "lose", actor: ana)
        let versions = try await engine.versions(ofWorkflow: "renamed")
        #expect(versions.map(\.version) == [1, 2])
        let context = ReportContext(
            workflow: latest,
            earlierVersions: Array(versions.dropLast()),
            period: ReportPeriod(from: nil, to: nil, calendar: latest.definition.zonedCalendar),
            now: clock.now()
        )
        let report = try await PipelineAnalytics.report(.winrate, context: context, source: store)
        #expect(report.json["won"] == .int(1))
        #expect(report.json["lost"] == .int(1))
        // Without the earlier version, 'signed' would mean nothing and the win would be lost.
        let latestOnly = ReportContext(workflow: latest, period: context.period, now: clock.now())
        let blind = try await PipelineAnalytics.report(.winrate, context: latestOnly, source: store)
        #expect(blind.json["won"] == .int(0))
    }

    /// The forecast and staleness are about the deals as they are now: they read no history, a tenth of
    /// the rows, and give what a scan of the history gives.
    @Test func theForecastAndStalenessReadOnlyTheDeals() async throws {
        let fixture = try await PipelineFixture.make()
        let source = DealsOnlySource(store: fixture.store)
        let context = fixture.context()
        let workflow = context.workflow
        func overHistory(_ report: some TimelineReducer & PipelineReport) async throws -> JSONValue {
            try await fixture.store.scanTimelines(workflow: workflow, owner: nil, into: report).json
        }
        let forecast = try await PipelineAnalytics.report(.forecast, context: context, source: source)
        #expect(forecast.json == (try await overHistory(ForecastReport(context))))
        let stale = try await PipelineAnalytics.report(.stale, context: context, source: source)
        #expect(stale.json == (try await overHistory(StaleReport(context))))
        #expect(stale.json["count"] == .int(2))
    }
}

/// A history source that refuses to scan the history.
private struct DealsOnlySource: PipelineHistorySource {
    struct HistoryRead: Error {}
    let store: SQLiteStore

    func scanTimelines<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    )
        async throws -> Reducer
    { throw HistoryRead() }

    func scanDeals<Reducer: TimelineReducer>(
        workflow: ValidatedWorkflow,
        owner: String?,
        into reducer: Reducer
    )
        async throws -> Reducer
    { try await store.scanDeals(workflow: workflow, owner: owner, into: reducer) }

    func taskFacts(workflowID: String, assignee: String?) async throws -> [TaskFact] {
        try await store.taskFacts(workflowID: workflowID, assignee: assignee)
    }
}
