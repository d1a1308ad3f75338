import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Serves `GET /metrics` on 127.0.0.1 beside a daemon, until the process is asked to stop.
///
/// A few lines on SwiftNIO's HTTP/1 pipeline (the stack the webhook client and PostgreSQL already
/// use): each scrape gets the exposition text and the connection is closed after it, as Prometheus
/// expects of a small exporter.
struct MetricsEndpoint: Service {
    private typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    let port: UInt16
    private let server: NIOAsyncChannel<Connection, Never>
    /// The exposition text, computed at each scrape.
    private let render: @Sendable () async throws -> String

    /// How long a connection may go without sending anything before its request has arrived: a scrape
    /// sends it at once, and a client that connects and says nothing would otherwise hold its
    /// connection until the daemon stops.
    static let requestTimeout = TimeAmount.seconds(5)

    /// Binds the port now, so that a port in use fails the command before the scheduler starts.
    static func bind(
        port: UInt16,
        render: @escaping @Sendable () async throws -> String
    ) async throws
        -> MetricsEndpoint
    {
        do {
            let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: "127.0.0.1", port: Int(port)) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandlers(
                            IdleStateHandler(readTimeout: requestTimeout),
                            CloseSilentConnection()
                        )
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
            return MetricsEndpoint(port: port, server: server, render: render)
        } catch {
            throw MetricsEndpointError(port: port, underlying: error)
        }
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { try? await serve(connection) }
                    }
                }
                // The server is closed: connections still open (a client that connected and said
                // nothing, a scrape being answered) are closed with it rather than waited for.
                group.cancelAll()
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
    }

    /// Answers the connection's first request and closes it.
    private func serve(_ connection: Connection) async throws {
        try await connection.executeThenClose { requests, responses in
            var head: HTTPRequestHead?
            for try await part in requests {
                switch part {
                case .head(let request): head = request
                case .body: continue
                case .end:
                    guard let request = head else { continue }
                    let (status, body) = await answer(request)
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
                    headers.add(name: "Content-Length", value: String(body.utf8.count))
                    headers.add(name: "Connection", value: "close")
                    if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
                    try await responses.write(
                        .head(HTTPResponseHead(version: request.version, status: status, headers: headers))
                    )
                    if request.method != .HEAD {
                        try await responses.write(.body(.byteBuffer(ByteBuffer(string: body))))
                    }
                    try await responses.write(.end(nil))
                    return
                }
            }
        }
    }

    private func answer(_ request: HTTPRequestHead) async -> (HTTPResponseStatus, String) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        guard path == "/metrics" else { return (.notFound, "not found; the metrics are at /metrics\n") }
        guard request.method == .GET || request.method == .HEAD else {
            return (.methodNotAllowed, "\(request.method) is not allowed; use GET\n")
        }
        do {
            return (.ok, try await render())
        } catch {
            return (.internalServerError, "error: \(error)\n")
        }
    }
}

/// Closes a connection that has gone ``MetricsEndpoint/requestTimeout`` without a read before its
/// request was complete. Once the request has arrived, the answer takes what it takes.
private final class CloseSilentConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private var requestArrived = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { requestArrived = true }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, !requestArrived {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// The metrics port could not be served (in use, say).
struct MetricsEndpointError: Error, CustomStringConvertible {
    let port: UInt16
    let underlying: any Error
    var description: String {
        var reason = "\(underlying)"
        if let error = underlying as? IOError { reason = String(cString: strerror(error.errnoCode)).lowercased() }
        return "cannot serve metrics on 127.0.0.1:\(port): \(reason)"
    }
}
