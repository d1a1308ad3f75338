import DealFlowCore
import Foundation

/// Something that has fallen due: a task's reminder, a task's escalation, or a timer.
public enum DueItem: Hashable, Sendable {
    /// An open task reached its due time.
    case reminder(TaskRecord)
    /// An open task reached its escalation time.
    case escalation(TaskRecord)
    /// A pending timer reached its instant.
    case timer(TimerRecord)

    /// The instant it fell due.
    public var dueAt: Date {
        switch self {
        case .reminder(let task): task.dueAt
        case .escalation(let task): task.escalateAt ?? task.dueAt
        case .timer(let timer): timer.dueAt
        }
    }

    /// The deal it belongs to.
    public var dealID: String {
        switch self {
        case .reminder(let task), .escalation(let task): task.dealID
        case .timer(let timer): timer.dealID
        }
    }

    /// The item's identity and due instant, `task.reminder:task-1@1764597600000`: the key of its
    /// effects, so that firing it twice cannot write them twice. A snoozed task is a new item.
    public var key: String {
        let millis = Int64((dueAt.timeIntervalSince1970 * 1000).rounded())
        return switch self {
        case .reminder(let task): "task.reminder:\(task.id)@\(millis)"
        case .escalation(let task): "task.escalated:\(task.id)@\(millis)"
        case .timer(let timer): "timer:\(timer.id)@\(millis)"
        }
    }
}

/// One due item's claim and effects, performed together.
///
/// The store claims the item only if it is still as it was read (the task still open and not yet
/// reminded, with the same due instant; the timer still pending); otherwise the firing is skipped,
/// since another scheduler fired it or a rep closed or snoozed it meanwhile.
public struct Firing: Sendable {
    /// The item claimed.
    public var item: DueItem
    /// When it fired.
    public var firedAt: Date
    /// For a timer, what it becomes: `fired`, `blocked`, or `cancelled` when it no longer applies.
    public var timerStatus: String
    /// A timer's transition: a compare-and-set on the deal like any other change.
    public var change: DealChange?
    /// A blocked timer transition's audit entry.
    public var attempt: HistoryRecord?
    /// Tasks to create (a repeating task timer's next task).
    public var tasks: [TaskRecord]
    /// Timers to create (a repeating timer's next occurrence).
    public var timers: [TimerRecord]
    /// Events for the outbox, each with the item's key.
    public var events: [EventRecord]

    /// Creates a firing.
    public init(
        item: DueItem,
        firedAt: Date,
        timerStatus: String = "fired",
        change: DealChange? = nil,
        attempt: HistoryRecord? = nil,
        tasks: [TaskRecord] = [],
        timers: [TimerRecord] = [],
        events: [EventRecord] = []
    ) {
        self.item = item
        self.firedAt = firedAt
        self.timerStatus = timerStatus
        self.change = change
        self.attempt = attempt
        self.tasks = tasks
        self.timers = timers
        self.events = events
    }
}

/// What became of one firing.
public enum FiringOutcome: Hashable, Sendable {
    /// Claimed, and its effects written.
    case performed
    /// Not claimed: fired by another scheduler, or closed, snoozed or cancelled meanwhile.
    case skipped
    /// Its deal changed after it was decided; nothing was written and it is still due.
    case conflict
}

/// What the scheduler needs from a store, on top of ``DealStore``.
///
/// `perform` is where "at least once, effects exactly once" is kept: a firing's claim and its effects
/// commit in one transaction, and a claim succeeds only once per item and due instant.
public protocol SchedulerStore: DealStore {
    /// Items due at or before `now`, oldest first; with `since`, only those that fell due after it.
    func dueItems(dueBy now: Date, since: Date?, limit: Int) async throws -> [DueItem]
    /// Up to `limit` items due at or before `now`, oldest first, leaving out `excluded`: the items of a
    /// batch that a pass has decided and is still committing. A store may leave out every item of an
    /// excluded task or timer (its id), not only the excluded due instant. A pass asks this only of a
    /// store that ``readsDueItemsFromASnapshot``.
    func dueItems(dueBy now: Date, limit: Int, excluding excluded: [DueItem]) async throws -> [DueItem]
    /// The earliest instant at which anything falls due, or `nil` when nothing is scheduled.
    func nextDueAt() async throws -> Date?
    /// A number that changes whenever a change is committed, in this process or another: cheap enough
    /// to poll every second, so that a sleeping scheduler notices work scheduled earlier than it planned.
    func changeToken() async throws -> Int64
    /// Claims every firing's item and writes its effects, all in one transaction; a firing whose item is
    /// no longer due, or whose deal changed, writes nothing and does not stop the others.
    func perform(_ firings: [Firing]) async throws -> [FiringOutcome]

    /// The current instant on the store's own clock, when several machines share the store and must
    /// agree on what is due (PostgreSQL's `clock_timestamp()`); `nil` when the process's clock is the
    /// store's, as with an embedded file.
    func sharedNow() async throws -> Date?

    /// The earliest due instant of anything not yet fired, whichever process holds it: for monitoring
    /// how long the oldest item has waited.
    func oldestDueAt() async throws -> Date?

    /// Gives back the due items this process claimed and has not fired, so that another process can take
    /// them at once rather than after a lease runs out. A scheduler calls it when it stops.
    func releaseClaims() async throws

    /// Whether ``dueItems(dueBy:since:limit:)`` reads a snapshot and takes no lock or lease, so that a
    /// pass may read the next batch while ``perform(_:)`` commits a batch of reminders (SQLite in WAL
    /// mode). A store whose read leases its rows (PostgreSQL) says `false`: each batch then commits
    /// before the next is read.
    var readsDueItemsFromASnapshot: Bool { get }
}

extension SchedulerStore {
    /// An embedded store has no clock of its own.
    public func sharedNow() async throws -> Date? { nil }

    /// An embedded store's next item is its oldest: nothing is held by a process.
    public func oldestDueAt() async throws -> Date? { try await nextDueAt() }

    /// An embedded store claims nothing ahead of ``perform(_:)``.
    public func releaseClaims() async throws {}

    /// Reading is assumed to lease what it reads unless the store says otherwise.
    public var readsDueItemsFromASnapshot: Bool { false }
}

extension SchedulerStore {
    /// Reads `excluded.count` more items than `limit` and leaves out those with an excluded key. Meant
    /// for a store that reads snapshots: one that leases what it reads would hold the surplus until the
    /// lease runs out. A store that can leave the items out in its query does so instead (SQLite).
    public func dueItems(dueBy now: Date, limit: Int, excluding excluded: [DueItem]) async throws -> [DueItem] {
        let read = try await dueItems(dueBy: now, since: nil, limit: limit + excluded.count)
        guard !excluded.isEmpty else { return read }
        let keys = Set(excluded.map(\.key))
        var kept: [DueItem] = []
        kept.reserveCapacity(min(limit, read.count))
        for item in read where kept.count < limit && !keys.contains(item.key) { kept.append(item) }
        return kept
    }
}
