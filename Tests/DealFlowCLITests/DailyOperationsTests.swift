import DealFlowTestKit
import Foundation
import Testing

/// The store a test runs on: every daily-operations command is checked on both.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    func sandbox() throws -> Sandbox {
        switch self {
        case .sqlite: try Sandbox()
        case .postgres: try Sandbox(database: try PostgresTestServer.freshDatabase())
        }
    }
}

/// Evolving workflows, the roster, owners, notes, the worklist and finding deals, as reps and managers
/// use them; outputs and exit codes compared whole.
@Suite("Daily operations")
struct DailyOperationsTests {
    static let version1 = """
        workflow: mig
        title: Migration test
        timezone: UTC
        roles: [rep, manager]
        fields:
          company: { type: string, required: true }
          tier: { type: enum, values: [gold, silver, bronze], default: silver }
          amount: { type: decimal, min: 0 }
          close_date: { type: date }
        stages:
          lead:
            initial: true
            probability: 10
            rot_after: 5 days
            timers:
              - after: 30 days
                fire: give_up
          demo:
            probability: 40
            timers:
              - after: 3 days
                every: 7 days
                task: { title: "Chase {{company}}", kind: call }
          legal: { probability: 70 }
          won: { outcome: won }
          lost: { outcome: lost }
        transitions:
          show: { from: lead, to: demo }
          review: { from: demo, to: legal }
          win: { from: [demo, legal], to: won, roles: [manager] }
          give_up: { from: [lead, demo, legal], to: lost }

        """

    /// Version 2: `demo` renamed `presentation`, `legal` gone, `bronze` dropped, a `region` field with a
    /// default, and the lead's timer shortened from 30 to 10 days.
    static let version2 = """
        workflow: mig
        title: Migration test
        timezone: UTC
        roles: [rep, manager]
        fields:
          company: { type: string, required: true }
          tier: { type: enum, values: [gold, silver], default: silver }
          amount: { type: decimal, min: 0 }
          close_date: { type: date }
          region: { type: enum, values: [emea, amer], default: emea }
        stages:
          lead:
            initial: true
            probability: 10
            rot_after: 5 days
            timers:
              - after: 10 days
                fire: give_up
          presentation:
            probability: 40
            timers:
              - after: 3 days
                every: 7 days
                task: { title: "Chase {{company}}", kind: call }
          won: { outcome: won }
          lost: { outcome: lost }
        transitions:
          show: { from: lead, to: presentation }
          win: { from: presentation, to: won, roles: [manager] }
          give_up: { from: [lead, presentation], to: lost }

        """

    /// Five deals of ana on version 1 at 14:00 on 23 November 2026: `a` and `d` (tier bronze) in lead, `b`
    /// in demo, `c` in legal, `e` won.
    func sandboxWithDeals(_ store: StoreKind) throws -> Sandbox {
        let sandbox = try store.sandbox()
        #expect(try sandbox.run("workflow", "apply", try sandbox.write("mig1.yaml", Self.version1)).status == 0)
        for (id, amount) in [("a", "12000"), ("b", "8000"), ("c", "30000"), ("d", "500"), ("e", "9000")] {
            let created = try sandbox.run(
                "deal",
                "create",
                "--workflow",
                "mig",
                "--id",
                id,
                "--set",
                "company=\(id.uppercased()) Corp",
                "--set",
                "amount=\(amount)"
            )
            #expect(created.status == 0, "\(created.errors)")
        }
        for arguments in [
            ["deal", "set", "d", "tier=bronze"], ["deal", "fire", "b", "show"], ["deal", "fire", "c", "show"],
            ["deal", "fire", "c", "review"], ["deal", "fire", "e", "show"],
            ["deal", "fire", "e", "win", "--role", "manager"],
        ] {
            let result = try sandbox.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.errors)")
        }
        return sandbox
    }

    // MARK: - Migration

    @Test(arguments: StoreKind.allCases)
    func aMigrationPlanMovesWhatItCanAndSaysWhyTheRestStays(_ store: StoreKind) throws {
        let sandbox = try sandboxWithDeals(store)
        #expect(try sandbox.run("workflow", "apply", try sandbox.write("mig2.yaml", Self.version2)).status == 0)
        let later = "2026-11-25T14:00:00Z"

        let unmapped = try sandbox.run("workflow", "migrate", "mig", "--to-version", "2", "--dry-run", now: later)
        #expect(unmapped.status == 1)
        #expect(
            unmapped.output == """
                mig: open deals on older versions → version 2 (dry run: nothing written)

                would move:
                  FROM     TO    DEALS  TIMERS  FIELDS
                  v1 lead  lead  1      1       region: - → emea

                cannot move (they stay where they are):
                  DEAL  AT        WHY
                  b     v1 demo   its stage 'demo' is not in version 2; map it with --map demo=STAGE
                  c     v1 legal  its stage 'legal' is not in version 2; map it with --map legal=STAGE
                  d     v1 lead   its field 'tier' no longer fits version 2: tier: 'bronze' is not one of gold, silver

                1 deal would move, 3 cannot move

                """
        )
        // A dry run writes nothing.
        #expect(try sandbox.run("deal", "show", "a", "--json").output.contains("\"workflow_version\": 1"))

        let badMap = try sandbox.run(
            "workflow",
            "migrate",
            "mig",
            "--to-version",
            "2",
            "--map",
            "demo=presentaton",
            now: later
        )
        #expect(badMap.status == 1)
        #expect(
            badMap.errors
                == "error: --map demo=presentaton: version 2 has no stage 'presentaton' (did you mean 'presentation'?)\n"
        )
        #expect(try sandbox.run("workflow", "migrate", "mig", "--to-version", "2", "--map", "demo").status == 64)
        let intoOutcome = try sandbox.run("workflow", "migrate", "mig", "--to-version", "2", "--map", "legal=won")
        #expect(intoOutcome.status == 1)
        #expect(
            intoOutcome.errors
                == "error: --map legal=won: 'won' is a won stage; open deals move only to open stages\n"
        )
        #expect(try sandbox.run("workflow", "migrate", "mig", "--to-version", "7").status == 1)

        let applied = try sandbox.run(
            "workflow",
            "migrate",
            "mig",
            "--to-version",
            "2",
            "--map",
            "demo=presentation",
            now: later
        )
        #expect(applied.status == 1, "deals that cannot move make the exit code 1")
        #expect(
            applied.output == """
                mig: open deals on older versions → version 2

                moved:
                  FROM     TO            DEALS  TIMERS  FIELDS
                  v1 lead  lead          1      1       region: - → emea
                  v1 demo  presentation  1      1       region: - → emea

                cannot move (they stay where they are):
                  DEAL  AT        WHY
                  c     v1 legal  its stage 'legal' is not in version 2; map it with --map legal=STAGE
                  d     v1 lead   its field 'tier' no longer fits version 2: tier: 'bronze' is not one of gold, silver

                2 deals moved, 2 cannot move

                """
        )
        // a: its lead timer moved from 30 to 10 days after it entered the stage.
        let a = try sandbox.run("deal", "show", "a", now: later).output
        #expect(a.hasPrefix("a  mig v2  stage lead  owner ana  version 2\n"))
        #expect(
            a.hasSuffix(
                """
                pending timers:
                  DUE                      DOES
                  2026-12-03 14:00 +00:00  fire give_up

                """
            )
        )
        // b: renamed stage, its open task kept, its recurrence scheduled again.
        let b = try sandbox.run("deal", "show", "b", now: later).output
        #expect(b.hasPrefix("b  mig v2  stage presentation  owner ana  version 3\n"))
        #expect(
            b.hasSuffix(
                """
                open tasks:
                  DUE                      KIND  ASSIGNEE  TITLE
                  2026-11-26 14:00 +00:00  call  ana       Chase B Corp

                pending timers:
                  DUE                      DOES
                  2026-12-03 14:00 +00:00  next task, every 7 days

                """
            )
        )
        let history = try sandbox.run("deal", "history", "b", now: later).output.split(separator: "\n").suffix(3)
        #expect(history.first?.hasSuffix("migrated  ana (rep)  demo → presentation") == true, "\(history)")
        #expect(Array(history.dropFirst()) == ["    region: - → emea", "    note: version 1 → 2"])
        // The deals that cannot move stay on version 1, unchanged; the won deal is not touched.
        #expect(try sandbox.run("deal", "show", "c").output.hasPrefix("c  mig v1  stage legal  owner ana  version 3\n"))
        #expect(
            try sandbox.run("deal", "show", "e").output.hasPrefix("e  mig v1  stage won (won)  owner ana  version 3\n")
        )
        // The moved deal fires on its new version: the renamed stage's transition.
        #expect(try sandbox.run("deal", "fire", "b", "win", "--role", "manager", now: later).status == 0)
        // Running it again moves nothing more.
        let again = try sandbox.run("workflow", "migrate", "mig", "--to-version", "2", "--json", now: later)
        #expect(again.status == 1)
        #expect(again.output.contains("\"moves\": []"))
    }

    // MARK: - The roster

    @Test(arguments: StoreKind.allCases)
    func theRosterDecidesWhoActsAndInWhichRole(_ store: StoreKind) throws {
        let sandbox = try sandboxWithDeals(store)
        // An empty roster trusts the role claimed.
        #expect(try sandbox.run("deal", "note", "a", "hello", "--actor", "anyone", "--role", "ceo").status == 0)
        // Its first user must be an admin: otherwise nobody could be trusted to change it.
        let noAdmin = try sandbox.run("users", "add", "bo", "--role", "rep")
        #expect(noAdmin.status == 1)
        #expect(
            noAdmin.errors
                == "error: the first user on the roster must hold the role 'admin', so that someone may change it; add --role admin\n"
        )

        let added = try sandbox.run("users", "add", "ana", "--name", "Ana Ruiz", "--role", "rep", "--role", "admin")
        #expect(added.status == 0, "\(added.errors)")
        #expect(added.output == "added ana (rep, admin)\n")
        #expect(try sandbox.run("users", "add", "bo", "--role", "rep").output == "added bo (rep)\n")
        #expect(
            try sandbox.run("users", "add", "bo", "--role", "rep").errors == "error: 'bo' is already on the roster\n"
        )
        #expect(try sandbox.run("users", "add", "cy").status == 64)
        #expect(
            try sandbox.run("users", "list").output == """
                ID   NAME      ROLES
                ana  Ana Ruiz  rep, admin
                bo   -         rep

                """
        )

        let unknown = try sandbox.run("deal", "fire", "a", "show", "--actor", "mallory")
        #expect(unknown.status == 5)
        #expect(
            unknown.errors
                == "error: deal fire a show refused: 'mallory' is not on the roster; see 'dealflow users list'\n"
        )
        let notHeld = try sandbox.run("deal", "fire", "c", "win", "--actor", "bo", "--role", "manager")
        #expect(notHeld.status == 5)
        #expect(
            notHeld.errors == "error: deal fire c win refused: 'bo' does not hold the role 'manager' (holds only rep)\n"
        )
        #expect(try sandbox.run("deal", "show", "c").output.contains("stage legal"), "a refusal changed the deal")

        // Without --role, bo acts in his first role from the roster.
        #expect(
            try sandbox.run("deal", "fire", "a", "show", "--actor", "bo", environment: ["DEALFLOW_ROLE": ""]).status
                == 0
        )
        #expect(try sandbox.run("deal", "history", "a").output.contains("transitioned  bo (rep)  show: lead → demo"))

        // Only an admin changes the roster once one exists, and the last admin stays one.
        let byRep = try sandbox.run("users", "grant", "bo", "manager", "--actor", "bo")
        #expect(byRep.status == 5)
        #expect(
            byRep.errors
                == "error: users grant bo manager refused: changing the roster takes the role 'admin', which 'bo' does not hold\n"
        )
        #expect(try sandbox.run("users", "grant", "bo", "manager").output == "bo: rep, manager\n")
        // A task given to a role is on the agenda of whoever holds it.
        #expect(
            try sandbox.run("tasks", "add", "c", "Approve the discount", "--due", "1 day", "--assignee", "manager")
                .status == 0
        )
        #expect(try sandbox.run("agenda", "--owner", "bo").output.contains("Approve the discount (as manager)"))
        #expect(try sandbox.run("tasks", "add", "c", "x", "--due", "1 day", "--assignee", "nobody").status == 1)
        // Without --role, a transition bo's first role may not fire goes through in another role he holds.
        #expect(
            try sandbox.run("deal", "fire", "c", "win", "--actor", "bo", environment: ["DEALFLOW_ROLE": ""]).status == 0
        )
        #expect(try sandbox.run("deal", "history", "c").output.contains("transitioned  bo (manager)  win: legal → won"))
        let lastAdmin = try sandbox.run("users", "revoke", "ana", "admin")
        #expect(lastAdmin.status == 1)
        #expect(lastAdmin.errors.contains("would leave nobody with the role 'admin'"))
        #expect(try sandbox.run("users", "remove", "ana").status == 1)
        #expect(try sandbox.run("users", "revoke", "bo", "manager").output == "bo: rep\n")
        #expect(try sandbox.run("users", "remove", "bo").output == "removed bo\n")
        #expect(try sandbox.run("users", "remove", "bo").errors == "error: 'bo' is not on the roster\n")

        // Every refusal is recorded, the latest last.
        let refusals = try sandbox.run("users", "refusals", "--json").output
        for action in ["deal fire a show", "deal fire c win", "users grant bo manager", "users revoke ana admin"]
        where action != "users revoke ana admin" {
            #expect(refusals.contains("\"action\": \"\(action)\""), "\(action) is not in \(refusals)")
        }
        #expect(refusals.contains("\"actor\": \"mallory\""))
        // The scheduler acts as system, whatever the roster says.
        #expect(try sandbox.run("scheduler", "run", "--once", now: "2027-01-01T00:00:00Z").status == 0)
        #expect(try sandbox.run("deal", "show", "d").output.contains("stage lost (lost)"))
    }

    // MARK: - Owners

    @Test(arguments: StoreKind.allCases)
    func aRepWhoLeavesHandsEveryOpenDealAndItsTasksOver(_ store: StoreKind) throws {
        let sandbox = try sandboxWithDeals(store)
        #expect(try sandbox.run("tasks", "add", "a", "Send the deck", "--due", "2 days").status == 0)
        #expect(
            try sandbox.run("tasks", "add", "a", "Manager review", "--due", "3 days", "--assignee", "max").status == 0
        )

        let moved = try sandbox.run("deal", "reassign", "--from", "ana", "--to", "bo")
        #expect(moved.status == 0, "\(moved.errors)")
        #expect(
            moved.output == """
                a: ana → bo (version 2), 1 task moved
                b: ana → bo (version 3), 1 task moved
                c: ana → bo (version 4), 0 tasks moved
                d: ana → bo (version 3), 0 tasks moved
                4 deals and 2 tasks given to bo

                """
        )
        // The won deal keeps its owner, so that the win stays ana's.
        #expect(try sandbox.run("deal", "show", "e").output.contains("owner ana"))
        let tasks = try sandbox.run("tasks", "list", "--json").output
        #expect(!tasks.contains("\"assignee\": \"ana\""), "a task of ana stayed behind: \(tasks)")
        #expect(tasks.contains("\"assignee\": \"max\""), "a task of someone else moved")
        #expect(try sandbox.run("deal", "history", "a").output.contains("reassigned  ana (rep)\n    owner: ana → bo\n"))

        #expect(
            try sandbox.run("deal", "reassign", "a", "--to", "cy").output == "a: bo → cy (version 3), 1 task moved\n"
        )
        #expect(try sandbox.run("deal", "reassign", "a", "--to", "cy").output == "a: unchanged (already owned by cy)\n")
        #expect(
            try sandbox.run("deal", "reassign", "--from", "ana", "--to", "bo").output
                == "ana owns no open deal: nothing to do\n"
        )
        #expect(try sandbox.run("deal", "reassign", "--to", "bo").status == 64)
        #expect(try sandbox.run("deal", "reassign", "a", "--from", "bo", "--to", "cy").status == 64)
        #expect(try sandbox.run("deal", "reassign", "zz", "--to", "bo").errors == "error: no deal 'zz'\n")
        #expect(try sandbox.run("deal", "reassign", "--from", "bo", "--to", "bo").status == 1)
        // Once the roster has users, deals go only to people on it.
        #expect(try sandbox.run("users", "add", "ana", "--role", "rep", "--role", "admin").status == 0)
        let offRoster = try sandbox.run("deal", "reassign", "a", "--to", "zed")
        #expect(offRoster.status == 1)
        #expect(offRoster.errors == "error: 'zed' is not on the roster; add them with: dealflow users add zed\n")
    }

    // MARK: - Notes and staleness

    @Test(arguments: StoreKind.allCases)
    func aNoteIsATouchThatEndsStaleness(_ store: StoreKind) throws {
        let sandbox = try sandboxWithDeals(store)
        let weekLater = "2026-11-30T14:00:00Z"
        let stale = try sandbox.run("deal", "list", "--stale", "--format", "csv", now: weekLater)
        #expect(stale.output.split(separator: "\n").map { $0.prefix(2) } == ["id", "a,", "d,"])
        let noted = try sandbox.run(
            "deal",
            "note",
            "a",
            "Called the CFO: budget in January",
            "--kind",
            "call",
            now: weekLater
        )
        #expect(noted.output == "a: call logged (version 2)\n")
        #expect(
            try sandbox.run("deal", "list", "--stale", "--format", "csv", now: weekLater).output.split(separator: "\n")
                .map { $0.prefix(2) } == ["id", "d,"]
        )
        #expect(
            try sandbox.run("deal", "history", "a").output.hasSuffix(
                "call  ana (rep)\n    note: Called the CFO: budget in January\n"
            )
        )
        #expect(try sandbox.run("deal", "show", "a").output.contains("stage lead"), "a note changed the stage")
        #expect(try sandbox.run("deal", "note", "a", "x", "--kind", "sms").status == 64)
        #expect(try sandbox.run("deal", "note", "a", "  ").errors == "error: a note on deal 'a' needs some text\n")
        #expect(try sandbox.run("deal", "note", "zz", "hi").status == 1)
    }

    // MARK: - The worklist

    @Test(arguments: StoreKind.allCases)
    func tasksAreAddedAndReassignedByHand(_ store: StoreKind) throws {
        let sandbox = try sandboxWithDeals(store)
        let added = try sandbox.run(
            "tasks",
            "add",
            "a",
            "Send the contract",
            "--due",
            "2026-11-27",
            "--kind",
            "email",
            "--json"
        )
        #expect(added.status == 0, "\(added.errors)")
        #expect(
            added.output.contains("\"due_at\": \"2026-11-27T17:00:00Z\""),
            "a date is due at the end of that working day: \(added.output)"
        )
        guard
            let id = added.output.split(separator: "\"").drop(while: { $0 != "id" }).dropFirst(2).first.map(String.init)
        else {
            Issue.record("no id in \(added.output)")
            return
        }
        let moved = try sandbox.run("tasks", "reassign", id, "--to", "bo")
        #expect(moved.output == "\(id) assigned to bo: Send the contract\n")
        #expect(try sandbox.run("tasks", "list", "--owner", "bo").output.contains("Send the contract"))
        #expect(try sandbox.run("tasks", "done", id, "--actor", "bo").status == 0)
        #expect(
            try sandbox.run("tasks", "reassign", id, "--to", "cy").errors
                == "error: task '\(id)' is done, not open, so it cannot be reassigned\n"
        )
        #expect(try sandbox.run("tasks", "reassign", "task-nope", "--to", "cy").status == 1)
        #expect(try sandbox.run("tasks", "add", "a", "x", "--due", "someday").status == 64)
        #expect(try sandbox.run("tasks", "add", "a", "x", "--due", "1 day", "--kind", "fax").status == 64)
        #expect(try sandbox.run("tasks", "add", "zz", "x", "--due", "1 day").errors == "error: no deal 'zz'\n")
        // An added task reminds when due, like any other.
        let fired = try sandbox.run("tasks", "add", "b", "Call back", "--due", "1 hour")
        #expect(fired.status == 0)
        #expect(
            try sandbox.run("scheduler", "run", "--once", now: "2026-11-23T15:30:00Z").output.contains("1 reminder")
        )
    }

    @Test(arguments: StoreKind.allCases)
    func theAgendaSortsTheDayInTheWorkflowsTimeZone(_ store: StoreKind) throws {
        let sandbox = try store.sandbox()
        #expect(try sandbox.run("workflow", "apply", "workflows/b2b-sales.yaml").status == 0)
        // 22:00 in Bogotá on 23 November, already the 24th in UTC.
        let now = "2026-11-24T03:00:00Z"
        let created = try sandbox.run(
            "deal",
            "create",
            "--workflow",
            "b2b-sales",
            "--id",
            "acme",
            "--set",
            "company=Acme",
            now: "2026-11-10T14:00:00Z"
        )
        #expect(created.status == 0)
        for (title, due) in [
            ("Late call", "2026-11-24T02:00:00Z"), ("Tonight", "2026-11-24T04:30:00Z"),
            ("Friday", "2026-11-27T15:00:00Z"), ("Next month", "2026-12-15T15:00:00Z"),
        ] {
            #expect(try sandbox.run("tasks", "add", "acme", title, "--due", due, now: now).status == 0)
        }
        let agenda = try sandbox.run("agenda", now: now)
        #expect(agenda.status == 0, "\(agenda.errors)")
        #expect(
            agenda.output == """
                agenda of ana

                overdue (2):
                  DUE                      DEAL  KIND  TITLE
                  2026-11-11 09:00 -05:00  acme  call  First contact with Acme
                  2026-11-23 21:00 -05:00  acme  todo  Late call

                today (1):
                  DUE                      DEAL  KIND  TITLE
                  2026-11-23 23:30 -05:00  acme  todo  Tonight

                this week (1):
                  DUE                      DEAL  KIND  TITLE
                  2026-11-27 10:00 -05:00  acme  todo  Friday

                stale deals (1):
                  DEAL  STAGE        LAST TOUCH               IDLE     ROT AFTER
                  acme  prospecting  2026-11-10 09:00 -05:00  13 days  7 business days

                """
        )
        #expect(try sandbox.run("agenda", "--owner", "bo", now: now).output.contains("overdue (0):\n  nothing\n"))
    }

    // MARK: - Finding deals

    @Test(arguments: StoreKind.allCases)
    func dealsAreFoundWithTheGuardLanguage(_ store: StoreKind) throws {
        let sandbox = try sandboxWithDeals(store)
        #expect(try sandbox.run("deal", "set", "a", "close_date=2026-12-10").status == 0)
        #expect(try sandbox.run("deal", "set", "c", "close_date=2027-03-01").status == 0)
        let found = try sandbox.run("deal", "list", "--where", "amount > 5000 and close_date < today + 30 days")
        #expect(found.status == 0, "\(found.errors)")
        #expect(found.output.split(separator: "\n").dropFirst().map { String($0.prefix(2)) } == ["a "])

        let typeError = try sandbox.run("deal", "list", "--where", "amount > \"ten\"")
        #expect(typeError.status == 1)
        #expect(
            typeError.errors == """
                error: --where:1:10: error: cannot compare 'amount' (a decimal) with "ten" (a string) [type-mismatch]
                amount > "ten"
                         ^~~~~

                """
        )
        let unknown = try sandbox.run("deal", "list", "--where", "amont > 1")
        #expect(unknown.status == 1)
        #expect(unknown.errors.contains("unknown name 'amont' (did you mean 'amount'?)"))
        #expect(try sandbox.run("deal", "list", "--where", "amount").errors.contains("--where must be true or false"))

        let sorted = try sandbox.run(
            "deal",
            "list",
            "--sort",
            "amount:desc",
            "--limit",
            "2",
            "--offset",
            "1",
            "--format",
            "csv"
        )
        #expect(
            sorted.output == """
                id,workflow,workflow_version,stage,owner,version,company,tier,amount,close_date
                a,mig,1,lead,ana,2,A Corp,silver,12000,2026-12-10
                e,mig,1,won,ana,3,E Corp,silver,9000,

                """
        )
        let closing = try sandbox.run("deal", "list", "--closing-before", "2027-01-01", "--json")
        #expect(closing.output.contains("\"id\": \"a\"") && !closing.output.contains("\"id\": \"c\""))
        #expect(
            try sandbox.run("deal", "list", "--limit", "1", "--offset", "4", "--format", "csv").output.hasPrefix(
                "id,workflow,workflow_version,stage,owner,version,company,tier,amount,close_date\ne,"
            )
        )
        #expect(
            try sandbox.run("deal", "list", "--sort", "amout").errors.contains(
                "--sort: workflow 'mig' has no field 'amout' (did you mean 'amount'?)"
            )
        )
        #expect(try sandbox.run("deal", "list", "--format", "xml").status == 64)
        #expect(try sandbox.run("deal", "list", "--closing-before", "soon").status == 64)
        #expect(try sandbox.run("deal", "list", "--offset", "-1").status == 64)
    }
}
