import CoreMetrics
import DealFlowEngine
import Foundation
import Prometheus

/// Every metric family DealFlow exposes, with its help text.
///
/// swift-prometheus writes a `# HELP` line only for a family created with help text, and stops the
/// process if one family is created with two different texts; so every family is made through this
/// catalogue, and `promtool check metrics` finds each one documented.
enum MetricCatalog {
    static let families: [String: String] = [
        EngineMetrics.Name.transitions: "Transitions fired, by workflow, transition and stages.",
        EngineMetrics.Name.blocked: "Attempts to fire a transition that were blocked, once per kind of blocker met.",
        EngineMetrics.Name.roleDenied: "Attempts refused because the actor's role may not fire the transition.",
        EngineMetrics.Name.tasksScheduled: "Follow-up tasks created, by workflow and task kind.",
        EngineMetrics.Name.remindersFired: "Task reminders and escalations the scheduler fired.",
        EngineMetrics.Name.reminderLateness: "Seconds between a reminder's due time and its firing, in this process.",
        EngineMetrics.Name.schedulerClaims: "Due items this scheduler process claimed and performed.",
        EngineMetrics.Name.leaseRescues:
            "Due items this scheduler process took over from another whose lease had run out (PostgreSQL).",
        EngineMetrics.Name.commandDuration:
            "Seconds an engine command (create, update, fire, import) or a scheduler batch took, in this process.",
        Gauge.openDeals: "Deals without an outcome, by workflow and stage.",
        Gauge.openAmount: "The amount of the open deals, by workflow, stage and currency.",
        Gauge.weightedPipeline: "Sum of amount times stage probability over the open deals, by workflow and currency.",
        Gauge.staleDeals: "Open deals idle longer than their stage's rot_after, by workflow and stage.",
        Gauge.openTasks: "Open follow-up tasks, by workflow.",
        Gauge.overdueTasks: "Open follow-up tasks past their due time, by workflow.",
        Gauge.oldestDue: "Seconds the oldest due reminder, escalation or timer has waited for a scheduler; 0 if none.",
    ]

    /// The gauges `dealflow metrics` computes from the store.
    enum Gauge {
        static let openDeals = "dealflow_open_deals"
        static let openAmount = "dealflow_open_amount"
        static let weightedPipeline = "dealflow_weighted_pipeline"
        static let staleDeals = "dealflow_stale_deals"
        static let openTasks = "dealflow_open_tasks"
        static let overdueTasks = "dealflow_overdue_tasks"
        static let oldestDue = "dealflow_oldest_due_seconds"
    }

    /// The families a scheduler process measures itself; the others come from the store.
    static let processFamilies: Set<String> = [
        EngineMetrics.Name.reminderLateness, EngineMetrics.Name.schedulerClaims, EngineMetrics.Name.commandDuration,
        EngineMetrics.Name.leaseRescues,
    ]

    /// Lateness and command durations: from a millisecond to an hour.
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
        .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(60), .seconds(300), .seconds(3600),
    ]

    static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: families[name] ?? name)
    }
}

/// A swift-metrics factory over a Prometheus registry that creates each family with the catalogue's
/// help text, and drops the families it is not asked to keep (a scheduler process keeps only its own
/// measurements: the counters of record come from the store).
final class CatalogedPrometheusFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let keeping: Set<String>?

    init(registry: PrometheusCollectorRegistry, keeping: Set<String>? = nil) {
        self.registry = registry
        self.keeping = keeping
    }

    private func kept(_ label: String) -> Bool { keeping?.contains(label) ?? true }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard kept(label) else { return NOOPMetricsHandler.instance }
        return registry.makeCounter(descriptor: MetricCatalog.descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        NOOPMetricsHandler.instance
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard kept(label) else { return NOOPMetricsHandler.instance }
        return registry.makeGauge(descriptor: MetricCatalog.descriptor(label), labels: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        guard kept(label) else { return NOOPMetricsHandler.instance }
        return registry.makeGauge(descriptor: MetricCatalog.descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard kept(label) else { return NOOPMetricsHandler.instance }
        return registry.makeDurationHistogram(
            descriptor: MetricCatalog.descriptor(label),
            labels: dimensions,
            buckets: MetricCatalog.durationBuckets
        )
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
