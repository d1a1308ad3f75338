import DealFlowCore
import Foundation
import GRDB
import Testing

/// One stage whose entry creates a task due an hour later: a reminder per deal.
let reminderWorkflow = """
    workflow: remind
    timezone: UTC
    fields:
      name: { type: string }
    stages:
      todo:
        initial: true
        on_enter:
          - task: { title: "Call {{name}}", due: 1 hour, kind: call }
      done:
    transitions:
      finish: { from: todo, to: done }
      reopen: { from: done, to: todo }
    """

@Suite("dealflow scheduler, tasks, events and deliver", .serialized)
struct SchedulerCommandTests {
    /// A sandbox with the reminder workflow and `count` deals imported at 10:00, their tasks due at 11:00.
    static func sandboxWithReminders(_ count: Int) throws -> Sandbox {
        let sandbox = try Sandbox()
        let workflow = try sandbox.write("remind.yaml", reminderWorkflow)
        #expect(try sandbox.run("workflow", "apply", workflow).status == 0)
        var csv = "workflow,id,owner,stage_path,name\n"
        for index in 0..<count { csv += "remind,r\(index),ana,todo@2026-11-23T10:00Z,r\(index)\n" }
        let file = try sandbox.write("deals.csv", csv)
        let imported = try sandbox.run("import", file)
        #expect(imported.status == 0, "\(imported.errors)")
        return sandbox
    }

    static func count(_ sql: String, in database: String) throws -> Int {
        try DurabilityTests.count(sql, in: database)
    }

    @Test func onceFiresWhatIsDueAndNothingTwice() throws {
        let sandbox = try Self.sandboxWithReminders(3)
        let early = try sandbox.run("scheduler", "run", "--once", now: "2026-11-23T10:59:00Z")
        #expect(early.output == "2026-11-23T10:59:00Z fired 0\n")
        let due = try sandbox.run("scheduler", "run", "--once", "--json", now: "2026-11-23T11:00:30Z")
        let report = try JSONValue.parse(due.output)
        #expect(report["reminders"]?.text == "3")
        #expect(report["max_lateness_seconds"]?.text == "30.000")
        let again = try sandbox.run("scheduler", "run", "--once", now: "2026-11-23T12:00:00Z")
        #expect(again.output == "2026-11-23T12:00:00Z fired 0\n")
        // The events, as scripts read them.
        let events = try JSONValue.parse(try sandbox.run("events", "--type", "task.reminder", "--json").output)
        guard case .array(let items) = events else {
            Issue.record("not an array: \(events.rendered())")
            return
        }
        #expect(items.count == 3)
        guard case .object(let first) = items[0], case .object(let data)? = items[0]["data"] else { return }
        #expect(first.map(\.0) == ["id", "type", "deal", "workflow", "at", "data"])
        #expect(items[0]["at"]?.text == "2026-11-23T11:00:30Z")
        #expect(
            data.map(\.0).prefix(10) == [
                "id", "deal", "workflow", "title", "kind", "assignee", "due_at", "status", "stage", "created_at",
            ]
        )
        #expect(Set(items.compactMap { $0["data"]?["title"]?.text }) == ["Call r0", "Call r1", "Call r2"])
        #expect(items[0]["data"]?["late_seconds"]?.text == "30")
        // --after and --limit page through them.
        let firstID = items[0]["id"]?.text ?? ""
        let page = try JSONValue.parse(try sandbox.run("events", "--after", firstID, "--limit", "1", "--json").output)
        guard case .array(let paged) = page else { return }
        #expect(paged.map { $0["id"]?.text } == [String((Int(firstID) ?? 0) + 1)])
        let text = try sandbox.run("events", "--type", "task.reminder")
        #expect(text.output.contains("ana: Call r0 (30 s late)"))
    }

    @Test func tasksAreListedClosedAndSnoozedFromTheCommandLine() throws {
        let sandbox = try Self.sandboxWithReminders(2)
        let listed = try JSONValue.parse(try sandbox.run("tasks", "list", "--owner", "ana", "--json").output)
        guard case .array(let tasks) = listed, tasks.count == 2, case .object(let task) = tasks[0] else {
            Issue.record("unexpected tasks: \(listed.rendered())")
            return
        }
        #expect(
            task.map(\.0) == [
                "id", "deal", "workflow", "title", "kind", "assignee", "due_at", "status", "stage", "created_at",
            ]
        )
        let first = tasks[0]["id"]?.text ?? ""
        let second = tasks[1]["id"]?.text ?? ""
        #expect(try sandbox.run("tasks", "done", first).status == 0)
        // Snoozed before it is due: two hours after its due time.
        let snoozed = try sandbox.run("tasks", "snooze", second, "2 hours", "--json", now: "2026-11-23T10:30:00Z")
        #expect(try JSONValue.parse(snoozed.output)["due_at"]?.text == "2026-11-23T13:00:00Z")
        #expect(try sandbox.run("tasks", "list", "--status", "done").output.contains(first))
        #expect(try sandbox.run("tasks", "list", "--due-before", "2026-11-23T12:00:00Z").output == "no open tasks\n")
        // At 12:00 nothing reminds: one is done, the other snoozed to 13:00.
        #expect(try sandbox.run("scheduler", "run", "--once", now: "2026-11-23T12:00:00Z").output.contains("fired 0"))
        #expect(
            try sandbox.run("scheduler", "run", "--once", now: "2026-11-23T13:00:00Z").output.contains("1 reminder")
        )
        // Bad input names what is wrong and changes nothing.
        let unknown = try sandbox.run("tasks", "done", "task-nope")
        #expect(unknown.status == 1)
        #expect(unknown.errors == "error: no task 'task-nope'; list them with: dealflow tasks list\n")
        let again = try sandbox.run("tasks", "done", first)
        #expect(again.status == 1)
        #expect(again.errors.contains("is done, not open, so it cannot be marked done"))
        let badDuration = try sandbox.run("tasks", "snooze", second, "2 fortnights")
        #expect(badDuration.status == 64)
        #expect(badDuration.errors.contains("'2 fortnights' is not a duration"))
        let badStatus = try sandbox.run("tasks", "list", "--status", "closed")
        #expect(badStatus.status == 64)
        #expect(badStatus.errors.contains("'closed' is not a task status; use open, done, cancelled or all"))
    }

    @Test func deliverToACommandKeepsItsPlaceAndDeadLettersFailures() throws {
        let sandbox = try Self.sandboxWithReminders(2)
        _ = try sandbox.run("scheduler", "run", "--once", now: "2026-11-23T11:00:00Z")
        let total = try Self.count("SELECT COUNT(*) FROM outbox", in: sandbox.database)
        let delivered = sandbox.directory.appendingPathComponent("delivered.jsonl").path
        // Reminders fail: two attempts each, then the dead-letter list.
        let picky =
            "read line; case \"$line\" in *task.reminder*) echo 'no reminders here' >&2; exit 3;; esac; "
            + "echo \"$line\" >> '\(delivered)'"
        let first = try sandbox.run(
            "deliver",
            "--exec",
            picky,
            "--consumer",
            "crm",
            "--once",
            "--max-attempts",
            "2",
            "--backoff",
            "0.01"
        )
        #expect(first.status == 0)
        #expect(first.output == "delivered \(total - 2) events, 2 events moved to the failed list\n")
        #expect(first.errors.contains("failed: '\(picky)' exited with status 3: no reminders here"))
        let lines = try String(contentsOfFile: delivered, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == total - 2)
        #expect(
            lines.compactMap { try? JSONValue.parse(String($0))["type"]?.text } == ["deal.created", "deal.created"]
        )
        // Nothing new: nothing sent again.
        let second = try sandbox.run("deliver", "--exec", picky, "--consumer", "crm", "--once")
        #expect(second.output == "delivered 0 events, 0 events moved to the failed list\n")
        let failed = try sandbox.run("deliver", "--failed", "--consumer", "crm", "--json")
        guard case .array(let letters) = try JSONValue.parse(failed.output) else { return }
        #expect(letters.count == 2)
        #expect(letters.first?["attempts"]?.text == "2")
        #expect(letters.first?["event"]?["type"]?.text == "task.reminder")
        // Another consumer has its own place.
        let other = try sandbox.run("deliver", "--exec", "cat > /dev/null", "--consumer", "audit", "--once")
        #expect(other.output == "delivered \(total) events, 0 events moved to the failed list\n")
        // Retried with a command that takes them: delivered, and the list is empty.
        let retried = try sandbox.run(
            "deliver",
            "--exec",
            "cat >> '\(delivered)'",
            "--consumer",
            "crm",
            "--retry-failed"
        )
        #expect(retried.output == "delivered 2 events, 0 still failing\n")
        #expect(
            try sandbox.run("deliver", "--failed", "--consumer", "crm").output
                == "no failed events for consumer 'crm'\n"
        )
        // Bad input.
        let neither = try sandbox.run("deliver", "--once")
        #expect(neither.status == 64 && neither.errors.contains("say where events go: --exec COMMAND or --webhook URL"))
        let badURL = try sandbox.run("deliver", "--webhook", "ftp://example.com", "--once")
        #expect(
            badURL.status == 64
                && badURL.errors.contains("'ftp://example.com' is not an http or https URL for --webhook")
        )
    }

    @Test func deliverToAWebhookRetriesUntilAcknowledged() throws {
        let sandbox = try Self.sandboxWithReminders(2)
        _ = try sandbox.run("scheduler", "run", "--once", now: "2026-11-23T11:00:00Z")
        let total = try Self.count("SELECT COUNT(*) FROM outbox", in: sandbox.database)
        // Every other request fails with HTTP 503: each event needs a second attempt.
        let server = try HTTPTestServer { request in request % 2 == 1 ? 503 : 204 }
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/hooks/dealflow"
        let result = try sandbox.run("deliver", "--webhook", url, "--consumer", "hook", "--once", "--backoff", "0.01")
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output == "delivered \(total) events, 0 events moved to the failed list\n")
        let bodies = server.bodies
        #expect(bodies.count == total)
        let ids = bodies.compactMap { try? JSONValue.parse($0)["id"]?.text }.compactMap { Int($0) }
        #expect(ids == Array(1...total))
        #expect(
            bodies.compactMap { try? JSONValue.parse($0)["type"]?.text }.suffix(2) == [
                "task.reminder", "task.reminder",
            ]
        )
        // Down for good: the events go to the dead-letter list after their attempts.
        server.stop()
        _ = try sandbox.run("deal", "create", "--workflow", "remind", "--id", "late")
        let down = try sandbox.run(
            "deliver",
            "--webhook",
            url,
            "--consumer",
            "hook",
            "--once",
            "--max-attempts",
            "2",
            "--backoff",
            "0.01"
        )
        #expect(down.output == "delivered 0 events, 1 event moved to the failed list\n")
        #expect(down.errors.contains("POST \(url) failed"))
    }
}

/// The scheduler's process tests share the durability suite's serialization: each starts and kills
/// processes, and running them beside each other would starve the timing they depend on.
extension DurabilityTests {
    /// Reminders due, the scheduler killed with SIGKILL at random moments and started again until it
    /// finishes: every reminder has exactly one event and its task is marked reminded.
    @Test func aKilledSchedulerFiresEveryReminderExactlyOnce() throws {
        let reminders = Int(ProcessInfo.processInfo.environment["DEALFLOW_CRASH_REMINDERS"] ?? "") ?? 10_000
        let sandbox = try SchedulerCommandTests.sandboxWithReminders(reminders)
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var finished = false
        for _ in 0..<200 where !finished {
            let process = try DurabilityTests.start(
                ["scheduler", "run", "--once", "--batch-size", "250"],
                database: sandbox.database,
                now: "2026-11-23T12:00:00Z"
            )
            usleep(UInt32.random(in: 50_000...400_000, using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            finished = process.terminationReason == .exit && process.terminationStatus == 0
            #expect(try DurabilityTests.integrity(of: sandbox.database) == "ok")
        }
        #expect(finished)
        #expect(kills > 0, "the scheduler always finished before its kill; use more reminders")
        let database = sandbox.database
        #expect(
            try SchedulerCommandTests.count("SELECT COUNT(*) FROM outbox WHERE type = 'task.reminder'", in: database)
                == reminders
        )
        #expect(
            try SchedulerCommandTests.count(
                "SELECT COUNT(DISTINCT json_extract(data, '$.id')) FROM outbox WHERE type = 'task.reminder'",
                in: database
            ) == reminders
        )
        #expect(
            try SchedulerCommandTests.count("SELECT COUNT(*) FROM tasks WHERE reminded_at IS NOT NULL", in: database)
                == reminders
        )
        #expect(try DurabilityTests.integrity(of: database) == "ok")
    }

    /// A scheduler daemon on the real clock while another process fires transitions on the same file.
    @Test func aRunningSchedulerAndARepShareTheFile() throws {
        let sandbox = try Sandbox()
        let workflow = try sandbox.write(
            "remind.yaml",
            reminderWorkflow.replacingOccurrences(of: "due: 1 hour, ", with: "")
        )
        let environment = ["DEALFLOW_DB": sandbox.database, "DEALFLOW_ACTOR": "ana", "DEALFLOW_ROLE": "rep"]
        #expect(try CLI.run(["workflow", "apply", workflow], environment: environment).status == 0)
        for index in 0..<4 {
            let created = try CLI.run(
                ["deal", "create", "--workflow", "remind", "--id", "p\(index)"],
                environment: environment
            )
            #expect(created.status == 0)
        }
        let daemon = Process()
        daemon.executableURL = CLI.binary
        daemon.arguments = ["scheduler", "run"]
        daemon.environment = CLI.baseEnvironment.merging(environment) { $1 }
        let output = try sandbox.write("daemon.out", "")
        daemon.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        var fired = 0
        var failures: [String] = []
        for round in 0..<10 {
            for index in 0..<4 {
                let result = try CLI.run(
                    ["deal", "fire", "p\(index)", round % 2 == 0 ? "finish" : "reopen"],
                    environment: environment
                )
                if result.status == 0 { fired += 1 } else { failures.append(result.errors) }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(fired == 40)
        // The last reopen created tasks due at once: the daemon notices and reminds them.
        var waited = 0
        while try SchedulerCommandTests.count(
            "SELECT COUNT(*) FROM tasks WHERE status = 'open' AND reminded_at IS NULL",
            in: sandbox.database
        )
            > 0 && waited < 100
        {
            usleep(100_000)
            waited += 1
        }
        #expect(waited < 100, "the daemon did not remind the new tasks within 10 s")
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 0)
        let database = sandbox.database
        #expect(
            try SchedulerCommandTests.count(
                "SELECT COUNT(*) FROM deal_history WHERE kind = 'transitioned'",
                in: database
            ) == 40
        )
        #expect(try SchedulerCommandTests.count("SELECT SUM(version) FROM deals", in: database) == 44)
        #expect(
            try SchedulerCommandTests.count("SELECT COUNT(*) FROM tasks WHERE reminded_at IS NOT NULL", in: database)
                == (try SchedulerCommandTests.count(
                    "SELECT COUNT(*) FROM outbox WHERE type = 'task.reminder'",
                    in: database
                ))
        )
        #expect(try String(contentsOfFile: output, encoding: .utf8).contains("reminder"))
        #expect(try DurabilityTests.integrity(of: database) == "ok")
    }
}

/// The long-running commands: started, fed, and stopped as a user would with Ctrl-C.
@Suite("dealflow events --follow and deliver, running", .serialized)
struct RunningCommandTests {
    /// Starts `dealflow` in the sandbox with its standard output going to a file.
    static func start(_ arguments: [String], in sandbox: Sandbox, output: String) throws -> Process {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.environment = CLI.baseEnvironment.merging([
            "DEALFLOW_DB": sandbox.database, "DEALFLOW_NOW": "2026-11-23T14:00:00Z", "DEALFLOW_ACTOR": "ana",
            "DEALFLOW_ROLE": "rep",
        ]) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The lines of a file once it has at least `count` of them, waiting up to ten seconds.
    static func lines(of path: String, atLeast count: Int) throws -> [String] {
        for _ in 0..<100 {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
            if lines.count >= count { return lines }
            usleep(100_000)
        }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func eventsFollowStreamsNewEventsAsJSONLines() throws {
        let sandbox = try SchedulerCommandTests.sandboxWithReminders(2)
        let output = try sandbox.write("follow.jsonl", "")
        let follower = try Self.start(["events", "--follow"], in: sandbox, output: output)
        defer { if follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }
        #expect(try Self.lines(of: output, atLeast: 2).count == 2)  // the two deals imported
        #expect(try sandbox.run("deal", "create", "--workflow", "remind", "--id", "new").status == 0)
        let lines = try Self.lines(of: output, atLeast: 3)
        let events = lines.compactMap { try? JSONValue.parse($0) }
        #expect(events.map { $0["id"]?.text } == ["1", "2", "3"])
        #expect(events.last?["deal"]?.text == "new")
        #expect(events.last?["type"]?.text == "deal.created")
        kill(follower.processIdentifier, SIGINT)
        follower.waitUntilExit()
    }

    @Test func deliverKeepsDeliveringUntilInterrupted() throws {
        let sandbox = try SchedulerCommandTests.sandboxWithReminders(1)
        let delivered = sandbox.directory.appendingPathComponent("delivered.jsonl").path
        FileManager.default.createFile(atPath: delivered, contents: nil)
        let output = try sandbox.write("deliver.out", "")
        let delivery = try Self.start(
            ["deliver", "--exec", "cat >> '\(delivered)'", "--consumer", "live"],
            in: sandbox,
            output: output
        )
        defer { if delivery.isRunning { kill(delivery.processIdentifier, SIGKILL) } }
        #expect(try Self.lines(of: delivered, atLeast: 1).count == 1)
        #expect(try sandbox.run("scheduler", "run", "--once", now: "2026-11-23T11:00:00Z").status == 0)
        let lines = try Self.lines(of: delivered, atLeast: 2)
        #expect(lines.compactMap { try? JSONValue.parse($0)["type"]?.text } == ["deal.created", "task.reminder"])
        kill(delivery.processIdentifier, SIGINT)
        delivery.waitUntilExit()
        #expect(delivery.terminationReason == .exit && delivery.terminationStatus == 0)
        // Its place is kept: a later run sends nothing again.
        let again = try sandbox.run("deliver", "--exec", "cat >> '\(delivered)'", "--consumer", "live", "--once")
        #expect(again.output == "delivered 0 events, 0 events moved to the failed list\n")
    }

    @Test func dealShowListsOpenTasksAndPendingTimersWithTheirDueTimes() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.run("workflow", "apply", "workflows/b2b-sales.yaml")
        _ = try sandbox.run("deal", "create", "--workflow", "b2b-sales", "--id", "d", "--set", "company=Acme")
        let text = try sandbox.run("deal", "show", "d").output
        #expect(text.contains("2026-11-24 09:00 -05:00  call  ana       First contact with Acme"))
        #expect(
            text.contains(
                "pending timers:\n  DUE                      DOES\n  2026-12-23 09:00 -05:00  fire go_stale\n"
            )
        )
        let json = try JSONValue.parse(try sandbox.run("deal", "show", "d", "--json").output)
        #expect(json["tasks"]?.rendered(compact: true).contains("\"due_at\":\"2026-11-24T14:00:00Z\"") == true)
        #expect(json["timers"]?.rendered(compact: true).contains("\"due_at\":\"2026-12-23T14:00:00Z\"") == true)
        let limited = try JSONValue.parse(try sandbox.run("tasks", "list", "--limit", "1", "--json").output)
        guard case .array(let tasks) = limited else { return }
        #expect(tasks.count == 1)
    }
}
