import DealFlowCore
import Foundation

/// How a deal closed in a period: its latest entry into an outcome stage within the period, so that a
/// deal reopened and closed again counts once, by its latest outcome.
struct Closing {
    var outcome: Outcome
    /// Days from the deal's creation to its first entry into an outcome stage of the same kind (its
    /// first win, for a won deal).
    var cycleDays: Double

    /// With the period and the stages only, not the whole ``ReportContext``: a KPI's `add` passes them
    /// for each of 100,000 deals, and the context is a copy of many references.
    init?(_ deal: DealTimeline, period: ReportPeriod, stages: StageCatalog) {
        var latest: Outcome?
        for visit in deal.visits where period.contains(visit.enteredAt) {
            if let outcome = stages.outcome(of: visit.stage) { latest = outcome }
        }
        guard let latest,
            let first = deal.visits.first(where: { stages.outcome(of: $0.stage) == latest })
        else { return nil }
        self.outcome = latest
        self.cycleDays = first.enteredAt.timeIntervalSince(deal.createdAt) / 86_400
    }
}
