import DealFlowCore
import Foundation

/// Samples of one measure (days, seconds) kept to report their median, 90th percentile and mean.
///
/// SQLite has no median or percentile; a report adds one sample per deal, not per event, so the
/// samples stay small however long the history is.
public struct Samples: Hashable, Sendable {
    public private(set) var values: [Double] = []
    private var sorted = true

    /// No samples.
    public init() {}

    /// Adds a sample.
    public mutating func add(_ value: Double) {
        if let last = values.last, value < last { sorted = false }
        values.append(value)
    }

    public var count: Int { values.count }
    public var total: Double { values.reduce(0, +) }
    public var mean: Double? { values.isEmpty ? nil : total / Double(values.count) }

    /// The middle value, or the mean of the two middle values.
    public var median: Double? { Self.median(of: orderedValues) }

    /// The nearest-rank percentile: the smallest value with at least `p` percent of the samples at or
    /// below it.
    public func percentile(_ p: Int) -> Double? { Self.percentile(p, of: orderedValues) }

    private static func median(of ordered: [Double]) -> Double? {
        guard !ordered.isEmpty else { return nil }
        let middle = ordered.count / 2
        return ordered.count % 2 == 1 ? ordered[middle] : (ordered[middle - 1] + ordered[middle]) / 2
    }

    private static func percentile(_ p: Int, of ordered: [Double]) -> Double? {
        guard !ordered.isEmpty else { return nil }
        let rank = max(1, (p * ordered.count + 99) / 100)
        return ordered[rank - 1]
    }

    private var orderedValues: [Double] { sorted ? values : values.sorted() }

    /// `{"count", "total", "median", "p90", "mean"}` in the given unit's names: the mean is total / count.
    func json(unit: String, percentile90: Bool = true) -> [(String, JSONValue)] {
        // Sorted once for both the median and the percentile: a stage's samples are one per deal.
        let ordered = orderedValues
        var fields: [(String, JSONValue)] = [
            ("count", .int(count)), ("total_\(unit)", JSONNumber.of(total)),
            ("median_\(unit)", JSONNumber.of(Self.median(of: ordered))),
        ]
        if percentile90 { fields.append(("p90_\(unit)", JSONNumber.of(Self.percentile(90, of: ordered)))) }
        fields.append(("mean_\(unit)", JSONNumber.of(mean)))
        return fields
    }
}

/// Amounts summed exactly, one total per currency; never across currencies.
public struct MoneyTotals: Hashable, Sendable {
    public private(set) var totals: [String: ExactDecimal] = [:]

    /// No amounts.
    public init() {}

    /// Adds an amount under its currency (a missing amount adds nothing but still lists the currency).
    public mutating func add(_ amount: ExactDecimal?, currency: String) {
        let current = totals[currency] ?? .zero
        // Int128 with 38 digits: a sum of deal amounts does not overflow.
        totals[currency] = current.adding(amount ?? .zero) ?? current
    }

    /// Adds every total of another.
    public mutating func add(_ other: MoneyTotals) {
        for (currency, amount) in other.totals { add(amount, currency: currency) }
    }

    public subscript(currency: String) -> ExactDecimal { totals[currency] ?? .zero }

    /// The currencies, alphabetically.
    public var currencies: [String] { totals.keys.sorted() }
}

/// Numbers as JSON: unrounded, `null` where there is nothing to divide.
enum JSONNumber {
    static func of(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number("\(value)")
    }

    static func of(_ value: ExactDecimal?) -> JSONValue { value.map { .number($0.description) } ?? .null }

    /// `numerator / denominator`, or `null` when the denominator is zero.
    static func rate(_ numerator: Int, _ denominator: Int) -> JSONValue {
        of(ratio(numerator, denominator))
    }

    static func rate(_ numerator: ExactDecimal, _ denominator: ExactDecimal) -> JSONValue {
        of(numerator.divided(by: denominator))
    }
}

func ratio(_ numerator: Int, _ denominator: Int) -> Double? {
    denominator == 0 ? nil : Double(numerator) / Double(denominator)
}

/// How a table writes its numbers: for people (rates as percentages, amounts grouped, one decimal), or
/// raw for CSV (unrounded fractions and plain decimals, empty where there is nothing).
public struct CellFormat: Sendable {
    /// Raw numbers, for CSV.
    public var raw: Bool

    /// For people.
    public static let display = CellFormat(raw: false)
    /// For CSV.
    public static let csv = CellFormat(raw: true)

    func percent(_ value: Double?) -> String {
        guard let value else { return raw ? "" : "-" }
        return raw ? "\(value)" : String(format: "%.1f%%", value * 100)
    }

    func days(_ value: Double?) -> String {
        guard let value else { return raw ? "" : "-" }
        return raw ? "\(value)" : String(format: "%.1f", value)
    }

    func number(_ value: Double?) -> String {
        guard let value else { return raw ? "" : "-" }
        guard !raw else { return "\(value)" }
        return ExactDecimal(parsing: String(format: "%.2f", value))?.formatted(places: 2)
            ?? String(format: "%.2f", value)
    }

    func seconds(_ value: Double?) -> String {
        guard let value else { return raw ? "" : "-" }
        guard !raw else { return "\(value)" }
        let magnitude = abs(value)
        if magnitude < 120 { return String(format: "%.0f s", value) }
        if magnitude < 7_200 { return String(format: "%.0f min", value / 60) }
        if magnitude < 172_800 { return String(format: "%.1f h", value / 3_600) }
        return String(format: "%.1f d", value / 86_400)
    }

    func money(_ value: ExactDecimal) -> String { raw ? value.description : value.formatted(places: 2) }

    func money(_ value: ExactDecimal?) -> String { value.map(money) ?? (raw ? "" : "-") }

    func currency(_ key: String) -> String { key.isEmpty && !raw ? "-" : key }
}

extension ExactDecimal {
    /// The value as a binary floating-point number, for ratios and charts (never for sums).
    var doubleValue: Double { Double(description) ?? 0 }
}
