import DealFlowCore
import Foundation

/// `winrate`: among the deals that closed in the period (entered an outcome stage; a deal reopened
/// and closed again counts once, by its latest outcome), won / (won + lost), by count and, per
/// currency, by amount. Open deals are left out.
public struct WinRateReport: TimelineReducer, PipelineReport {
    let context: ReportContext
    public private(set) var won = 0
    public private(set) var lost = 0
    public private(set) var wonAmount = MoneyTotals()
    public private(set) var lostAmount = MoneyTotals()

    /// An empty report for a context.
    public init(_ context: ReportContext) { self.context = context }

    public mutating func add(_ deal: DealTimeline) {
        guard let closing = Closing(deal, period: context.period, stages: context.stages) else { return }
        switch closing.outcome {
        case .won:
            won += 1
            wonAmount.add(deal.amount, currency: deal.currencyKey)
            lostAmount.add(nil, currency: deal.currencyKey)
        case .lost:
            lost += 1
            lostAmount.add(deal.amount, currency: deal.currencyKey)
            wonAmount.add(nil, currency: deal.currencyKey)
        }
    }

    /// won / (won + lost), if any deal closed.
    public var rate: Double? { ratio(won, won + lost) }

    private func amountRate(_ currency: String) -> ExactDecimal? {
        let total = wonAmount[currency].adding(lostAmount[currency]) ?? .zero
        return wonAmount[currency].divided(by: total)
    }

    public var json: JSONValue {
        .object(
            [("workflow", .string(context.workflow.id))] + context.period.json + [
                ("won", .int(won)), ("lost", .int(lost)), ("closed", .int(won + lost)),
                ("rate", JSONNumber.rate(won, won + lost)),
                (
                    "by_currency",
                    .array(
                        wonAmount.currencies.map { currency in
                            .object([
                                ("currency", currency.isEmpty ? .null : .string(currency)),
                                ("won_amount", JSONNumber.of(wonAmount[currency])),
                                ("lost_amount", JSONNumber.of(lostAmount[currency])),
                                ("amount_rate", JSONNumber.of(amountRate(currency))),
                            ])
                        }
                    )
                ),
            ]
        )
    }

    public func tables(_ cell: CellFormat) -> [ReportTable] {
        [
            ReportTable(
                columns: ["WON", "LOST", "WIN RATE"],
                rows: [[String(won), String(lost), cell.percent(rate)]]
            ),
            ReportTable(
                title: "By amount",
                columns: ["CURRENCY", "WON", "LOST", "WIN RATE"],
                rows: wonAmount.currencies.map {
                    [
                        cell.currency($0), cell.money(wonAmount[$0]), cell.money(lostAmount[$0]),
                        cell.percent(amountRate($0)?.doubleValue),
                    ]
                }
            ),
        ]
    }
}

/// `cycle`: days from creation to the first win for the deals won in the period, and from creation to
/// the first outcome of their kind for every deal closed in the period.
public struct CycleReport: TimelineReducer, PipelineReport {
    let context: ReportContext
    public private(set) var won = Samples()
    public private(set) var closed = Samples()

    /// An empty report for a context.
    public init(_ context: ReportContext) { self.context = context }

    public mutating func add(_ deal: DealTimeline) {
        guard let closing = Closing(deal, period: context.period, stages: context.stages) else { return }
        closed.add(closing.cycleDays)
        if closing.outcome == .won { won.add(closing.cycleDays) }
    }

    private static func json(_ samples: Samples) -> JSONValue {
        .object([
            ("deals", .int(samples.count)), ("total_days", JSONNumber.of(samples.total)),
            ("median_days", JSONNumber.of(samples.median)), ("mean_days", JSONNumber.of(samples.mean)),
        ])
    }

    public var json: JSONValue {
        .object(
            [("workflow", .string(context.workflow.id))] + context.period.json + [
                ("won", CycleReport.json(won)), ("closed", CycleReport.json(closed)),
            ]
        )
    }

    public func tables(_ cell: CellFormat) -> [ReportTable] {
        [
            ReportTable(
                columns: ["DEALS", "COUNT", "MEDIAN DAYS", "MEAN DAYS"],
                rows: [("won", won), ("closed", closed)].map {
                    [$0.0, String($0.1.count), cell.days($0.1.median), cell.days($0.1.mean)]
                }
            )
        ]
    }
}
