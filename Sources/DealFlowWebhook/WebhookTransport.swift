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
/// let hook = WebhookTransport(url: URL(string: "https://crm.example.com/hooks/dealflow")!)
/// let delivery = Delivery(outbox: store, transport: hook, consumer: "crm")
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
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(nanoseconds))
        } catch {
            throw DeliveryFailure("POST \(url.absoluteString) failed: \(Self.reason(error, timeout: timeout))")
        }
        // The status decides; the answer's body is then read and dropped (up to 1 MiB, a larger one
        // closes the connection) so that the connection can serve the next event.
        let status = response.status.code
        _ = try? await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(status) else {
            throw DeliveryFailure("POST \(url.absoluteString) answered HTTP \(status)")
        }
    }

    /// A failure in a few words: the common ones named, the rest as NIO describes them.
    private static func reason(_ error: any Error, timeout: Duration) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout:
                return "no answer within \(timeout.components.seconds) s"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: break
            }
        }
        return "\(error)"
    }
}
