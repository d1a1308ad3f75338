import Foundation

/// An event a consumer gave up on after its attempts ran out.
public struct DeadLetter: Hashable, Sendable {
    public var consumer: String
    public var event: EventRecord
    public var attempts: Int
    /// The last failure, in one line.
    public var lastError: String
    public var failedAt: Date

    /// Creates a dead letter.
    public init(consumer: String, event: EventRecord, attempts: Int, lastError: String, failedAt: Date) {
        self.consumer = consumer
        self.event = event
        self.attempts = attempts
        self.lastError = lastError
        self.failedAt = failedAt
    }
}

/// The outbox as its readers see it: events in order, and each consumer's delivery position.
///
/// Events are written by ``DealStore/commit(_:)`` and ``SchedulerStore/perform(_:)`` in the same
/// transaction as the change they report; their ids only grow, so that a consumer's position is one
/// number.
public protocol OutboxStore: Sendable {
    /// Events with an id above `after`, in id order; optionally of one type, at most `limit`.
    func events(after: Int64, type: String?, limit: Int?) async throws -> [EventRecord]
    /// The id of the last event a consumer acknowledged (0 before its first).
    func deliveryCursor(consumer: String) async throws -> Int64
    /// Moves a consumer past an event it delivered, or (with `deadLetter`) gave up on.
    func advance(consumer: String, past event: EventRecord, deadLetter: DeadLetter?, at: Date) async throws
    /// The events a consumer gave up on and has not delivered since, oldest first.
    func deadLetters(consumer: String) async throws -> [DeadLetter]
    /// Records the result of sending a dead letter again: removed from the list when `delivered`,
    /// otherwise kept with one more attempt and the new error.
    func retried(_ letter: DeadLetter, delivered: Bool, error: String?, at: Date) async throws
}
