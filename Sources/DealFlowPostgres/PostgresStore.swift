import DealFlowCore
import DealFlowEngine
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The shared store: one PostgreSQL database that any number of `dealflow` processes, on any number
/// of machines, work on at once.
///
/// It behaves as ``DealFlowSQLite/SQLiteStore`` does, and the same conformance suites check both. Every
/// deal write is a compare-and-set on the deal's version (PostgreSQL's default isolation would let a
/// lost update through otherwise); the history is append-only (triggers refuse UPDATE, DELETE and
/// TRUNCATE); schedulers lease the due items they work on with `FOR UPDATE SKIP LOCKED`, on the
/// database's clock, and take over the items of a process that died once its lease has run out.
///
/// ```swift
/// let store = try await PostgresStore(location: PostgresLocation(url: "postgres://dealflow@db/sales"))
/// defer { store.close() }
/// ```
public final class PostgresStore: Sendable {
    /// Where the database is.
    public let location: PostgresLocation
    /// This process's name in leases: unique per store, so that a restarted process is a new holder.
    public let holder: String
    let client: PostgresClient
    /// postgres-nio asks every query for a logger; DealFlow reports failures itself.
    static let quiet = Logger(label: "dealflow.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    var logger: Logger { Self.quiet }
    private let running: Task<Void, Never>
    let leases: LeaseKeeper
    let changes: ChangeListener
    /// How many due items this store took over from a process whose lease had run out.
    public var leaseRescues: Int { rescues.load(ordering: .relaxed) }
    let rescues = Atomic<Int>(0)
    /// Where lease rescues are counted.
    public let metrics: EngineMetrics

    /// Connects to the database, and creates or migrates its schema on first use.
    public init(location: PostgresLocation, metrics: EngineMetrics = .none) async throws {
        self.location = location
        self.metrics = metrics
        holder = "\(Self.hostName()):\(getpid()):\(UUID().uuidString.prefix(8))"
        // One connection first, alone: the pool retries a failing connection for a minute and then
        // reports only that it gave up, where this says at once why (refused, no such database, role).
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try location.connectionConfiguration(),
                id: 0,
                logger: Self.quiet
            )
            do {
                try await Self.migrate(connection, logger: Self.quiet)
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        } catch {
            throw StoreError.unavailable("cannot open the database \(location): \(Self.describe(error))")
        }
        let client = PostgresClient(configuration: location.clientConfiguration, backgroundLogger: Self.quiet)
        self.client = client
        running = Task { await client.run() }
        leases = LeaseKeeper()
        changes = ChangeListener()
    }

    /// The machine's name as the kernel has it (`ProcessInfo.hostName` may wait on DNS).
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Connects to the database at a `postgres://` URL.
    public convenience init(url: String, metrics: EngineMetrics = .none) async throws {
        try await self.init(location: PostgresLocation(url: url), metrics: metrics)
    }

    /// Closes the connections (and stops renewing leases; a scheduler gives its leases back first).
    public func close() {
        leases.stop()
        changes.stop()
        running.cancel()
    }

    deinit {
        leases.stop()
        changes.stop()
        running.cancel()
    }

    // MARK: - Access

    /// A read on a pooled connection, with database failures reported as ``StoreError/unavailable(_:)``.
    @discardableResult
    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch let error as StoreError {
            throw error
        } catch  where error is CancellationError || Task.isCancelled {
            throw CancellationError()  // stopped, not failed
        } catch {
            throw StoreError.unavailable("the database failed: \(Self.describe(error))")
        }
    }

    /// A write transaction. A serialization failure or deadlock (PostgreSQL chose this transaction to
    /// roll back) runs the body again, a few times; other failures are reported as they are.
    @discardableResult
    func write<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let value = try await body(connection)
                        try await connection.query("COMMIT", logger: logger)
                        return value
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch let error as StoreError {
                throw error
            } catch  where error is CancellationError || Task.isCancelled {
                throw CancellationError()  // stopped, not failed
            } catch let error as PSQLError where Self.isTransient(error) && attempt <= 5 {
                try await Task.sleep(for: .milliseconds(5 * attempt))
            } catch {
                throw StoreError.unavailable("the database failed: \(Self.describe(error))")
            }
        }
    }

    static func isTransient(_ error: PSQLError) -> Bool {
        ["40001", "40P01"].contains(error.serverInfo?[.sqlState])
    }

    static func isUniqueViolation(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }

    /// The server's message when there is one: postgres-nio's own description hides it.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return message + (error.serverInfo?[.detail].map { " (\($0))" } ?? "")
            }
            if let underlying = error.underlying { return describe(underlying) }
            if error.code == .sslUnsupported {
                return "the server does not offer TLS, and the URL requires it (sslmode=prefer or disable)"
            }
            return "\(error.code)"
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return "\(first.error)"
        }
        return "\(error)"
    }

    /// The database's clock, in milliseconds since 1970: the one clock every process agrees on.
    static let databaseMillis = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

    // MARK: - Metadata

    /// A fact about the database, such as the seed of the demo that made it.
    public func metadata(_ key: String) async throws -> String? {
        try await read { connection in
            try await connection.query("SELECT value FROM metadata WHERE key = \(key)", logger: logger)
                .decode(String.self).first { _ in true }
        }
    }

    /// Records a fact about the database.
    public func setMetadata(_ key: String, _ value: String) async throws {
        try await write { connection in
            try await connection.query(
                """
                INSERT INTO metadata (key, value) VALUES (\(key), \(value))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """,
                logger: logger
            )
        }
    }

    /// How many deals the database holds.
    public func dealCount() async throws -> Int {
        try await read { connection in
            try await connection.query("SELECT count(*) FROM deals", logger: logger)
                .decode(Int.self).first { _ in true } ?? 0
        }
    }
}

/// Instants as integer milliseconds since 1970 (UTC), as both stores keep them.
enum Millis {
    static func of(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(millis) / 1000) }
}
