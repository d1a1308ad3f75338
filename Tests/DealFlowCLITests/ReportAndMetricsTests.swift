import DealFlowCore
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

#if canImport(Glibc)
import Glibc
#endif

@Suite("dealflow report and metrics", .serialized)
struct ReportAndMetricsTests {
    /// Three reminder deals imported at 10:00 (tasks due 11:00), reminded at 11:00:30; r0 then finished.
    static func sandbox() throws -> Sandbox {
        let sandbox = try SchedulerCommandTests.sandboxWithReminders(3)
        #expect(try sandbox.run("scheduler", "run", "--once", now: "2026-11-23T11:00:30Z").status == 0)
        #expect(try sandbox.run("deal", "fire", "r0", "finish", now: "2026-11-23T11:30:00Z").status == 0)
        return sandbox
    }

    /// Every family that has samples has its `# HELP` and `# TYPE` lines, as promtool requires.
    static func expectDocumented(_ exposition: String) {
        let lines = exposition.split(separator: "\n").map(String.init)
        for line in lines where line.hasPrefix("# TYPE ") {
            let family = line.split(separator: " ")[2]
            #expect(lines.contains { $0.hasPrefix("# HELP \(family) ") }, "no HELP for \(family)")
        }
    }

    /// Rows and versions of every table a command could write: equal before and after means it wrote
    /// nothing (the file's bytes may move when SQLite checkpoints its log on close).
    static func fingerprint(_ database: String) throws -> [Int] {
        try [
            "SELECT count(*) FROM deals", "SELECT coalesce(sum(version), 0) FROM deals",
            "SELECT count(*) FROM deal_history",
            "SELECT count(*) FROM deal_audit", "SELECT count(*) FROM tasks", "SELECT count(*) FROM timers",
            "SELECT count(*) FROM outbox", "SELECT count(*) FROM task_log", "SELECT count(*) FROM workflow_versions",
        ].map { try SchedulerCommandTests.count($0, in: database) }
    }

    @Test func metricsPrintsTheStoresCountersAndGaugesAndWritesNothing() throws {
        let sandbox = try Self.sandbox()
        let before = try Self.fingerprint(sandbox.database)
        let result = try sandbox.run("metrics", now: "2026-11-23T12:00:00Z")
        #expect(result.status == 0, "\(result.errors)")
        let lines = Set(result.output.split(separator: "\n").map(String.init))
        for expected in [
            #"dealflow_transitions_total{workflow="remind",transition="finish",from="todo",to="done"} 1"#,
            #"dealflow_tasks_scheduled_total{workflow="remind",kind="call"} 3"#,
            #"dealflow_reminders_fired_total{workflow="remind",kind="reminder"} 3"#,
            #"dealflow_open_deals{workflow="remind",stage="todo"} 2.0"#,
            #"dealflow_open_deals{workflow="remind",stage="done"} 1.0"#,
            // r0's task was cancelled when it finished; the other two are past due.
            #"dealflow_open_tasks{workflow="remind"} 2.0"#,
            #"dealflow_overdue_tasks{workflow="remind"} 2.0"#,
        ] {
            #expect(lines.contains(expected), "missing \(expected) in\n\(result.output)")
        }
        Self.expectDocumented(result.output)
        #expect(!result.output.contains("r0") && !result.output.contains("ana"), "a label names a deal or a person")
        #expect(try Self.fingerprint(sandbox.database) == before)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") {
            let file = try sandbox.write("metrics.prom", result.output)
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/bin/sh")
            check.arguments = ["-c", "/usr/bin/promtool check metrics < '\(file)'"]
            try check.run()
            check.waitUntilExit()
            #expect(check.terminationStatus == 0, "promtool check metrics failed")
        }
        let unknown = try sandbox.run("metrics", "--workflow", "nope")
        #expect(unknown.status == 1)
        #expect(unknown.errors == "error: no workflow 'nope' is applied; apply it with: dealflow workflow apply FILE\n")
    }

    @Test func aRunningSchedulerServesMetrics() async throws {
        let sandbox = try Self.sandbox()
        let port = 20_000 + Int(getpid() % 20_000)
        let output = try sandbox.write("scheduler.out", "")
        let scheduler = try RunningCommandTests.start(
            ["scheduler", "run", "--metrics-port", String(port)],
            in: sandbox,
            output: output
        )
        defer { if scheduler.isRunning { kill(scheduler.processIdentifier, SIGKILL) } }
        var body = ""
        for _ in 0..<100 {
            if let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            {
                body = String(decoding: data, as: UTF8.self)
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(body.contains(#"dealflow_reminders_fired_total{workflow="remind",kind="reminder"} 3"#), "\(body)")
        #expect(body.contains("# TYPE dealflow_command_duration_seconds histogram"))
        Self.expectDocumented(body)
        #expect(try Self.secondsUntilASilentClientIsClosed(port: port) < 10)
        kill(scheduler.processIdentifier, SIGTERM)
        scheduler.waitUntilExit()
        #expect(scheduler.terminationReason == .exit && scheduler.terminationStatus == 0)
    }

    /// Connects to 127.0.0.1:`port`, sends nothing, and waits (20 s at most) for the server to close
    /// the connection; how long that took, or `.infinity` if it never did.
    static func secondsUntilASilentClientIsClosed(port: Int) throws -> Double {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var wait = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let started = ContinuousClock.now
        var byte: UInt8 = 0
        guard recv(descriptor, &byte, 1, 0) == 0 else { return .infinity }
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test func aTakenMetricsPortIsRefusedBeforeTheSchedulerStarts() throws {
        let sandbox = try Self.sandbox()
        let occupant = try HTTPTestServer()
        defer { occupant.stop() }
        let result = try sandbox.run("scheduler", "run", "--metrics-port", String(occupant.port))
        #expect(result.status == 1)
        #expect(result.errors.contains("cannot serve metrics on 127.0.0.1:\(occupant.port): address already in use"))
        #expect(!result.errors.contains("scheduler running"))
    }

    @Test func reportsPrintTablesJSONAndCSV() throws {
        let sandbox = try Self.sandbox()
        let funnel = try sandbox.run("report", "funnel", "--from", "2026-11-23", "--to", "2026-11-24")
        #expect(funnel.status == 0, "\(funnel.errors)")
        #expect(
            funnel.output == """
                Funnel of the 3 deals created in the period
                STAGE  REACHED  OF COHORT  FROM PREVIOUS
                todo   3        100.0%     100.0%
                done   1        33.3%      33.3%

                Still open
                STAGE  DEALS
                todo   2
                done   1

                """
        )
        let json = try JSONValue.parse(try sandbox.run("report", "funnel", "--json").output)
        #expect(json["cohort"] == .int(3))
        let csv = try sandbox.run("report", "funnel", "--format", "csv")
        #expect(
            csv.output
                == "stage,reached,of_cohort,from_previous\ntodo,3,1.0,1.0\ndone,1,0.3333333333333333,0.3333333333333333\n"
        )
        let tasks = try sandbox.run("report", "tasks", "--format", "json", now: "2026-11-23T12:00:00Z")
        #expect(
            try JSONValue.parse(tasks.output)["assignees"]?.rendered(compact: true).contains(#""overdue":2"#) == true
        )
    }

    @Test func badReportRequestsAreRefusedWithTheBadValue() throws {
        let sandbox = try Self.sandbox()
        let kind = try sandbox.run("report", "funel")
        #expect(kind.status == 64)
        #expect(
            kind.errors.contains(
                "'funel' is not a report; choose one of funnel, conversion, winrate, cycle, stages, velocity, forecast, stale, tasks, or html"
            )
        )
        let date = try sandbox.run("report", "winrate", "--from", "2026-02-30")
        #expect(date.status == 64)
        #expect(date.errors.contains("'2026-02-30' is not a date for --from; write YYYY-MM-DD"))
        let order = try sandbox.run("report", "winrate", "--from", "2026-03-01", "--to", "2026-03-01")
        #expect(order.errors.contains("--from 2026-03-01 is not before --to 2026-03-01"))
        let html = try sandbox.run("report", "html")
        #expect(html.errors.contains("report html needs --out FILE"))
        let unwritable = try sandbox.run("report", "html", "--out", "/nonexistent/report.html")
        #expect(unwritable.status == 1)
        #expect(
            unwritable.errors
                == "error: cannot write '/nonexistent/report.html': check that the folder '/nonexistent' exists and is writable\n"
        )
        let format = try sandbox.run("report", "cycle", "--format", "xml")
        #expect(format.errors.contains("'xml' is not a format for --format; use table, json or csv"))
        let workflow = try sandbox.run("report", "cycle", "--workflow", "nope")
        #expect(workflow.status == 1)
        #expect(
            workflow.errors == "error: no workflow 'nope' is applied; apply it with: dealflow workflow apply FILE\n"
        )
        _ = try sandbox.run("workflow", "apply", "workflows/b2b-sales.yaml")
        let several = try sandbox.run("report", "cycle")
        #expect(several.status == 1)
        #expect(
            several.errors == "error: the database has 2 workflows (b2b-sales, remind); choose one with --workflow\n"
        )
    }

    @Test func theHTMLReportIsOneSelfContainedPage() throws {
        let sandbox = try Self.sandbox()
        let file = sandbox.directory.appendingPathComponent("report.html").path
        let result = try sandbox.run("report", "html", "--out", file)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output == "wrote \(file)\n")
        let html = try String(contentsOfFile: file, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg") && html.contains("<h2>Funnel</h2>") && html.contains("<h2>Forecast</h2>"))
        // Nothing to fetch: no script, no stylesheet or image by address.
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"))
    }
}
