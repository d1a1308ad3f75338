import ArgumentParser
import DealFlowAnalytics
import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation
import Prometheus

/// `dealflow metrics`: what the store knows, in the Prometheus text exposition format.
struct Metrics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the Prometheus metrics of the database (for node_exporter's textfile collector).",
        discussion: """
            Counters come from the history, the audit table, the tasks and the outbox, so they count what \
            every process did since the database was made: transitions, blocked and refused attempts, \
            tasks scheduled, reminders fired. Gauges are computed now: open deals and open amount per \
            stage, the weighted pipeline, stale deals per stage, open and overdue tasks. Reads only.

            To publish them: dealflow metrics > /var/lib/node_exporter/dealflow.prom.$$ && mv \
            /var/lib/node_exporter/dealflow.prom.$$ /var/lib/node_exporter/dealflow.prom
            """
    )

    @Option(help: "Only this workflow (default: every workflow).")
    var workflow: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try global.resolved()
        try await Output.run(settings) {
            let store = try await settings.store()
            let registry = PrometheusCollectorRegistry()
            try await StoreMetrics.record(
                into: registry,
                store: store,
                workflowID: workflow,
                now: settings.clock.now()
            )
            Output.print(StoreMetrics.sorted(registry.emitToString()))
        }
    }
}

/// The store's counters of record and its gauges of the moment, written into a Prometheus registry.
enum StoreMetrics {
    /// The exposition with its families in name order and each family's series sorted, so that two
    /// runs on the same database print the same text (the registry writes them in hash order).
    /// For counters and gauges only: a histogram's buckets must stay in their order.
    static func sorted(_ exposition: String) -> String {
        var families: [(name: String, header: [Substring], samples: [Substring])] = []
        for line in exposition.split(separator: "\n") {
            if line.hasPrefix("# HELP ") || families.isEmpty {
                let name = line.split(separator: " ").dropFirst(2).first.map(String.init) ?? ""
                families.append((name, [line], []))
            } else if line.hasPrefix("#") {
                families[families.count - 1].header.append(line)
            } else {
                families[families.count - 1].samples.append(line)
            }
        }
        return families.sorted { $0.name < $1.name }
            .map { ($0.header + $0.samples.sorted()).joined(separator: "\n") + "\n" }
            .joined()
    }

    /// A currency as a label value: an enum field's values are the file's, a bounded set; a free-text
    /// field's value is kept only when it looks like an ISO 4217 code, so that a typo or a sentence
    /// cannot become a series of its own.
    static func currencyLabel(for workflow: ValidatedWorkflow) -> @Sendable (String) -> String {
        let field = workflow.definition.fields.first { $0.name == workflow.dealFields.currency }
        if case .enumeration(let values)? = field?.type {
            let known = Set(values)
            return { known.contains($0) || $0.isEmpty ? $0 : "other" }
        }
        return { code in
            code.isEmpty || (code.count == 3 && code.allSatisfy { $0.isASCII && $0.isUppercase }) ? code : "other"
        }
    }

    static func record(
        into registry: PrometheusCollectorRegistry,
        store: any CommandStore,
        workflowID: String?,
        now: Date
    ) async throws {
        let engine = Engine(store: store, clock: FixedClock(now))
        let workflows: [ValidatedWorkflow]
        if let workflowID {
            workflows = [try await engine.workflow(id: workflowID)]
        } else {
            var latest: [ValidatedWorkflow] = []
            for id in try await engine.workflowIDs() {
                latest.append(try await engine.workflow(id: id))
            }
            workflows = latest
        }
        for count in try await store.recordedCounts(workflowID: workflowID) {
            registry.makeCounter(descriptor: MetricCatalog.descriptor(count.name), labels: count.labels)
                .increment(by: Int64(count.value))
        }
        typealias G = MetricCatalog.Gauge
        func gauge(_ name: String, _ labels: [(String, String)], _ value: Double) {
            registry.makeGauge(descriptor: MetricCatalog.descriptor(name), labels: labels).set(value)
        }
        for workflow in workflows {
            var gauges = try await store.scanDeals(
                workflow: workflow,
                owner: nil,
                into: PipelineGauges(
                    workflow: workflow,
                    earlierVersions: Array(try await engine.versions(ofWorkflow: workflow.id).dropLast()),
                    now: now
                )
            )
            gauges.add(try await store.taskFacts(workflowID: workflow.id, assignee: nil))
            let id = workflow.id
            // Amounts only for workflows that say which field holds one; currencies that share a
            // label (`other`) are added together.
            let hasAmounts = workflow.dealFields.amount != nil
            let currencyLabel = StoreMetrics.currencyLabel(for: workflow)
            func byLabel(_ totals: MoneyTotals) -> [(String, Double)] {
                var sums: [String: Double] = [:]
                for currency in totals.currencies {
                    sums[currencyLabel(currency), default: 0] += Double(totals[currency].description) ?? 0
                }
                return sums.sorted { $0.key < $1.key }
            }
            for stage in gauges.stages {
                guard let deals = gauges.openDeals[stage] else { continue }
                gauge(G.openDeals, [("workflow", id), ("stage", stage)], Double(deals))
                for (currency, amount) in byLabel(gauges.openAmount[stage] ?? MoneyTotals()) where hasAmounts {
                    gauge(G.openAmount, [("workflow", id), ("stage", stage), ("currency", currency)], amount)
                }
                gauge(G.staleDeals, [("workflow", id), ("stage", stage)], Double(gauges.staleDeals[stage] ?? 0))
            }
            for (currency, amount) in byLabel(gauges.weighted) where hasAmounts {
                gauge(G.weightedPipeline, [("workflow", id), ("currency", currency)], amount)
            }
            gauge(G.openTasks, [("workflow", id)], Double(gauges.openTasks))
            gauge(G.overdueTasks, [("workflow", id)], Double(gauges.overdueTasks))
        }
        // A scheduler that has stopped, or cannot keep up, shows here first.
        let oldest = try await store.oldestDueAt().map { max(0, now.timeIntervalSince($0)) } ?? 0
        gauge(G.oldestDue, [], oldest.rounded(.down))
    }
}
