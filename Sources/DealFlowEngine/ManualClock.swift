import DealFlowCore
import Foundation
import Synchronization

/// A clock moved by hand, so that weeks of activity run in milliseconds: for tests, demos and replays.
public final class ManualClock: EngineClock {
    private let instant: Mutex<Date>

    /// Starts at `start`.
    public init(_ start: Date) {
        instant = Mutex(start)
    }

    /// Starts at an ISO 8601 instant such as `2026-11-23T14:00:00Z`.
    public convenience init(_ iso: String) {
        guard let start = DateTimeFormat.parse(iso) else { preconditionFailure("'\(iso)' is not ISO 8601") }
        self.init(start)
    }

    /// The current instant.
    public func now() -> Date { instant.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(by seconds: TimeInterval) {
        instant.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Moves the clock forward by whole days.
    public func advance(days: Int) { advance(by: TimeInterval(days) * 86_400) }

    /// Sets the clock.
    public func set(_ date: Date) {
        instant.withLock { $0 = date }
    }
}
