import Foundation

/// Hands values from one thread to another through a queue of at most `capacity` values: the sender
/// waits while the queue is full, the receiver while it is empty. For a producer and a consumer on two
/// threads that must not get more than a few values apart, so that memory stays bounded.
///
/// Both sides block their thread (a condition variable, not `async`): use it between threads that are
/// not the cooperative pool's, such as a database connection's queue and a `Thread` of one's own.
final class BoundedHandoff<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Element] = []
    private var finished = false
    private let capacity: Int

    /// An empty handoff that holds up to `capacity` values.
    init(capacity: Int) {
        precondition(capacity > 0, "a handoff holds at least one value")
        self.capacity = capacity
    }

    /// Queues a value, waiting while the queue is full.
    func send(_ element: Element) {
        condition.lock()
        defer { condition.unlock() }
        precondition(!finished, "a value sent after finish()")
        while queue.count >= capacity { condition.wait() }
        queue.append(element)
        condition.broadcast()
    }

    /// Says that no more values come: the receiver gets what is queued, then `nil`.
    func finish() {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        condition.broadcast()
    }

    /// The oldest queued value, waiting for one; `nil` once the sender has finished and the queue is
    /// empty.
    func receive() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        guard !queue.isEmpty else { return nil }
        let element = queue.removeFirst()
        condition.broadcast()
        return element
    }
}
