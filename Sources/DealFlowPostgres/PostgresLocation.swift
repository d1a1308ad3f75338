import Foundation
import PostgresNIO

/// Where a PostgreSQL store lives and how to talk to it, read from a `postgres://` URL.
///
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?pool=N&lease=SECONDS&sslmode=disable|prefer|require]`.
/// Without a password in the URL, `PGPASSWORD` is used. `sslmode` defaults to `prefer`, as with `psql`;
/// as with libpq, `prefer` and `require` encrypt without checking the server's certificate, and
/// `verify-full` checks it and the host name against the system's trusted authorities.
public struct PostgresLocation: Hashable, Sendable, CustomStringConvertible {
    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The role to connect as.
    public var user: String
    /// The role's password, if the server asks for one.
    public var password: String?
    /// The database.
    public var database: String
    /// At most this many connections per process.
    public var poolSize: Int
    /// How long a scheduler holds a due item it claimed before another may rescue it.
    public var lease: Duration
    /// Whether the connection is encrypted.
    public var tlsMode: TLSMode

    /// The `sslmode` settings that DealFlow understands.
    public enum TLSMode: String, Hashable, Sendable {
        case disable, prefer, require
        case verifyFull = "verify-full"

        /// What NIOSSL checks: the certificate only with `verify-full`, as libpq does.
        var tlsConfiguration: TLSConfiguration {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if self != .verifyFull { configuration.certificateVerification = .none }
            return configuration
        }
    }

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads a `postgres://` URL; the error says which part is wrong.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw PostgresLocationError("'\(text)' is not a postgres:// URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresLocationError("the URL '\(Self.redacted(text))' names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresLocationError("the URL '\(Self.redacted(text))' names no user (postgres://USER@HOST/DB)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresLocationError("the URL '\(Self.redacted(text))' names no database (postgres://USER@HOST/DB)")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user
        self.password = components.password ?? environment["PGPASSWORD"]
        self.database = database
        self.poolSize = 8
        self.lease = .seconds(30)
        self.tlsMode = .prefer
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "pool":
                guard let size = Int(value), (1...200).contains(size) else {
                    throw PostgresLocationError("pool=\(value): the pool size is a whole number from 1 to 200")
                }
                poolSize = size
            case "lease":
                guard let seconds = Int(value), (2...3600).contains(seconds) else {
                    throw PostgresLocationError("lease=\(value): the lease is a whole number of seconds from 2 to 3600")
                }
                lease = .seconds(seconds)
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw PostgresLocationError("sslmode=\(value): use disable, prefer, require or verify-full")
                }
                tlsMode = mode
            default:
                throw PostgresLocationError(
                    "'\(item.name)' is not a setting DealFlow reads from the URL; it knows pool, lease and sslmode"
                )
            }
        }
    }

    /// The URL without its password, for messages and logs.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return text }
        if components.password != nil { components.password = "***" }
        return components.string ?? text
    }

    /// The configuration of one connection, made before the pool to check the settings and migrate.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch tlsMode {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: tlsMode.tlsConfiguration))
            case .require, .verifyFull: .require(try NIOSSLContext(configuration: tlsMode.tlsConfiguration))
            }
        var configuration = PostgresConnection.Configuration(
            host: host,
            port: port,
            username: user,
            password: password,
            database: database,
            tls: tls
        )
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// The configuration of postgres-nio's connection pool.
    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch tlsMode {
            case .disable: .disable
            case .prefer: .prefer(tlsMode.tlsConfiguration)
            case .require, .verifyFull: .require(tlsMode.tlsConfiguration)
            }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: user,
            password: password,
            database: database,
            tls: tls
        )
        configuration.options.maximumConnections = poolSize
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", "dealflow")]
        return configuration
    }
}

/// A `postgres://` URL that cannot be used, and why.
public struct PostgresLocationError: Error, CustomStringConvertible {
    /// What is wrong with it.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
