import CoreMetrics
import DealFlowCore
import Foundation

/// The engine's and the scheduler's operational metrics, reported through a swift-metrics factory, so
/// that an embedding app's backend (Prometheus, StatsD, OpenTelemetry) receives them.
///
/// Labels name workflows, transitions, stages and kinds, never a deal, a person or an email, so that
/// the number of series stays bounded by the workflow files.
///
/// ```swift
/// let metrics = EngineMetrics(factory: PrometheusMetricsFactory(registry: registry))
/// let engine = Engine(store: store, clock: SystemClock(), metrics: metrics)
/// ```
public struct EngineMetrics: Sendable {
    /// The metric names, one place for the engine, the CLI and the docs.
    public enum Name {
        public static let transitions = "dealflow_transitions_total"
        public static let blocked = "dealflow_transition_blocked_total"
        public static let roleDenied = "dealflow_role_denied_total"
        public static let tasksScheduled = "dealflow_tasks_scheduled_total"
        public static let remindersFired = "dealflow_reminders_fired_total"
        public static let reminderLateness = "dealflow_reminder_lateness_seconds"
        public static let schedulerClaims = "dealflow_scheduler_claims_total"
        /// Due items a scheduler took over from another whose lease had run out (a shared store only).
        public static let leaseRescues = "dealflow_scheduler_lease_rescues_total"
        public static let commandDuration = "dealflow_command_duration_seconds"
    }

    /// Where the metrics go.
    public let factory: any MetricsFactory

    /// `false` for the no-op factory, so that an engine without metrics does not even build counters.
    private let isEnabled: Bool

    /// Metrics reported to a factory.
    public init(factory: any MetricsFactory) {
        self.factory = factory
        self.isEnabled = !(factory is NOOPMetricsHandler)
    }

    /// Metrics that go nowhere: the default, and what tests use unless they look.
    public static let none = EngineMetrics(factory: NOOPMetricsHandler.instance)

    private func count(_ name: String, _ dimensions: [(String, String)], by amount: Int = 1) {
        guard isEnabled else { return }
        Counter(label: name, dimensions: dimensions, factory: factory).increment(by: amount)
    }

    /// A committed change: its transitions and the tasks it scheduled.
    /// Due items taken over from a scheduler whose lease ran out: it died or stalled.
    public func rescued(_ items: Int) {
        if items > 0 { count(Name.leaseRescues, [], by: items) }
    }

    func committed(_ change: DealChange) {
        let workflow = change.deal.workflowID
        for entry in change.history where entry.kind == HistoryEntry.Kind.transitioned.rawValue {
            count(
                Name.transitions,
                [
                    ("workflow", workflow), ("transition", entry.transition ?? ""), ("from", entry.from ?? ""),
                    ("to", entry.to ?? ""),
                ]
            )
        }
        scheduled(change.tasks)
    }

    private func scheduled(_ tasks: [TaskRecord]) {
        for task in tasks { count(Name.tasksScheduled, [("workflow", task.workflowID), ("kind", task.kind)]) }
    }

    /// An attempt that changed nothing: blocked (once per kind of blocker) or refused for the role.
    func attempted(_ attempt: AuditEntry, workflow: String) {
        attempted(
            kind: attempt.kind,
            transition: attempt.transition,
            blockerKinds: attempt.blockers.map(\.kind.rawValue),
            workflow: workflow
        )
    }

    /// The same, for an attempt already stored as a record (a timer's blocked transition).
    func attempted(_ record: HistoryRecord, workflow: String) {
        var kinds: [String] = []
        if let text = record.blockers, case .array(let blockers) = try? JSONValue.parse(text) {
            kinds = blockers.compactMap { $0["kind"]?.text }
        }
        attempted(
            kind: AuditEntry.Kind(rawValue: record.kind) ?? .blocked,
            transition: record.transition ?? "",
            blockerKinds: kinds,
            workflow: workflow
        )
    }

    private func attempted(kind: AuditEntry.Kind, transition: String, blockerKinds: [String], workflow: String) {
        switch kind {
        case .refused:
            count(Name.roleDenied, [("workflow", workflow), ("transition", transition)])
        case .blocked:
            for blockerKind in Set(blockerKinds).sorted() {
                count(Name.blocked, [("workflow", workflow), ("transition", transition), ("kind", blockerKind)])
            }
        }
    }

    /// A due item the scheduler claimed and performed, `lateness` seconds after it fell due, with what
    /// it changed.
    func performed(_ firing: Firing, lateness: TimeInterval) {
        count(Name.schedulerClaims, [])
        if let change = firing.change { committed(change) }
        scheduled(firing.tasks)
        let item = firing.item
        switch item {
        case .reminder(let task):
            count(Name.remindersFired, [("workflow", task.workflowID), ("kind", "reminder")])
            guard isEnabled else { return }
            Timer(label: Name.reminderLateness, dimensions: [], factory: factory)
                .recordNanoseconds(Int64(max(0, lateness) * 1_000_000_000))
        case .escalation(let task):
            count(Name.remindersFired, [("workflow", task.workflowID), ("kind", "escalation")])
        case .timer(let timer):
            if let attempt = firing.attempt { attempted(attempt, workflow: timer.workflowID) }
        }
    }

    /// A command (`create`, `update`, `fire`, `import`, `scheduler_batch`) took the time since `start`.
    func finished(_ command: String, since start: ContinuousClock.Instant) {
        guard isEnabled else { return }
        let elapsed = ContinuousClock.now - start
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        Timer(label: Name.commandDuration, dimensions: [("command", command)], factory: factory)
            .recordNanoseconds(nanoseconds)
    }
}
