import Foundation
import Testing

@testable import DealFlowSQLite

/// A report's scan on SQLite hands batches of deals from the connection's thread to a thread of its own
/// through a ``BoundedHandoff``: every batch arrives once and in order, and the reading thread runs at
/// most a few batches ahead, so that memory stays bounded whatever the history's size. (Here, for
/// DealFlowSQLite has no test target of its own.)
@Suite struct BoundedHandoffTests {
    @Test func everyValueArrivesOnceInOrderThenNothing() {
        let handoff = BoundedHandoff<Int>(capacity: 2)
        let received = Received()
        let done = DispatchSemaphore(value: 0)
        Thread {
            while let value = handoff.receive() { received.append(value) }
            done.signal()
        }.start()
        for value in 0..<1_000 { handoff.send(value) }
        handoff.finish()
        done.wait()
        #expect(received.values == Array(0..<1_000))
        #expect(handoff.receive() == nil)
    }

    @Test func aSenderWaitsWhileTheQueueIsFull() {
        let handoff = BoundedHandoff<Int>(capacity: 2)
        let sent = Received()
        Thread {
            for value in 0..<3 {
                handoff.send(value)
                sent.append(value)
            }
        }.start()
        #expect(sent.waitForCount(2, seconds: 10), "the first two values are queued at once")
        Thread.sleep(forTimeInterval: 0.2)
        #expect(sent.values == [0, 1], "the third waits for room")
        #expect(handoff.receive() == 0)
        #expect(sent.waitForCount(3, seconds: 10), "taking one makes room for the third")
        #expect(handoff.receive() == 1)
        #expect(handoff.receive() == 2)
        handoff.finish()
        #expect(handoff.receive() == nil)
    }

    struct ProducerFailed: Error {}

    @Test func aPipelineConsumesWhatWasSentBeforeItsProducerThrewThenRethrows() {
        let consumed = Received()
        #expect(throws: ProducerFailed.self) {
            try BoundedHandoff<Int>.pipeline(capacity: 2) { send in
                for value in 0..<10 { send(value) }
                throw ProducerFailed()
            } consume: {
                Thread.sleep(forTimeInterval: 0.01)  // a slow consumer: values are still queued at the throw
                consumed.append($0)
            }
        }
        #expect(consumed.values == Array(0..<10), "returns only once all ten are consumed, in order")
    }

    @Test func aPipelineOfOneValueRunsOnTheCallersThreadAndOfNoneConsumesNothing() throws {
        let caller = pthread_self()
        let consumers = Received()
        try BoundedHandoff<Int>.pipeline(capacity: 2) { send in
            send(7)
        } consume: {
            consumers.append(pthread_equal(pthread_self(), caller) != 0 ? $0 : -1)
        }
        #expect(consumers.values == [7])
        try BoundedHandoff<Int>.pipeline(capacity: 2) { _ in
        } consume: {
            consumers.append($0)
        }
        #expect(consumers.values == [7])
        try BoundedHandoff<Int>.pipeline(capacity: 2) { send in
            send(1)
            send(2)
        } consume: {
            consumers.append(pthread_equal(pthread_self(), caller) != 0 ? -1 : $0)
        }
        #expect(consumers.values == [7, 1, 2], "two values are consumed on a thread of the pipeline's own")
    }
}

/// Values appended by one thread and read by another.
private final class Received: @unchecked Sendable {
    private let condition = NSCondition()
    private var stored: [Int] = []

    var values: [Int] {
        condition.lock()
        defer { condition.unlock() }
        return stored
    }

    func append(_ value: Int) {
        condition.lock()
        stored.append(value)
        condition.broadcast()
        condition.unlock()
    }

    /// Whether `count` values arrived within `seconds`.
    func waitForCount(_ count: Int, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while stored.count < count {
            if !condition.wait(until: deadline) { return stored.count >= count }
        }
        return true
    }
}
