import Foundation

/// Where the engine gets the time: the only place DealFlow reads the clock.
///
/// Inject a ``FixedClock`` (the CLI's `--now`) or a test's manual clock to replay weeks of activity.
public protocol EngineClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The system clock.
public struct SystemClock: EngineClock {
    /// Creates the system clock.
    public init() {}

    /// The system's current time.
    public func now() -> Date { Date() }
}

/// A clock stopped at one instant, for `--now` and for deterministic runs.
public struct FixedClock: EngineClock {
    /// The instant it always returns.
    public let instant: Date

    /// Creates a clock stopped at `instant`.
    public init(_ instant: Date) {
        self.instant = instant
    }

    /// `instant`.
    public func now() -> Date { instant }
}
