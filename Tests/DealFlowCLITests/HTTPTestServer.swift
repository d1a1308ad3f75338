import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real HTTP/1.1 server on 127.0.0.1 for webhook tests: it records every request body and answers
/// with the status `respond` gives for the request's number (from 1).
final class HTTPTestServer: Sendable {
    let port: UInt16
    private let socket: Int32
    private let received = Mutex<[String]>([])
    private let respond: @Sendable (Int) -> Int

    var bodies: [String] { received.withLock { $0 } }

    init(respond: @escaping @Sendable (Int) -> Int = { _ in 200 }) throws {
        self.respond = respond
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        socket = descriptor
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private func serve() {
        var count = 0
        while true {
            let connection = accept(socket, nil, nil)
            if connection < 0 { return }
            count += 1
            let request = read(connection)
            let status = respond(count)
            if let body = request, (200..<300).contains(status) { received.withLock { $0.append(body) } }
            let reply =
                "HTTP/1.1 \(status) \(status < 300 ? "OK" : "Failure")\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = reply.withCString { send(connection, $0, strlen($0), 0) }
            close(connection)
        }
    }

    /// The body of one request, read up to its Content-Length.
    private func read(_ connection: Int32) -> String? {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(connection, &buffer, buffer.count, 0)
            if count <= 0 { return nil }
            data += buffer[0..<count]
            let text = String(decoding: data, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { continue }
            let headers = text[..<end.lowerBound].lowercased()
            let length =
                headers.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            let bodyStart = text.utf8.distance(from: text.startIndex, to: end.upperBound)
            if data.count - bodyStart >= length {
                return String(decoding: data[bodyStart..<(bodyStart + length)], as: UTF8.self)
            }
        }
    }
}
