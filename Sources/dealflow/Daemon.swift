import Logging
import ServiceLifecycle
import UnixSignals

/// Runs a long-lived loop until SIGINT or SIGTERM: the signal asks the loop to stop (through `stop`),
/// and the process exits once the loop has returned, so that the work in hand is committed first.
struct Daemon: Service {
    let body: @Sendable () async throws -> Void
    let stop: @Sendable () -> Void

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await body()
        } onGracefulShutdown: {
            stop()
        }
    }

    /// Runs `body` as the process's main service, beside any others (a metrics endpoint); when it
    /// returns, the others are stopped too.
    static func run(
        body: @escaping @Sendable () async throws -> Void,
        stop: @escaping @Sendable () -> Void,
        beside others: [any Service] = []
    )
        async throws
    {
        var logger = Logger(label: "dealflow")
        logger.logLevel = .warning
        let group = ServiceGroup(
            services: [Daemon(body: body, stop: stop)] + others,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}
