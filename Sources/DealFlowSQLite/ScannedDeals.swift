import DealFlowAnalytics
import DealFlowCore
import Foundation

/// Whole deals with their stage entries, copied out of SQLite's statements as bytes and integers: the
/// thread that steps the statements fills a batch, another turns it into ``DealTimeline`` values and
/// folds them, so that a report runs on two cores.
///
/// A batch never splits a deal: its entries follow its row, and the deal is complete when the next
/// deal's row is added.
struct ScannedDeals: Sendable {
    /// Where a text value lies in ``text``; a negative `count` is NULL.
    struct Span: Sendable {
        var start: Int32
        var count: Int32

        static let null = Span(start: 0, count: -1)
    }

    /// A stage name: one of the workflow's, by its position, or (from an older version) other text.
    enum Stage: Sendable {
        case null
        case known(Int32)
        case other(Span)
    }

    /// A deal's row.
    struct Deal: Sendable {
        var id: Span
        var owner: Span
        var stage: Stage
        var outcome: Span
        var amount: Span
        var currency: Span
        var closeDate: Span
        var createdAt: Int64
        var updatedAt: Int64
        /// Its entries are `entries[firstEntry ..< firstEntry + entryCount]`, set by ``append(_:)-(Deal)``.
        var firstEntry: Int32 = 0
        var entryCount: Int32 = 0
    }

    /// One history entry that enters a stage.
    struct Entry: Sendable {
        var at: Int64
        var stage: Stage
    }

    private(set) var deals: [Deal] = []
    private(set) var entries: [Entry] = []
    /// The bytes of every text value, one after the other.
    private(set) var text: [UInt8] = []

    /// Makes room for about `deals` deals of `entriesPerDeal` entries each.
    init(reservingDeals deals: Int = 0, entriesPerDeal: Int = 0) {
        self.deals.reserveCapacity(deals)
        self.entries.reserveCapacity(deals * entriesPerDeal)
        self.text.reserveCapacity(deals * 64)
    }

    /// Copies text bytes (or NULL) into the batch.
    mutating func append(text bytes: UnsafeBufferPointer<UInt8>?) -> Span {
        guard let bytes else { return .null }
        let span = Span(start: Int32(text.count), count: Int32(bytes.count))
        text.append(contentsOf: bytes)
        return span
    }

    /// Adds a deal's row; the entries added next are its own.
    mutating func append(_ deal: Deal) {
        var deal = deal
        deal.firstEntry = Int32(entries.count)
        deal.entryCount = 0
        deals.append(deal)
    }

    /// Adds an entry of the last deal added.
    mutating func append(_ entry: Entry) {
        precondition(!deals.isEmpty, "an entry before any deal")
        entries.append(entry)
        deals[deals.count - 1].entryCount += 1
    }

    /// Builds each deal's timeline, in order, and hands it to the reducer.
    func reduce<Reducer: TimelineReducer>(into reducer: inout Reducer, stages: [String]) {
        func string(_ span: Span) -> String? {
            guard span.count >= 0 else { return nil }
            return String(decoding: text[range(span)], as: UTF8.self)
        }
        func stage(_ stage: Stage) -> String? {
            switch stage {
            case .null: nil
            case .known(let index): stages[Int(index)]
            case .other(let span): string(span)
            }
        }
        for deal in deals {
            var timeline = DealTimeline(
                id: string(deal.id) ?? "",
                owner: string(deal.owner) ?? "",
                createdAt: Millis.date(deal.createdAt),
                stage: stage(deal.stage) ?? "",
                outcome: string(deal.outcome).flatMap(Outcome.init(rawValue:)),
                amount: string(deal.amount).flatMap { ExactDecimal(parsing: $0) },
                currency: string(deal.currency),
                closeDate: deal.closeDate.count < 0 ? nil : LocalDate(iso: text[range(deal.closeDate)])
            )
            timeline.lastTouch = Millis.date(deal.updatedAt)
            timeline.visits.reserveCapacity(Int(deal.entryCount))
            for entry in entries[Int(deal.firstEntry)..<Int(deal.firstEntry + deal.entryCount)] {
                timeline.record(at: Millis.date(entry.at), entering: stage(entry.stage))
            }
            reducer.add(timeline)
        }
    }

    private func range(_ span: Span) -> Range<Int> { Int(span.start)..<Int(span.start + span.count) }
}
