import DealFlowCore
import Foundation

/// `velocity`: (deals open now × win rate × average won amount) / average cycle days, per currency,
/// the last three factors over the deals closed in the period.
public struct VelocityReport: TimelineReducer, PipelineReport {
    let context: ReportContext

    /// The factors of one currency.
    struct Factors {
        var open = 0
        var won = 0
        var lost = 0
        var wonAmount = ExactDecimal.zero
        var cycle = Samples()

        var winRate: Double? { ratio(won, won + lost) }
        var averageWonAmount: ExactDecimal? { won == 0 ? nil : wonAmount.divided(by: ExactDecimal(won)) }
        var perDay: Double? {
            guard let winRate, let amount = averageWonAmount, let days = cycle.mean, days > 0 else { return nil }
            return Double(open) * winRate * amount.doubleValue / days
        }
    }

    private var byCurrency: [String: Factors] = [:]

    /// An empty report for a context.
    public init(_ context: ReportContext) { self.context = context }

    public mutating func add(_ deal: DealTimeline) {
        let currency = deal.currencyKey
        if deal.outcome == nil, context.outcome(of: deal.stage) == nil {
            byCurrency[currency, default: Factors()].open += 1
        }
        guard let closing = Closing(deal, period: context.period, stages: context.stages) else { return }
        switch closing.outcome {
        case .won:
            byCurrency[currency, default: Factors()].won += 1
            let total = byCurrency[currency, default: Factors()].wonAmount
            // Int128 with 38 digits: a sum of deal amounts does not overflow; if it did, keep the total.
            byCurrency[currency, default: Factors()].wonAmount = total.adding(deal.amount ?? .zero) ?? total
            byCurrency[currency, default: Factors()].cycle.add(closing.cycleDays)
        case .lost:
            byCurrency[currency, default: Factors()].lost += 1
        }
    }

    private var currencies: [String] { byCurrency.keys.sorted() }

    public var json: JSONValue {
        .object(
            [("workflow", .string(context.workflow.id))] + context.period.json + [
                (
                    "by_currency",
                    .array(
                        currencies.map { currency in
                            let factors = byCurrency[currency]!
                            return .object([
                                ("currency", currency.isEmpty ? .null : .string(currency)),
                                ("open_deals", .int(factors.open)),
                                ("won", .int(factors.won)), ("lost", .int(factors.lost)),
                                ("win_rate", JSONNumber.rate(factors.won, factors.won + factors.lost)),
                                ("won_amount", JSONNumber.of(factors.wonAmount)),
                                ("average_won_amount", JSONNumber.of(factors.averageWonAmount)),
                                ("cycle_days_total", JSONNumber.of(factors.cycle.total)),
                                ("average_cycle_days", JSONNumber.of(factors.cycle.mean)),
                                ("per_day", JSONNumber.of(factors.perDay)),
                            ])
                        }
                    )
                )
            ]
        )
    }

    public func tables(_ cell: CellFormat) -> [ReportTable] {
        [
            ReportTable(
                columns: ["CURRENCY", "OPEN DEALS", "WIN RATE", "AVG WON AMOUNT", "AVG CYCLE DAYS", "PER DAY"],
                rows: currencies.map { currency in
                    let factors = byCurrency[currency]!
                    return [
                        cell.currency(currency), String(factors.open), cell.percent(factors.winRate),
                        cell.money(factors.averageWonAmount), cell.days(factors.cycle.mean),
                        cell.number(factors.perDay),
                    ]
                }
            )
        ]
    }

    /// Per-day velocity by currency, for the HTML report's headline.
    var perDayByCurrency: [(currency: String, perDay: Double?)] {
        currencies.map { ($0, byCurrency[$0]!.perDay) }
    }
}
