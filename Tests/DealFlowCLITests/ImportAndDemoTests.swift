import DealFlowEngine
import DealFlowSQLite
import Foundation
import Testing

@Suite("dealflow import and demo")
struct ImportAndDemoTests {
    static let header = "workflow,id,owner,stage_path,company,contact_email,amount,currency,close_date,lost_reason\n"

    @Test func aFileWithBadRowsLoadsNothingAndNamesEachRow() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.run("workflow", "apply", "workflows/b2b-sales.yaml")
        let file = try sandbox.write(
            "deals.csv",
            Self.header + """
                b2b-sales,ok-1,ana,,Acme,,,,,
                b2b-sales,bad-date,ana,,Acme,,,USD,2026-02-30,
                b2b-sales,bad-stage,ana,prospecting@2026-10-01T10:00Z;qualifcation@2026-10-05T10:00Z,Acme,a@acme.co,,,,
                nope,bad-workflow,ana,,Acme,,,,,
                b2b-sales,ok-1,luis,,Again,,,,,
                b2b-sales,no-company,ana,,,,,,,
                b2b-sales,late-start,ana,qualification@2026-10-01T10:00Z,Acme,a@acme.co,,,,
                b2b-sales,leap,ana,prospecting@2026-10-01T10:00Z;negotiation@2026-10-02T10:00Z,Acme,,5000,USD,2027-01-31,
                b2b-sales,ok-2,luis,prospecting@2026-10-01T10:00Z;lost@2026-10-20T10:00Z,Beta,,,,,price
                b2b-sales,bad-path,ana,prospecting at noon,Acme,,,,,

                """
        )
        let refused = try sandbox.run("import", file)
        #expect(refused.status == 1)
        #expect(
            refused.errors == """
                \(file): row 2: close_date: '2026-02-30' is not a date: February 2026 has 28 days, not 30
                \(file): row 3: stage_path names 'qualifcation', which is not a stage of 'b2b-sales' (did you mean 'qualification'?)
                \(file): row 4: no workflow 'nope' is applied; apply it with: dealflow workflow apply FILE
                \(file): row 5: the deal id 'ok-1' is already used by an earlier row
                \(file): row 6: 'company' is required to create a deal in 'b2b-sales'; give it with --set company=...
                \(file): row 7: stage_path starts in 'qualification', but deals of 'b2b-sales' start in 'prospecting'
                \(file): row 8: stage_path goes from 'prospecting' to 'negotiation', but no transition leads there
                \(file): row 10: stage_path: 'prospecting at noon' is not stage@time; write for example prospecting@2026-01-05T10:00Z;qualification@2026-01-09T15:30Z
                error: nothing was imported: 8 rows have errors; fix them, or import the others with --skip-bad-rows

                """
        )
        #expect(try sandbox.run("deal", "list").output == "no deal matches\n")
        let skipping = try sandbox.run("import", file, "--skip-bad-rows")
        #expect(skipping.status == 0)
        #expect(skipping.output == "imported 2 deals from \(file) (8 rows skipped)\n")
        let lost = try sandbox.run("deal", "show", "ok-2", "--json")
        #expect(lost.output.contains("\"stage\": \"lost\"") && lost.output.contains("\"outcome\": \"lost\""))
        #expect(lost.output.contains("\"closed_on\": \"2026-10-20\""))
        #expect(lost.output.contains("\"entered_stage_at\": \"2026-10-20T10:00:00Z\""))
        let history = try sandbox.run("deal", "history", "ok-2")
        #expect(
            history.output.contains(
                "transitioned  ana (rep)  lose: prospecting → lost\n    closed_on: - → 2026-10-20\n    note: imported\n"
            )
        )
    }

    @Test func jsonLinesKeepDecimalsExactAndReplayTheStagePath() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.run("workflow", "apply", "workflows/b2b-sales.yaml")
        let file = try sandbox.write(
            "deals.jsonl",
            """
            {"workflow": "b2b-sales", "id": "j1", "owner": "ana", "fields": {"company": "Acme", "amount": 8500.50, "decision_maker": true, "contact_email": "a@acme.co", "close_date": "2026-11-30"}, "stage_path": [{"stage": "prospecting", "at": "2026-10-01T10:00:00Z"}, {"stage": "qualification", "at": "2026-10-08T10:00:00Z"}, {"stage": "proposal", "at": "2026-10-20"}]}

            {"workflow": "b2b-sales", "id": "j2", "fields": {"company": "Beta", "seats": 12}}
            """
        )
        let result = try sandbox.run("import", file, "--json", environment: ["DEALFLOW_ACTOR": "crm-import"])
        #expect(result.status == 0)
        #expect(result.output == "{\n  \"imported\": 2,\n  \"skipped\": []\n}\n")
        let deal = try sandbox.run("deal", "show", "j1", "--json")
        #expect(deal.output.contains("\"amount\": \"8500.5\""))
        #expect(deal.output.contains("\"version\": 3,"))
        // A date alone is midnight in the workflow's zone (Bogotá, UTC-5).
        #expect(deal.output.contains("\"entered_stage_at\": \"2026-10-20T05:00:00Z\""))
        // Only the final stage's timers exist; the follow-up task timer three business days after entry is late.
        #expect(deal.output.contains("\"title\": \"Follow up on the proposal to Acme\""))
        #expect(deal.output.contains("\"late\": true"))
        #expect(!deal.output.contains("First contact"))
        #expect(try sandbox.run("deal", "show", "j2", "--json").output.contains("\"owner\": \"crm-import\""))
        let bad = try sandbox.write("bad.jsonl", "{\"workflow\": \"b2b-sales\", \"fields\": {\"company\": }}\n[1]\n")
        let refused = try sandbox.run("import", bad)
        #expect(refused.status == 1)
        #expect(
            refused.errors.hasPrefix(
                "\(bad): row 1: not JSON: unexpected character '}' at character 49\n\(bad): row 2: a line must be a JSON object with a \"workflow\"\n"
            )
        )
    }

    @Test func theSeedsImportWhole() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.run(
            "workflow",
            "apply",
            "workflows/b2b-sales.yaml",
            "workflows/customer-lifecycle.yaml",
            "workflows/service-requests.yaml"
        )
        for (file, count) in [
            ("seeds/b2b-sales.csv", 240), ("seeds/customer-lifecycle.csv", 64), ("seeds/service-requests.csv", 90),
        ] {
            let result = try sandbox.run("import", file, now: "2026-11-02T13:00:00Z")
            #expect(result.output == "imported \(count) deals from \(file)\n", "\(result.errors)")
        }
    }

    @Test func theDemoIsReproducibleAndKeepsRealDatabasesSafe() throws {
        let sandbox = try Sandbox()
        let first = try sandbox.run("demo", "--days", "4", "--seed", "3", "--json")
        #expect(first.status == 0, "\(first.errors)")
        let second = try sandbox.run("demo", "--days", "4", "--seed", "3", "--json")
        #expect(second.output == first.output)
        #expect(first.output.contains("\"workflow\": \"b2b-sales\""))
        let text = try sandbox.run("demo", "--days", "2")
        #expect(text.output.hasPrefix("DealFlow demo: "))
        #expect(
            text.output.contains(
                "\nb2b-sales: B2B opportunity pipeline\n  STAGE            DEALS  AMOUNT\n  prospecting"
            )
        )
        #expect(text.output.contains("\nactivity: "))
        // A database with real deals is never replaced.
        let real = try Sandbox()
        _ = try real.run("workflow", "apply", "workflows/b2b-sales.yaml")
        _ = try real.run("deal", "create", "--workflow", "b2b-sales", "--set", "company=Real")
        let refused = try real.run("demo")
        #expect(refused.status == 1)
        #expect(
            refused.errors
                == "error: '\(real.database)' already holds deals or workflows that are not a demo's; give the demo its own file with --db\n"
        )
        // Nor one that holds only workflows.
        let workflowsOnly = try Sandbox()
        _ = try workflowsOnly.run("workflow", "apply", "workflows/b2b-sales.yaml")
        #expect(try workflowsOnly.run("demo").status == 1)
        #expect(try workflowsOnly.run("workflow", "list", "--json").output.contains("\"b2b-sales\""))
    }
}
