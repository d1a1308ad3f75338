import Foundation
import Synchronization

/// A PostgreSQL server for tests: the one named by `DEALFLOW_TEST_POSTGRES_URL`, or else a cluster this
/// test process starts itself, in a temporary directory, on 127.0.0.1 only, and stops when it exits.
///
/// PostgreSQL refuses to run as root, so under root the cluster runs as the `postgres` user. Each test
/// asks for a database of its own:
///
/// ```swift
/// let url = try PostgresTestServer.freshDatabase()   // postgres://dealflow@127.0.0.1:PORT/t_...
/// ```
public enum PostgresTestServer {
    /// Why no server could be had.
    public struct Unavailable: Error, CustomStringConvertible {
        /// What went wrong, and what to install or set.
        public var description: String
    }

    /// The URL of a new, empty database on the test server.
    public static func freshDatabase() throws -> String {
        let server = try shared.get()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try server.psql("CREATE DATABASE \(name)")
        return "postgres://\(server.user)@\(server.host):\(server.port)/\(name)?sslmode=disable"
    }

    /// The URL of the database `name` on the test server, created empty if it does not exist yet: for
    /// data that several processes of one run share, such as a benchmark's history.
    public static func database(named name: String) throws -> (url: String, created: Bool) {
        let server = try shared.get()
        let url = "postgres://\(server.user)@\(server.host):\(server.port)/\(name)?sslmode=disable"
        let admin = "postgres://\(server.user)@\(server.host):\(server.port)/postgres"
        let exists = try query("SELECT count(*) FROM pg_database WHERE datname = '\(name)'", in: admin) == "1"
        if !exists { try server.psql("CREATE DATABASE \(name)") }
        return (url, !exists)
    }

    /// Runs SQL with `psql` on the database at `url` and returns what it printed, unaligned, one row per
    /// line, columns separated by `|`: for tests that look under the store.
    public static func query(_ sql: String, in url: String) throws -> String {
        let server = try shared.get()
        let plain = url.components(separatedBy: "?")[0]
        return try Server.run(
            server.binaries + "/psql",
            [plain, "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t", "-c", sql]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static let shared = Result<Server, any Error>(catching: { try Server.start() })

    struct Server: Sendable {
        var host: String
        var port: Int
        var user: String
        var binaries: String
        var directory: String?

        static func start() throws -> Server {
            let environment = ProcessInfo.processInfo.environment
            if let url = environment["DEALFLOW_TEST_POSTGRES_URL"], !url.isEmpty,
                let components = URLComponents(string: url), let host = components.host, let user = components.user
            {
                return Server(
                    host: host,
                    port: components.port ?? 5432,
                    user: user,
                    binaries: try findBinaries(),
                    directory: nil
                )
            }
            let binaries = try findBinaries()
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("dealflow-pg-\(getpid())-\(UUID().uuidString.prefix(6))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let asRoot = geteuid() == 0
            if asRoot { try run("/bin/chown", ["postgres", directory]) }
            let port = try freePort()
            let data = directory + "/data"
            try run(
                binaries + "/initdb",
                ["-D", data, "-U", "dealflow", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"],
                asPostgres: asRoot
            )
            // Tests need no durability from the server (a killed client is not a power cut); benchmarks
            // of durable writes set DEALFLOW_TEST_POSTGRES_DURABLE and get the server's defaults.
            let durable = getenv("DEALFLOW_TEST_POSTGRES_DURABLE") != nil
            let options =
                (["-c listen_addresses=127.0.0.1", "-p \(port)", "-k \(directory)", "-c max_connections=300"]
                + (durable ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"])).joined(
                    separator: " "
                )
            try run(
                binaries + "/pg_ctl",
                ["-D", data, "-o", options, "-l", directory + "/server.log", "-w", "-t", "60", "start"],
                asPostgres: asRoot
            )
            started.withLock { $0 = (binaries + "/pg_ctl", data, asRoot) }
            atexit {
                guard let (pgctl, data, asRoot) = PostgresTestServer.started.withLock({ $0 }) else { return }
                try? PostgresTestServer.Server.run(pgctl, ["-D", data, "-m", "immediate", "stop"], asPostgres: asRoot)
            }
            return Server(host: "127.0.0.1", port: port, user: "dealflow", binaries: binaries, directory: directory)
        }

        func psql(_ sql: String) throws {
            try Self.run(
                binaries + "/psql",
                ["-h", host, "-p", "\(port)", "-U", user, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql]
            )
        }

        static func findBinaries() throws -> String {
            let environment = ProcessInfo.processInfo.environment
            if let directory = environment["DEALFLOW_TEST_POSTGRES_BIN"] { return directory }
            let root = "/usr/lib/postgresql"
            let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
            for version in versions.sorted(by: { Int($0) ?? 0 > Int($1) ?? 0 })
            where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
                return "\(root)/\(version)/bin"
            }
            throw Unavailable(
                description: """
                    no PostgreSQL server for the tests: install it (apt-get install -y postgresql) or set \
                    DEALFLOW_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/postgres
                    """
            )
        }

        static func freePort() throws -> Int {
            let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard socket >= 0 else { throw Unavailable(description: "cannot open a socket to find a free port") }
            defer { close(socket) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                    bind(socket, raw, length) == 0 && getsockname(socket, raw, &length) == 0
                }
            }
            guard bound else { throw Unavailable(description: "cannot find a free port on 127.0.0.1") }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        /// Runs a program to its end, its output into a file. `posix_spawn` and `waitpid` rather than
        /// Foundation's `Process`, which did not notice `pg_ctl`'s exit while the server it started runs on.
        @discardableResult
        static func run(_ executable: String, _ arguments: [String], asPostgres: Bool = false) throws -> String {
            let argv =
                asPostgres
                ? ["/usr/sbin/runuser", "-u", "postgres", "--", executable] + arguments : [executable] + arguments
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("dealflow-pg-\(UUID()).log").path
            defer { try? FileManager.default.removeItem(atPath: log) }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            var pid = pid_t()
            let cArguments = argv.map { strdup($0) } + [nil]
            defer { for argument in cArguments { free(argument) } }
            let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
            guard spawned == 0 else {
                throw Unavailable(description: "cannot run \(argv[0]): \(String(cString: strerror(spawned)))")
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            guard status == 0 else {
                throw Unavailable(description: "\(argv.joined(separator: " ")) failed: \(text)")
            }
            return text
        }
    }

    private static let started = Mutex<(String, String, Bool)?>(nil)
}
