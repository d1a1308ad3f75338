import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation
import Synchronization

/// A SQLite store that forces the order of a pipelined pass's next read and the commit running beside
/// it, so that a test sees both: with `.readFirst` the n-th commit waits until the (n+1)-th read has
/// begun (or 50 ms, for a commit nothing reads beside); with `.commitFirst` a read waits until no commit is
/// running; `.asItComes` forces nothing.
final class CommitOrderStore: ForwardingDealStore, SchedulerStore {
    enum Order: Sendable { case readFirst, commitFirst, asItComes }

    let base: SQLiteStore
    let order: Order
    private let reads = Atomic<Int>(0)
    private let commits = Atomic<Int>(0)
    private let commitsRunning = Atomic<Int>(0)
    private let overlapped = Atomic<Int>(0)
    /// Commits that ran while a read of due items was under way.
    var overlappedCommits: Int { overlapped.load(ordering: .sequentiallyConsistent) }

    init(_ base: SQLiteStore, order: Order) {
        self.base = base
        self.order = order
    }

    func dueItems(dueBy now: Date, since: Date?, limit: Int) async throws -> [DueItem] {
        try await beginRead()
        return try await base.dueItems(dueBy: now, since: since, limit: limit)
    }

    func dueItems(dueBy now: Date, limit: Int, excluding excluded: [DueItem]) async throws -> [DueItem] {
        try await beginRead()
        return try await base.dueItems(dueBy: now, limit: limit, excluding: excluded)
    }

    private func beginRead() async throws {
        reads.add(1, ordering: .sequentiallyConsistent)
        if order == .commitFirst {
            while commitsRunning.load(ordering: .sequentiallyConsistent) > 0 {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    func perform(_ firings: [Firing]) async throws -> [FiringOutcome] {
        let index = commits.add(1, ordering: .sequentiallyConsistent).newValue
        commitsRunning.add(1, ordering: .sequentiallyConsistent)
        defer { commitsRunning.subtract(1, ordering: .sequentiallyConsistent) }
        if order == .readFirst {
            // The read after this batch's own is the pass's next one: wait for it to begin.
            let deadline = ContinuousClock.now + .milliseconds(50)
            while reads.load(ordering: .sequentiallyConsistent) <= index && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            }
            if reads.load(ordering: .sequentiallyConsistent) > index {
                overlapped.add(1, ordering: .sequentiallyConsistent)
            }
        }
        return try await base.perform(firings)
    }

    var readsDueItemsFromASnapshot: Bool { base.readsDueItemsFromASnapshot }
    func nextDueAt() async throws -> Date? { try await base.nextDueAt() }
    func changeToken() async throws -> Int64 { try await base.changeToken() }
}

/// A ``CommitOrderStore`` seen without its own way of leaving due items out: a pass's read then goes
/// through ``SchedulerStore``'s default, which reads past the items in flight and drops them by key.
final class KeyExclusionStore: ForwardingDealStore, SchedulerStore {
    let inner: CommitOrderStore
    var base: SQLiteStore { inner.base }

    init(_ inner: CommitOrderStore) {
        self.inner = inner
    }

    func dueItems(dueBy now: Date, since: Date?, limit: Int) async throws -> [DueItem] {
        try await inner.dueItems(dueBy: now, since: since, limit: limit)
    }

    func perform(_ firings: [Firing]) async throws -> [FiringOutcome] { try await inner.perform(firings) }
    var readsDueItemsFromASnapshot: Bool { inner.readsDueItemsFromASnapshot }
    func nextDueAt() async throws -> Date? { try await inner.nextDueAt() }
    func changeToken() async throws -> Int64 { try await inner.changeToken() }
}
