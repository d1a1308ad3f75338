import DealFlowCore
import DealFlowTestKit
import Foundation
import Synchronization
import Testing

/// Many `dealflow` processes on one PostgreSQL database, as a team that outgrew one machine runs them.
@Suite("Many processes on one PostgreSQL database", .serialized)
struct PostgresProcessTests {
    static func count(_ sql: String, in url: String) throws -> Int {
        Int(try PostgresTestServer.query(sql, in: url)) ?? -1
    }

    /// Starts `dealflow` with its output in a file, without waiting for it.
    static func start(_ arguments: [String], database: String, output: URL, now: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.currentDirectoryURL = CLI.root
        var environment = CLI.baseEnvironment.merging([
            "DEALFLOW_DB": database, "DEALFLOW_ACTOR": "ana", "DEALFLOW_ROLE": "rep",
        ]) { $1 }
        if let now { environment["DEALFLOW_NOW"] = now }
        process.environment = environment
        FileManager.default.createFile(atPath: output.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A sandbox on a new database with the reminder workflow and `count` deals imported at 10:00 on
    /// 23 November 2026, each with a task due at 11:00.
    static func sandboxWithReminders(_ count: Int, lease: Int? = nil) throws -> Sandbox {
        var url = try PostgresTestServer.freshDatabase()
        if let lease { url += "&lease=\(lease)" }
        let sandbox = try Sandbox(database: url)
        let workflow = try sandbox.write("remind.yaml", reminderWorkflow)
        #expect(try sandbox.run("workflow", "apply", workflow).status == 0)
        var csv = "workflow,id,owner,stage_path,name\n"
        for index in 0..<count { csv += "remind,r\(index),ana,todo@2026-11-23T10:00Z,r\(index)\n" }
        let imported = try sandbox.run("import", try sandbox.write("deals.csv", csv))
        #expect(imported.status == 0, "\(imported.errors)")
        return sandbox
    }

    /// The same commands on a SQLite file and on a PostgreSQL database print the same thing.
    @Test func everyCommandPrintsTheSameOnBothStores() throws {
        let onFile = try Sandbox()
        let onServer = try Sandbox(database: try PostgresTestServer.freshDatabase())
        let later = "2026-12-01T15:00:00Z"
        // Tasks due at the same instant are ordered by their ids, which are random: for the commands that
        // list such ties, the lines are compared in any order, without the events' sequence numbers.
        let commands: [(arguments: [String], now: String)] = [
            (
                ["workflow", "apply", "workflows/b2b-sales.yaml", "workflows/service-requests.yaml"],
                "2026-11-23T14:00:00Z"
            ),
            (["import", "seeds/b2b-sales.csv"], "2026-11-23T14:00:00Z"),
            (["import", "seeds/service-requests.csv"], "2026-11-23T14:00:00Z"),
            (["deal", "list", "--workflow", "b2b-sales"], later),
            (["deal", "fire", "b2b-0001", "qualify"], later),
            (["deal", "set", "b2b-0002", "amount=12500"], later),
            (["deal", "fire", "b2b-0002", "qualify", "--json"], later),
            (["deal", "history", "b2b-0002", "--json"], later),
            (["deal", "transitions", "b2b-0003"], later),
            (["scheduler", "run", "--once", "--json"], later),
            (["tasks", "list", "--owner", "ana", "--json"], later),
            (["events", "--type", "task.escalated"], later),
            (["report", "funnel", "--workflow", "b2b-sales", "--format", "json"], later),
            (["report", "stages", "--workflow", "b2b-sales", "--format", "csv"], later),
            (["report", "forecast", "--workflow", "b2b-sales"], later),
            (["report", "stale", "--workflow", "service-requests"], later),
            (["metrics"], later),
            (["deal", "fire", "no-such-deal", "qualify"], later),
        ]
        let masked = { (text: String) in
            text.replacingOccurrences(of: #"(task|timer)-[0-9a-f]{12}"#, with: "$1-…", options: .regularExpression)
        }
        let listsTies: Set<[String]> = [
            ["tasks", "list", "--owner", "ana", "--json"], ["events", "--type", "task.escalated"],
        ]
        for command in commands {
            let file = try onFile.run(command.arguments, now: command.now)
            let server = try onServer.run(command.arguments, now: command.now)
            #expect(file.status == server.status, "\(command.arguments): exit \(file.status) vs \(server.status)")
            var printed = (masked(file.output), masked(server.output))
            if listsTies.contains(command.arguments) {
                let unordered = { (text: String) in
                    text.split(separator: "\n").map { $0.replacing(/^\d+ +/, with: "") }.sorted()
                        .joined(separator: "\n")
                }
                printed = (unordered(printed.0), unordered(printed.1))
            }
            #expect(printed.0 == printed.1, "\(command.arguments) printed differently")
            #expect(file.errors == server.errors, "\(command.arguments) complained differently")
        }
    }

    /// The demo is deterministic: on PostgreSQL it makes the same deals, history and metrics as on a file,
    /// and it refuses a database that holds anything, since nothing is ever deleted there.
    @Test func theDemoRunsTheSameOnPostgreSQLAndRefusesADatabaseInUse() throws {
        let onFile = try Sandbox()
        let onServer = try Sandbox(database: try PostgresTestServer.freshDatabase())
        // Without where each database is: the summary names it, and its hints add --db.
        let unaddressed = { (text: String) in
            text.replacingOccurrences(of: #" --db \S+"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: #" \([^)]*\)\n"#, with: "\n", options: .regularExpression)
        }
        let fileDemo = try onFile.run("demo", "--days", "5")
        let serverDemo = try onServer.run("demo", "--days", "5")
        #expect(fileDemo.status == 0 && serverDemo.status == 0, "\(serverDemo.errors)")
        #expect(unaddressed(fileDemo.output) == unaddressed(serverDemo.output))
        for command in [
            ["metrics"], ["report", "forecast", "--workflow", "b2b-sales"], ["deal", "history", "b2b-0150"],
        ] {
            #expect(try onFile.run(command).output == onServer.run(command).output, "\(command) differs")
        }
        let again = try onServer.run("demo", "--days", "1")
        #expect(again.status == 1)
        #expect(again.errors.contains("already holds deals or workflows"))
    }

    @Test func eightProcessesFiringOnTheSameDealsLoseNoUpdate() throws {
        let sandbox = try Self.sandboxWithReminders(50)
        let database = sandbox.database
        // Eight processes go over the fifty deals at once, each in its own order, half firing `finish`
        // and half `reopen`: many fires race on the same deal and version.
        let statuses = Mutex<[Int32]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            // Each worker starts at another deal, half of them going backwards.
            let order = (0..<50).map { (worker * 7 + $0) % 50 }
            for index in worker % 2 == 0 ? order : order.reversed() {
                let result = try? CLI.run(
                    ["deal", "fire", "r\(index)", worker % 2 == 0 ? "finish" : "reopen"],
                    environment: ["DEALFLOW_DB": database, "DEALFLOW_ACTOR": "ana", "DEALFLOW_ROLE": "rep"]
                )
                statuses.withLock { $0.append(result?.status ?? -1) }
            }
        }
        let all = statuses.withLock { $0 }
        #expect(all.count == 400)
        // Fired (0), blocked because another process moved the deal first (3), or out of retries (4).
        #expect(Set(all).isSubset(of: [0, 3, 4]), "unexpected exit codes \(Set(all))")
        let fired = all.filter { $0 == 0 }.count
        #expect(fired >= 50, "every deal is at least finished once")
        #expect(try Self.count("SELECT count(*) FROM deal_history WHERE kind = 'transitioned'", in: database) == fired)
        #expect(
            try Self.count(
                """
                SELECT count(*) FROM deals d
                WHERE d.version <> (SELECT count(*) FROM deal_history h WHERE h.deal_id = d.id)
                """,
                in: database
            ) == 0,
            "a deal's version differs from the number of its change entries"
        )
        let events = try Self.count("SELECT count(*) FROM outbox WHERE type = 'deal.transitioned'", in: database)
        #expect(events == fired)
    }

    @Test func fourSchedulersOneKilledFireEachOfTwentyThousandRemindersOnce() throws {
        let total = 20_000
        let sandbox = try Self.sandboxWithReminders(1, lease: 5)
        let database = sandbox.database
        // The other deals are copies of the imported one, made by the server: importing them through a
        // debug build takes a minute, and the import is not what this test is about.
        for sql in [
            """
            INSERT INTO deals (id, workflow_id, workflow_version, stage, owner, fields, version, created_at,
                updated_at, entered_stage_at, outcome)
            SELECT 'r' || i, workflow_id, workflow_version, stage, owner, replace(fields, 'r0', 'r' || i), version,
                created_at, updated_at, entered_stage_at, outcome
            FROM deals, generate_series(1, \(total - 1)) AS i WHERE id = 'r0'
            """,
            """
            INSERT INTO deal_history (deal_id, deal_version, kind, at, actor, role, transition, from_stage, to_stage,
                changes, note)
            SELECT 'r' || i, deal_version, kind, at, actor, role, transition, from_stage, to_stage, changes, note
            FROM deal_history, generate_series(1, \(total - 1)) AS i WHERE deal_id = 'r0'
            """,
            """
            INSERT INTO tasks (id, deal_id, workflow_id, title, kind, assignee, due_at, status, stage, keep,
                escalate_at, escalate_to, timer_index, created_at)
            SELECT id || '-' || i, 'r' || i, workflow_id, 'Call r' || i, kind, assignee, due_at, status, stage, keep,
                escalate_at, escalate_to, timer_index, created_at
            FROM tasks, generate_series(1, \(total - 1)) AS i WHERE deal_id = 'r0'
            """,
        ] {
            _ = try PostgresTestServer.query(sql, in: database)
        }
        #expect(try Self.count("SELECT count(*) FROM tasks WHERE reminded_at IS NULL", in: database) == total)
        // No --now: due by the database's clock, where 11:00 on 23 November 2026 has passed.
        let outputs = (0..<4).map { sandbox.directory.appendingPathComponent("scheduler-\($0).jsonl") }
        let schedulers = try outputs.map { output in
            try Self.start(["scheduler", "run", "--json", "--batch-size", "250"], database: database, output: output)
        }
        let reminded = "SELECT count(*) FROM outbox WHERE type = 'task.reminder'"
        var deadline = Date().addingTimeInterval(120)
        while try Self.count(reminded, in: database) < total / 5 && Date() < deadline { usleep(50_000) }
        kill(schedulers[0].processIdentifier, SIGKILL)
        schedulers[0].waitUntilExit()
        let atKill = try Self.count(reminded, in: database)
        #expect(atKill < total, "the schedulers finished before one could be killed part way")

        deadline = Date().addingTimeInterval(240)
        while try Self.count("SELECT count(*) FROM tasks WHERE reminded_at IS NULL", in: database) > 0
            && Date() < deadline
        {
            usleep(200_000)
        }
        for survivor in schedulers.dropFirst() {
            kill(survivor.processIdentifier, SIGTERM)
            survivor.waitUntilExit()
            #expect(survivor.terminationStatus == 0)
        }

        #expect(try Self.count("SELECT count(*) FROM tasks WHERE reminded_at IS NULL", in: database) == 0)
        #expect(try Self.count(reminded, in: database) == total)
        #expect(
            try Self.count(
                "SELECT count(*) FROM (SELECT deal_id FROM outbox WHERE type = 'task.reminder' GROUP BY deal_id HAVING count(*) <> 1) AS twice",
                in: database
            ) == 0,
            "a reminder has more or fewer than one event"
        )
        #expect(try Self.count("SELECT count(*) FROM tasks WHERE leased_by IS NOT NULL", in: database) == 0)
        // The live schedulers never tried to fire an item another live one held: a claim that fails
        // (skipped) or a deal changed under it (conflict) would show it. Together they fired what the
        // killed one had not committed, its leased items included once their lease ran out.
        var fired = 0
        for output in outputs.dropFirst() {
            let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
            for line in lines {
                let batch = try JSONValue.parse(String(line))
                fired += Int(batch["reminders"]?.text ?? "") ?? 0
                #expect(batch["skipped"]?.text == "0", "a live scheduler lost a claim: \(line)")
                #expect(batch["conflicts"]?.text == "0", "\(line)")
            }
        }
        #expect(fired >= total - atKill && fired < total, "the survivors fired \(fired) of \(total)")
    }
}
