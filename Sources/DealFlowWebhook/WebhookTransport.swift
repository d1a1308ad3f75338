import AsyncHTTPClient
import DealFlowEngine
import Foundation
import NIOCore
import NIOHTTP1

/// Delivers each event as an HTTP POST of its JSON (`Content-Type: application/json`, and
/// `DealFlow-Event-Id` for de-duplication); any 2xx status acknowledges.
///
/// It is built on AsyncHTTPClient (SwiftNIO, TLS included) rather than Foundation's `URLSession`,
/// which on Linux makes every process that links it load libcurl and some thirty shared libraries
/// behind it at start; and it lives in a module of its own, so that an app embedding the engine does
/// not take an HTTP client with it.
///
/// ```swift
/// let delivery = Delivery(store: store, consumer: "crm",
///                         transport: WebhookTransport(url: URL(string: "https://crm.example.com/hooks")!))
/// ```
public struct WebhookTransport: EventTransport {
    /// The URL posted to.
    public var url: URL
    /// How long one request may take.
    public var timeout: Duration

    /// Creates a transport.
    public init(url: URL, timeout: Duration = .seconds(30)) {
        self.url = url
        self.timeout = timeout
    }

    public func send(_ json: String, event: EventRecord) async throws {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "DealFlow-Event-Id", value: String(event.id))
        request.body = .bytes(ByteBuffer(string: json))
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let status: HTTPResponseStatus
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(nanoseconds))
            status = response.status
            // The answer's body is read (and dropped) so that the connection can serve the next event.
            _ = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw DeliveryFailure("POST \(url.absoluteString) failed: \(error)")
        }
        guard (200..<300).contains(status.code) else {
            throw DeliveryFailure("POST \(url.absoluteString) answered HTTP \(status.code)")
        }
    }
}
