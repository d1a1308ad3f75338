import ArgumentParser
import DealFlowCore
import DealFlowEngine
import Foundation
import Prometheus

/// `dealflow scheduler`: fire what is due.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Fire due reminders, escalations and timers.",
        subcommands: [Run.self]
    )

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Fire what is due, then sleep until the next item (or with --once, exit).",
            discussion: """
                Task reminders (task.reminder events), escalations of tasks still open past their escalation \
                time (task.escalated), and timers: a timer's transition fires as the 'system' actor, with its \
                guards evaluated at that moment; a blocked one is recorded (audit entry and timer.blocked \
                event) and not retried. Each item is claimed and its effects written in one transaction: \
                every due item fires at least once and its effects are written exactly once, even when the \
                process is killed.

                Without --once the scheduler runs until SIGINT or SIGTERM, sleeping until the next item is \
                due and waking within a second (on PostgreSQL, within 50 ms) when another process schedules \
                something. A signal lets the batch in hand commit, then the process exits 0. With --now, \
                due-ness is decided at that instant instead of the clock (on PostgreSQL, the database's \
                clock, so that schedulers on several machines agree).
                """
        )

        @Flag(help: "Fire everything due now, in batches, and exit (for cron).")
        var once = false

        @Option(help: "Items claimed per transaction (default 500).")
        var batchSize = 500

        @Option(
            help: ArgumentHelp(
                "Serve Prometheus metrics at http://127.0.0.1:PORT/metrics: the store's, as 'dealflow metrics' prints them, plus this process's lateness and durations.",
                valueName: "port"
            )
        )
        var metricsPort: Int?

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1, not \(batchSize)") }
            if let metricsPort, !(1...65_535).contains(metricsPort) {
                throw ValidationError("--metrics-port must be a TCP port from 1 to 65535, not \(metricsPort)")
            }
            if metricsPort != nil, once {
                throw ValidationError("--metrics-port serves a running scheduler; drop --once")
            }
        }

        func run() async throws {
            let settings = try global.resolved()
            try await Output.run(settings) {
                let process = PrometheusCollectorRegistry()
                let metrics = EngineMetrics(
                    factory: CatalogedPrometheusFactory(registry: process, keeping: MetricCatalog.processFamilies)
                )
                let store = try await settings.store(metrics: metrics)
                let scheduler = Scheduler(
                    store: store,
                    clock: settings.clock,
                    batchSize: batchSize,
                    // On PostgreSQL, a commit anywhere is a notification counted in this process: looking
                    // at the count often costs nothing.
                    changePollInterval: settings.postgres == nil ? .seconds(1) : .milliseconds(50),
                    metrics: metrics,
                    usesStoreClock: !settings.clockIsGiven
                )
                if once {
                    let now =
                        settings.clockIsGiven
                        ? settings.clock.now() : try await store.sharedNow() ?? settings.clock.now()
                    let report: Scheduler.Report
                    do {
                        report = try await scheduler.fireDue(at: now)
                    } catch {
                        try? await store.releaseClaims()
                        throw error
                    }
                    try? await store.releaseClaims()
                    Output.print(settings.json ? report.json(at: now).rendered() : report.line(at: now) + "\n")
                    return
                }
                let json = settings.json
                let clock = settings.clock
                var endpoints: [MetricsEndpoint] = []
                if let metricsPort {
                    endpoints.append(
                        try await MetricsEndpoint.bind(port: UInt16(metricsPort)) {
                            let registry = PrometheusCollectorRegistry()
                            try await StoreMetrics.record(
                                into: registry,
                                store: store,
                                workflowID: nil,
                                now: clock.now()
                            )
                            return StoreMetrics.sorted(registry.emitToString()) + process.emitToString()
                        }
                    )
                }
                if !json {
                    let serving = metricsPort.map { ", metrics at http://127.0.0.1:\($0)/metrics" } ?? ""
                    Output.error(
                        "scheduler running on \(settings.databasePath)\(serving); stop it with Ctrl-C or SIGTERM\n"
                    )
                }
                try await Daemon.run(
                    body: {
                        try await scheduler.run(
                            onBatch: { report in
                                let now = clock.now()
                                Output.print(
                                    json
                                        ? report.json(at: now).rendered(compact: true) + "\n"
                                        : report.line(at: now) + "\n"
                                )
                            },
                            onError: { error, pause in
                                Output.error("error: \(error); trying again in \(pause) s\n")
                            }
                        )
                    },
                    stop: { scheduler.stop() },
                    beside: endpoints
                )
                if !json { Output.error("scheduler stopped\n") }
            }
        }
    }
}

extension Scheduler.Report {
    /// `2026-11-23T14:00:00Z fired 4: 2 reminders, 1 escalation, 1 transition; at most 3 s late`.
    func line(at now: Date) -> String {
        let parts = [
            (reminders, "reminder"), (escalations, "escalation"), (transitions, "transition"),
            (blocked, "blocked transition"), (tasksCreated, "repeating task"), (obsolete, "obsolete timer"),
            (failed, "unreadable timer"),
        ].filter { $0.0 > 0 }.map { Format.plural($0.0, $0.1) }
        var line = "\(DateTimeFormat.iso8601(now)) fired \(fired)"
        if !parts.isEmpty { line += ": " + parts.joined(separator: ", ") }
        if fired > 0 { line += "; at most \(Format.duration(maxLateness)) late" }
        if skipped > 0 { line += "; \(skipped) already fired elsewhere or closed" }
        if conflicts > 0 { line += "; \(conflicts) to retry (their deals changed)" }
        return line
    }

    /// The counts, for `--json`.
    func json(at now: Date) -> JSONValue {
        .object([
            ("at", .string(DateTimeFormat.iso8601(now))), ("fired", .int(fired)), ("reminders", .int(reminders)),
            ("escalations", .int(escalations)), ("transitions", .int(transitions)), ("blocked", .int(blocked)),
            ("tasks_created", .int(tasksCreated)), ("obsolete", .int(obsolete)), ("failed", .int(failed)),
            ("skipped", .int(skipped)),
            ("conflicts", .int(conflicts)), ("max_lateness_seconds", .number(String(format: "%.3f", maxLateness))),
        ])
    }
}
