import DealFlowCore
import Foundation
import Synchronization

/// Where delivered events go. `send` returns when the receiver acknowledged the event and throws a
/// ``DeliveryFailure`` when it did not.
public protocol EventTransport: Sendable {
    /// Sends one event as its JSON document.
    func send(_ json: String, event: EventRecord) async throws
}

/// Why a receiver did not acknowledge an event, in one line.
public struct DeliveryFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The reason.
    public var reason: String

    /// Creates a failure.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// The reason.
    public var description: String { reason }
}

/// Moves the outbox's events to another system, in order, at least once, for one named consumer.
///
/// The consumer's position is stored after each acknowledgement, so a delivery killed at any moment
/// resumes at the first event not acknowledged (which may thus arrive twice: receivers de-duplicate by
/// the event's `id`). A failing event is retried with exponential backoff; after
/// ``Policy/maxAttempts`` it goes to the consumer's dead-letter list and delivery moves on, so one bad
/// event cannot hold up the rest. ``retryFailed()`` sends the dead letters again.
///
/// ```swift
/// let delivery = Delivery(outbox: store, transport: CommandTransport(command: "./sync.sh"), consumer: "crm-sync")
/// let report = try await delivery.deliverPending()
/// ```
public final class Delivery: Sendable {
    /// How hard to try.
    public struct Policy: Hashable, Sendable {
        /// Attempts per event before it is dead-lettered.
        public var maxAttempts: Int
        /// The wait after the first failure; it doubles after each further one.
        public var initialBackoff: Duration
        /// The longest wait between two attempts.
        public var maxBackoff: Duration

        /// Creates a policy.
        public init(maxAttempts: Int = 5, initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(60)) {
            self.maxAttempts = max(1, maxAttempts)
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }

        /// The wait after failed attempt number `attempt` (from 1).
        public func backoff(after attempt: Int) -> Duration {
            var wait = initialBackoff
            for _ in 1..<max(1, attempt) where wait < maxBackoff { wait *= 2 }
            return min(wait, maxBackoff)
        }
    }

    /// What a delivery run did.
    public struct Report: Hashable, Sendable {
        /// Events acknowledged.
        public var delivered = 0
        /// Events moved to the dead-letter list (or, when retrying, kept there).
        public var failed = 0
        /// Creates an empty report.
        public init() {}
    }

    /// The events and the consumer's position.
    public let outbox: any OutboxStore
    /// Where they go.
    public let transport: any EventTransport
    /// The consumer's name: each consumer has its own position and dead letters.
    public let consumer: String
    /// How hard to try.
    public let policy: Policy
    private let clock: any EngineClock
    private let stopRequested = Atomic<Bool>(false)

    /// Creates a delivery.
    public init(
        outbox: any OutboxStore,
        transport: any EventTransport,
        consumer: String,
        policy: Policy = Policy(),
        clock: any EngineClock = SystemClock()
    ) {
        self.outbox = outbox
        self.transport = transport
        self.consumer = consumer
        self.policy = policy
        self.clock = clock
    }

    /// Delivers every event after the consumer's position, in order, and returns when none is left.
    /// - Parameter onEvent: called after each event, delivered (`nil`) or dead-lettered (its failure).
    public func deliverPending(
        onEvent: @Sendable (EventRecord, DeliveryFailure?) -> Void = { _, _ in }
    ) async throws
        -> Report
    {
        var report = Report()
        while !isStopping {
            let cursor = try await outbox.deliveryCursor(consumer: consumer)
            let batch = try await outbox.events(after: cursor, type: nil, limit: 100)
            if batch.isEmpty { break }
            for event in batch {
                if isStopping { return report }
                var attempt = 0
                var failure: DeliveryFailure?
                repeat {
                    attempt += 1
                    failure = await send(event)
                    if failure != nil && attempt < policy.maxAttempts { await nap(policy.backoff(after: attempt)) }
                } while failure != nil && attempt < policy.maxAttempts && !isStopping
                // Stopped between attempts: the event stays pending for the next run, not dead-lettered.
                if failure != nil && attempt < policy.maxAttempts { return report }
                let letter = failure.map {
                    DeadLetter(
                        consumer: consumer,
                        event: event,
                        attempts: attempt,
                        lastError: $0.reason,
                        failedAt: clock.now()
                    )
                }
                try await outbox.advance(consumer: consumer, past: event, deadLetter: letter, at: clock.now())
                if letter == nil { report.delivered += 1 } else { report.failed += 1 }
                onEvent(event, failure)
            }
        }
        return report
    }

    /// Delivers as events arrive, checking for new ones every `poll`, until ``stop()``: the event in
    /// hand is finished and its acknowledgement stored before it returns.
    ///
    /// - Parameter onReport: called after each round that delivered or gave up on something.
    public func run(
        poll: Duration = .milliseconds(500),
        onEvent: @Sendable (EventRecord, DeliveryFailure?) -> Void = { _, _ in },
        onReport: @Sendable (Report) -> Void = { _ in }
    ) async throws {
        while !isStopping {
            let report = try await deliverPending(onEvent: onEvent)
            if report.delivered + report.failed > 0 { onReport(report) }
            await nap(poll)
        }
    }

    /// Asks ``run(poll:onEvent:onReport:)`` or ``deliverPending(onEvent:)`` to return after the event in
    /// hand. Task cancellation is not used for this, since it would abandon the acknowledgement of an
    /// event already delivered.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    private var isStopping: Bool { stopRequested.load(ordering: .relaxed) }

    /// Waits, in short steps so that a stop is honoured promptly.
    private func nap(_ duration: Duration) async {
        let end = ContinuousClock.now + duration
        while !isStopping && ContinuousClock.now < end {
            try? await Task.sleep(for: min(.milliseconds(100), end - ContinuousClock.now))
        }
    }

    /// Sends each dead letter once more: delivered ones leave the list, failing ones stay with one
    /// more attempt counted.
    public func retryFailed(
        onEvent: @Sendable (EventRecord, DeliveryFailure?) -> Void = { _, _ in }
    ) async throws
        -> Report
    {
        var report = Report()
        for letter in try await outbox.deadLetters(consumer: consumer) {
            let failure = await send(letter.event)
            try await outbox.retried(letter, delivered: failure == nil, error: failure?.reason, at: clock.now())
            if failure == nil { report.delivered += 1 } else { report.failed += 1 }
            onEvent(letter.event, failure)
        }
        return report
    }

    private func send(_ event: EventRecord) async -> DeliveryFailure? {
        do {
            try await transport.send(event.json.rendered(compact: true), event: event)
            return nil
        } catch let failure as DeliveryFailure {
            return failure
        } catch {
            return DeliveryFailure("\(error)")
        }
    }
}

extension EventRecord {
    /// `{"id", "type", "deal", "workflow", "at", "data"}`.
    public var json: JSONValue {
        .object([
            ("id", .int(Int(id))), ("type", .string(type)), ("deal", .string(dealID)),
            ("workflow", .string(workflowID)),
            ("at", .string(DateTimeFormat.iso8601(at))), ("data", (try? JSONValue.parse(data)) ?? .string(data)),
        ])
    }
}

/// Delivers each event to a shell command: its JSON on standard input, `DEALFLOW_EVENT_ID` and
/// `DEALFLOW_EVENT_TYPE` in the environment; exit status 0 acknowledges.
public struct CommandTransport: EventTransport {
    /// The command, run with `/bin/sh -c`.
    public var command: String
    /// How long one delivery may take before the command is stopped and the attempt fails.
    public var timeout: Duration

    /// Creates a transport.
    public init(command: String, timeout: Duration = .seconds(30)) {
        self.command = command
        self.timeout = timeout
    }

    public func send(_ json: String, event: EventRecord) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment
        environment["DEALFLOW_EVENT_ID"] = String(event.id)
        environment["DEALFLOW_EVENT_TYPE"] = event.type
        process.environment = environment
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: DeliveryFailure("cannot run '\(command)': \(error.localizedDescription)"))
                return
            }
            let timeout = self.timeout
            Task.detached {
                try? await Task.sleep(for: timeout)
                if process.isRunning { process.terminate() }
            }
            // A command that exits without reading its input fails this attempt (by its status); the
            // write must not raise SIGPIPE and take the whole delivery down with it.
            signal(SIGPIPE, SIG_IGN)
            try? input.fileHandleForWriting.write(contentsOf: Data((json + "\n").utf8))
            try? input.fileHandleForWriting.close()
        }
        guard status == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .split(separator: "\n").last.map(String.init)
            throw DeliveryFailure("'\(command)' exited with status \(status)" + (message.map { ": \($0)" } ?? ""))
        }
    }
}
