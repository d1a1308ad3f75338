import Foundation
import Synchronization

/// Where new deals, tasks and timers get their identifiers.
public protocol IdentifierSource: Sendable {
    /// A new identifier starting with `prefix` (`deal`, `task`, `timer`), unique in the store.
    func next(_ prefix: String) -> String
}

/// Random identifiers such as `deal-3f9a1c27b04e`: what the CLI uses.
public struct RandomIdentifiers: IdentifierSource {
    /// Creates the source.
    public init() {}

    /// `prefix-` and twelve random hexadecimal digits.
    public func next(_ prefix: String) -> String {
        let hex = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        return "\(prefix)-\(hex.prefix(12))"
    }
}

/// Numbered identifiers, counted per prefix (`deal-000001`, `task-000001`), for reproducible demos and
/// tests.
public final class SequentialIdentifiers: IdentifierSource {
    private let counters = Mutex<[String: Int]>([:])
    private let namespace: String

    /// Creates a source; `namespace` keeps two runs on one database apart.
    public init(namespace: String = "") {
        self.namespace = namespace
    }

    /// The next number of this prefix, with the prefix.
    public func next(_ prefix: String) -> String {
        let number = counters.withLock { counters in
            counters[prefix, default: 0] += 1
            return counters[prefix]!
        }
        let digits = String(number)
        return "\(prefix)-\(namespace)\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits)"
    }
}
