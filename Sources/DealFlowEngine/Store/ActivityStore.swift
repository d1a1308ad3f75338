import Foundation

/// A count the store has recorded, labelled like the operational metric it stands for.
public struct RecordedCount: Sendable {
    /// The metric, one of ``EngineMetrics/Name``.
    public var name: String
    /// The labels, in the order the metric documents them.
    public var labels: [(String, String)]
    public var value: Int

    /// Creates a count.
    public init(name: String, labels: [(String, String)], value: Int) {
        self.name = name
        self.labels = labels
        self.value = value
    }
}

/// What a store can count from its history, audit table, tasks and outbox, for `dealflow metrics`: the
/// totals since the database was made, whichever process did the work.
public protocol ActivityStore: Sendable {
    /// Transitions, blocked attempts (per kind of blocker), refused attempts, scheduled tasks and fired
    /// reminders, of one workflow or of all.
    func recordedCounts(workflowID: String?) async throws -> [RecordedCount]
}
