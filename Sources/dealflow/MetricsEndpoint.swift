import FlyingFox
import FlyingSocks
import Foundation
import ServiceLifecycle

/// Serves `GET /metrics` on 127.0.0.1 beside a daemon, until the process is asked to stop.
struct MetricsEndpoint: Service {
    let port: UInt16
    /// The exposition text, computed at each scrape.
    let render: @Sendable () async throws -> String

    func run() async throws {
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: port), logger: .disabled)
        await server.appendRoute("GET /metrics") { _ in
            do {
                return HTTPResponse(
                    statusCode: .ok,
                    headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: Data(try await render().utf8)
                )
            } catch {
                return HTTPResponse(statusCode: .internalServerError, body: Data("error: \(error)\n".utf8))
            }
        }
        do {
            try await withGracefulShutdownHandler {
                try await server.run()
            } onGracefulShutdown: {
                Task { await server.stop() }
            }
        } catch {
            // Stopping the server makes it report its closed socket: only a failure before that counts.
            if error is CancellationError || Task.isCancelled || Task.isShuttingDownGracefully {
                await server.stop()
                return
            }
            throw MetricsEndpointError(port: port, underlying: error)
        }
    }
}

extension MetricsEndpoint {
    /// Fails now, before the scheduler starts, when the port cannot be bound (in use, say), rather
    /// than stopping a scheduler that has already begun.
    static func checkAvailable(port: UInt16) throws {
        let socket = try Socket(domain: AF_INET, type: .stream)
        defer { try? socket.close() }
        do {
            try socket.setValue(true, for: .localAddressReuse)
            try socket.bind(to: try .inet(ip4: "127.0.0.1", port: port))
        } catch {
            throw MetricsEndpointError(port: port, underlying: error)
        }
    }
}

/// The metrics port could not be served (in use, say).
struct MetricsEndpointError: Error, CustomStringConvertible {
    let port: UInt16
    let underlying: any Error
    var description: String {
        var reason = "\(underlying)"
        if case .failed(_, _, let message) = underlying as? SocketError { reason = message.lowercased() }
        return "cannot serve metrics on 127.0.0.1:\(port): \(reason)"
    }
}
