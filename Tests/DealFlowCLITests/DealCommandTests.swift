import Foundation
import GRDB
import Testing

/// Scripts depend on these outputs and exit codes: they are compared whole.
@Suite("dealflow deal")
struct DealCommandTests {
    func sandboxWithB2B() throws -> Sandbox {
        let sandbox = try Sandbox()
        let applied = try sandbox.run("workflow", "apply", "workflows/b2b-sales.yaml")
        #expect(applied.status == 0)
        #expect(
            applied.output == "b2b-sales: version 1 applied from workflows/b2b-sales.yaml (10 stages, 14 transitions)\n"
        )
        return sandbox
    }

    @Test func createPrintsTheDealJSON() throws {
        let sandbox = try sandboxWithB2B()
        let result = try sandbox.run(
            "deal",
            "create",
            "--workflow",
            "b2b-sales",
            "--id",
            "acme",
            "--set",
            "company=Acme Andina",
            "--set",
            "amount=85000.50",
            "--set",
            "close_date=2027-02-28",
            "--json"
        )
        #expect(result.status == 0)
        #expect(
            result.output == """
                {
                  "id": "acme",
                  "workflow": "b2b-sales",
                  "workflow_version": 1,
                  "stage": "prospecting",
                  "owner": "ana",
                  "fields": {
                    "company": "Acme Andina",
                    "contact_name": null,
                    "contact_email": null,
                    "segment": "smb",
                    "amount": "85000.5",
                    "currency": "USD",
                    "close_date": "2027-02-28",
                    "seats": null,
                    "discount_pct": "0",
                    "decision_maker": false,
                    "budget_confirmed": false,
                    "notes": null,
                    "last_contact_at": null,
                    "lost_reason": null,
                    "closed_on": null,
                    "contract_start": null,
                    "contract_end": null
                  },
                  "version": 1,
                  "created_at": "2026-11-23T14:00:00Z",
                  "updated_at": "2026-11-23T14:00:00Z",
                  "entered_stage_at": "2026-11-23T14:00:00Z",
                  "outcome": null
                }

                """
        )
        let shown = try sandbox.run("deal", "show", "acme")
        #expect(
            shown.output.hasPrefix(
                """
                acme  b2b-sales v1  stage prospecting  owner ana  version 1
                created 2026-11-23 09:00 -05:00, in stage since 2026-11-23 09:00 -05:00
                guidance: Research the account, find the decision maker and make the first contact.
                """
            )
        )
        #expect(shown.output.contains("  2026-11-24 09:00 -05:00  call  ana       First contact with Acme Andina\n"))
        #expect(shown.output.contains("  2026-12-23 09:00 -05:00  fire go_stale\n"))
    }

    @Test func fireReportsTheResultOrEveryBlocker() throws {
        let sandbox = try sandboxWithB2B()
        _ = try sandbox.run("deal", "create", "--workflow", "b2b-sales", "--id", "d", "--set", "company=Acme")
        let blocked = try sandbox.run("deal", "fire", "d", "qualify")
        #expect(blocked.status == 3)
        #expect(
            blocked.errors == """
                deal 'd': 'qualify' is blocked
                  - decision_maker failed: decision_maker = false — Identify the decision maker first.
                  - contact_email != null and matches(contact_email, '^[^@ ]+@[^@ ]+[.][A-Za-z]{2,}$') failed: contact_email is not set — Record a valid email for the contact.
                  - stage 'qualification' requires 'contact_email'; set it with --set contact_email=...

                """
        )
        let json = try sandbox.run("deal", "fire", "d", "qualify", "--set", "decision_maker=true", "--json")
        #expect(json.status == 3)
        #expect(
            json.output == """
                {
                  "error": "blocked",
                  "message": "'qualify' is blocked on deal 'd': Record a valid email for the contact.; stage 'qualification' requires 'contact_email'; set it with --set contact_email=...",
                  "blockers": [
                    {
                      "kind": "guard",
                      "expression": "contact_email != null and matches(contact_email, '^[^@ ]+@[^@ ]+[.][A-Za-z]{2,}$')",
                      "message": "Record a valid email for the contact.",
                      "explanation": "contact_email != null and matches(contact_email, '^[^@ ]+@[^@ ]+[.][A-Za-z]{2,}$') failed: contact_email is not set",
                      "values": {
                        "contact_email": null
                      }
                    },
                    {
                      "kind": "requires",
                      "expression": "contact_email",
                      "message": "stage 'qualification' requires 'contact_email'; set it with --set contact_email=...",
                      "explanation": "stage 'qualification' requires 'contact_email'; set it with --set contact_email=...",
                      "values": {
                        "contact_email": null
                      }
                    }
                  ]
                }

                """
        )
        let fired = try sandbox.run(
            "deal",
            "fire",
            "d",
            "qualify",
            "--set",
            "decision_maker=true",
            "--set",
            "contact_email=lu@acme.co",
            "--note",
            "Met Lucía",
            "--json",
            now: "2026-11-24T15:00:00Z"
        )
        #expect(fired.status == 0)
        #expect(fired.output.contains("\"stage\": \"qualification\""))
        #expect(
            fired.output.hasSuffix(
                """
                  "outcome": null,
                  "transition": "qualify",
                  "from": "prospecting",
                  "to": "qualification",
                  "tasks_scheduled": 1,
                  "tasks_cancelled": 1
                }

                """
            )
        )
        let text = try sandbox.run(
            "deal",
            "fire",
            "d",
            "propose",
            "--set",
            "budget_confirmed=true",
            "--set",
            "amount=5000"
        )
        #expect(text.status == 3)
        #expect(text.errors.contains("  - 'propose' requires 'close_date'; set it with --set close_date=...\n"))
    }

    @Test func everyExitCode() throws {
        let sandbox = try sandboxWithB2B()
        _ = try sandbox.run("deal", "create", "--workflow", "b2b-sales", "--id", "d", "--set", "company=Acme")
        // 1: bad input, unknown deal, workflow or transition.
        for arguments in [
            ["deal", "show", "nope"], ["deal", "create", "--workflow", "nope"], ["deal", "fire", "d", "qualfy"],
            ["deal", "set", "d", "amount=12abc"], ["deal", "set", "d", "company="],
            ["deal", "create", "--workflow", "b2b-sales", "--id", "d", "--set", "company=Again"],
            ["workflow", "apply", "Tests/Fixtures/diagnostics/unknown-stage.yaml"],
        ] {
            let result = try sandbox.run(arguments)
            #expect(result.status == 1, "\(arguments) exited \(result.status)")
            #expect(
                result.errors.hasPrefix("error: ") || result.errors.contains("error:"),
                "\(arguments): \(result.errors)"
            )
        }
        // 3: blocked.
        #expect(try sandbox.run("deal", "fire", "d", "win").status == 3)
        // 4: conflict.
        let conflict = try sandbox.run(
            "deal",
            "fire",
            "d",
            "lose",
            "--set",
            "lost_reason=price",
            "--expect-version",
            "3",
            "--json"
        )
        #expect(conflict.status == 4)
        #expect(
            conflict.output == """
                {
                  "error": "conflict",
                  "message": "deal 'd' is at version 1, not 3: it changed since you read it",
                  "expected_version": 3,
                  "actual_version": 1
                }

                """
        )
        // 5: role not allowed.
        let refused = try sandbox.run("deal", "fire", "d", "go_stale", "--json")
        #expect(refused.status == 5)
        #expect(refused.output.contains("\"error\": \"role-not-allowed\""))
        // 64: usage.
        #expect(try sandbox.run("deal", "set", "d", "amount").status == 64)
        #expect(try sandbox.run("deal", "list", "--limit", "-1").status == 64)
        #expect(try sandbox.run("deal", "show", "d", "--now", "yesterday").status == 64)
        // 0, and nothing above changed the deal.
        let shown = try sandbox.run("deal", "show", "d", "--json")
        #expect(shown.status == 0 && shown.output.contains("\"version\": 1,"))
    }

    @Test func historyListsChangesAndAttemptsInOrder() throws {
        let sandbox = try sandboxWithB2B()
        _ = try sandbox.run("deal", "create", "--workflow", "b2b-sales", "--id", "d", "--set", "company=Acme")
        _ = try sandbox.run("deal", "fire", "d", "go_stale", now: "2026-11-23T15:00:00Z")
        _ = try sandbox.run(
            "deal",
            "set",
            "d",
            "decision_maker=true",
            "contact_email=a@acme.co",
            now: "2026-11-23T16:00:00Z"
        )
        _ = try sandbox.run("deal", "fire", "d", "propose", now: "2026-11-23T17:00:00Z")
        let history = try sandbox.run("deal", "history", "d", "--json")
        #expect(history.status == 0)
        #expect(
            history.output.contains(
                """
                  {
                    "seq": 2,
                    "at": "2026-11-23T15:00:00Z",
                    "type": "refused",
                    "actor": "ana",
                    "role": "rep",
                    "transition": "go_stale",
                    "from": "prospecting",
                    "to": null,
                    "changes": {},
                    "note": null,
                    "blockers": [
                """
            )
        )
        #expect(
            history.output.contains(
                """
                    "type": "updated",
                    "actor": "ana",
                    "role": "rep",
                    "transition": null,
                    "from": "prospecting",
                    "to": "prospecting",
                    "changes": {
                      "contact_email": {
                        "from": null,
                        "to": "a@acme.co"
                      },
                      "decision_maker": {
                        "from": false,
                        "to": true
                      }
                    },
                """
            )
        )
        let text = try sandbox.run("deal", "history", "d")
        #expect(
            text.output == """
                #1  2026-11-23 09:00 -05:00  created  ana (rep)  in prospecting
                    company: - → Acme
                    segment: - → smb
                    currency: - → USD
                    discount_pct: - → 0
                    decision_maker: - → false
                    budget_confirmed: - → false
                #2  2026-11-23 10:00 -05:00  refused  ana (rep)  go_stale from prospecting
                    - ana acts in role 'rep'; it is for manager, ops
                #3  2026-11-23 11:00 -05:00  updated  ana (rep)
                    contact_email: - → a@acme.co
                    decision_maker: false → true
                #4  2026-11-23 12:00 -05:00  blocked  ana (rep)  propose from prospecting
                    - 'propose' does not leave 'prospecting', where the deal is; it starts from qualification

                """
        )
    }

    @Test func transitionsShowWhatBlocksEachOne() throws {
        let sandbox = try sandboxWithB2B()
        _ = try sandbox.run("deal", "create", "--workflow", "b2b-sales", "--id", "d", "--set", "company=Acme")
        let result = try sandbox.run("deal", "transitions", "d")
        #expect(
            result.output == """
                d is in prospecting (version 1); as ana (rep):
                  blocked qualify → qualification
                          - decision_maker failed: decision_maker = false — Identify the decision maker first.
                          - contact_email != null and matches(contact_email, '^[^@ ]+@[^@ ]+[.][A-Za-z]{2,}$') failed: contact_email is not set — Record a valid email for the contact.
                          - stage 'qualification' requires 'contact_email'; set it with --set contact_email=...
                  blocked lose → lost
                          - 'lose' requires 'lost_reason'; set it with --set lost_reason=...
                  blocked go_stale → stale
                          - ana acts in role 'rep'; it is for manager, ops

                """
        )
        let manager = try sandbox.run("deal", "transitions", "d", "--json", environment: ["DEALFLOW_ROLE": "manager"])
        #expect(
            manager.output.contains(
                "\"name\": \"go_stale\",\n      \"to\": \"stale\",\n      \"allowed\": true,\n      \"blockers\": []"
            )
        )
    }

    @Test func listFiltersAndLimits() throws {
        let sandbox = try sandboxWithB2B()
        for (id, owner) in [("a", "ana"), ("b", "luis"), ("c", "ana")] {
            _ = try sandbox.run(
                "deal",
                "create",
                "--workflow",
                "b2b-sales",
                "--id",
                id,
                "--owner",
                owner,
                "--set",
                "company=\(id)"
            )
        }
        #expect(try sandbox.run("deal", "list", "--owner", "ana").output.split(separator: "\n").count == 3)
        let limited = try sandbox.run("deal", "list", "--limit", "2", "--json")
        #expect(limited.output.components(separatedBy: "\"workflow_version\"").count - 1 == 2)
        #expect(try sandbox.run("deal", "list", "--stage", "won").output == "no deal matches\n")
        #expect(try sandbox.run("deal", "list", "--workflow", "nope").status == 1)
    }

    @Test func idempotencyKeysReturnTheFirstResult() throws {
        let sandbox = try sandboxWithB2B()
        _ = try sandbox.run("deal", "create", "--workflow", "b2b-sales", "--id", "d", "--set", "company=Acme")
        let first = try sandbox.run(
            "deal",
            "fire",
            "d",
            "lose",
            "--set",
            "lost_reason=price",
            "--idempotency-key",
            "k",
            "--json"
        )
        let repeated = try sandbox.run(
            "deal",
            "fire",
            "d",
            "lose",
            "--set",
            "lost_reason=price",
            "--idempotency-key",
            "k",
            "--json",
            now: "2026-11-25T14:00:00Z"
        )
        #expect(first.status == 0 && repeated.status == 0)
        #expect(first.output == repeated.output)
        #expect(
            try sandbox.run("deal", "history", "d", "--json").output.components(separatedBy: "\"seq\"").count - 1 == 2
        )
        // The same key for another request is refused, not answered with the first result.
        let other = try sandbox.run("deal", "fire", "d", "reopen", "--idempotency-key", "k")
        #expect(other.status == 1)
        #expect(
            other.errors
                == "error: idempotency key 'k' was already used on deal 'd' for another request (fire lose --set lost_reason=price); use a new key for a new request\n"
        )
    }

    @Test func reviewedMistakesGetClearAnswers() throws {
        let sandbox = try sandboxWithB2B()
        // An empty id or owner is refused.
        let empty = try sandbox.run("deal", "create", "--workflow", "b2b-sales", "--id", "", "--set", "company=Acme")
        #expect(empty.status == 1)
        #expect(empty.errors == "error: '' cannot be a deal id: use 1 to 128 characters without spaces\n")
        #expect(
            try sandbox.run("deal", "create", "--workflow", "b2b-sales", "--owner", " ", "--set", "company=A").status
                == 1
        )
        // A usage error with --json is JSON too.
        let usage = try sandbox.run("deal", "set", "d", "amount", "--json")
        #expect(usage.status == 64)
        #expect(
            usage.output.hasPrefix("{\n  \"error\": \"usage\",\n  \"message\": \"Error: 'amount' is not FIELD=VALUE;")
        )
        // A role refusal carries its blocker.
        _ = try sandbox.run("deal", "create", "--workflow", "b2b-sales", "--id", "d", "--set", "company=Acme")
        let refused = try sandbox.run("deal", "fire", "d", "go_stale", "--json")
        #expect(refused.status == 5 && refused.output.contains("\"kind\": \"role\""))
        // A stage that no workflow has is an error, not an empty list.
        let typo = try sandbox.run("deal", "list", "--stage", "negociation")
        #expect(typo.status == 1)
        #expect(typo.errors == "error: no workflow here has a stage 'negociation' (did you mean 'negotiation'?)\n")
        // An empty DEALFLOW_DB counts as unset.
        #expect(try CLI.run(["workflow", "list"], environment: ["DEALFLOW_DB": ""], in: sandbox.directory).status == 0)
    }

    @Test func applyingSeveralFilesStoresAllOrNothing() throws {
        let sandbox = try sandboxWithB2B()
        let source = try String(
            contentsOf: CLI.root.appendingPathComponent("workflows/b2b-sales.yaml"),
            encoding: .utf8
        )
        let taken = try sandbox.write("b2b-changed.yaml", source + "\n# changed\n")
        let result = try sandbox.run("workflow", "apply", "workflows/service-requests.yaml", taken)
        #expect(result.status == 1)
        #expect(
            result.errors
                == "error: version 1 of workflow 'b2b-sales' is already applied with other content; raise 'version' in the file or remove it\n"
        )
        #expect(!(try sandbox.run("workflow", "list").output.contains("service-requests")))
    }

    @Test func notifyEventsNameTheStageEntered() throws {
        let sandbox = try sandboxWithB2B()
        _ = try sandbox.run("deal", "create", "--workflow", "b2b-sales", "--id", "d", "--set", "company=Acme")
        _ = try sandbox.run("deal", "fire", "d", "lose", "--set", "lost_reason=price")
        let data = try DatabaseQueue(path: sandbox.database).read { db in
            try String.fetchOne(db, sql: "SELECT data FROM outbox WHERE type = 'deal.lost'")
        }
        #expect(
            data
                == #"{"deal":"d","workflow":"b2b-sales","stage":"lost","actor":"ana","transition":"lose","from":"prospecting","to":"lost"}"#
        )
    }

    @Test func workflowsListAndShow() throws {
        let sandbox = try sandboxWithB2B()
        _ = try sandbox.run("workflow", "apply", "workflows/service-requests.yaml")
        let list = try sandbox.run("workflow", "list")
        #expect(
            list.output == """
                WORKFLOW          LATEST  VERSIONS  APPLIED               TITLE
                b2b-sales         1       1         2026-11-23T14:00:00Z  B2B opportunity pipeline
                service-requests  1       1         2026-11-23T14:00:00Z  Complaints and requests

                """
        )
        let show = try sandbox.run("workflow", "show", "service-requests")
        #expect(
            show.output.hasPrefix("service-requests version 1: Complaints and requests\ntime zone America/Mexico_City")
        )
        #expect(
            try sandbox.run("workflow", "show", "b2b-sales", "--source").output
                == (try String(contentsOf: CLI.root.appendingPathComponent("workflows/b2b-sales.yaml"), encoding: .utf8))
        )
        #expect(try sandbox.run("workflow", "show", "b2b-sales", "--version", "9").status == 1)
    }
}
