import Foundation

/// Hands values from one thread to another through a queue of at most `capacity` values: the sender
/// waits while the queue is full, the receiver while it is empty. For a producer and a consumer on two
/// threads that must not get more than a few values apart, so that memory stays bounded.
///
/// One thread sends and alone calls ``finish()``; another receives. Both block their thread (a
/// condition variable, not `async`): use it between threads that are not the cooperative pool's, such
/// as a database connection's queue and a `Thread` of one's own, or through
/// ``pipeline(capacity:produce:consume:)``.
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
        while queue.count >= capacity && !finished { condition.wait() }
        // Checked after the wait too: a value queued after finish() would never be received.
        precondition(!finished, "a value sent after finish(): the one sender alone finishes")
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

    /// Runs `produce` on this thread and `consume`, value after value in the order sent, on a thread of
    /// its own, at most `capacity` values behind; returns once every value sent is consumed, and then
    /// rethrows what `produce` threw (the values it sent before are consumed all the same).
    ///
    /// A producer that sends a single value has it consumed on this thread, with no thread started: a
    /// small job does not pay for the pipeline.
    static func pipeline(
        capacity: Int,
        produce: (_ send: (Element) -> Void) throws -> Void,
        consume: @escaping @Sendable (Element) -> Void
    ) throws {
        let handoff = BoundedHandoff(capacity: capacity)
        var held: Element?
        var consumedAll: DispatchSemaphore?
        func send(_ element: Element) {
            if consumedAll == nil {
                guard let first = held.take() else {
                    held = element
                    return
                }
                let done = DispatchSemaphore(value: 0)
                Thread {
                    while let value = handoff.receive() { consume(value) }
                    done.signal()
                }.start()
                consumedAll = done
                handoff.send(first)
            }
            handoff.send(element)
        }
        let produced = Result { try produce(send) }
        if let consumedAll {
            handoff.finish()
            consumedAll.wait()
        } else if let only = held {
            consume(only)
        }
        try produced.get()
    }
}
