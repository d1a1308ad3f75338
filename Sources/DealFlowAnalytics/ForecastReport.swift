import DealFlowCore
import Foundation

/// `forecast`: the deals whose close date falls in the period. `closed` is what they won; the open
/// ones add their amount and their weighted amount (amount × stage probability / 100) to their stage's
/// forecast category, and the categories roll up the way Salesforce's do: closed; commit = closed +
/// commit; best case = commit + best case; pipeline = best case + pipeline. `omitted` and lost deals
/// count nowhere.
public struct ForecastReport: TimelineReducer, PipelineReport {
    let context: ReportContext
    /// The categories in roll-up order.
    static let categories: [ForecastCategory] = [.closed, .commit, .bestCase, .pipeline]

    struct Bucket {
        /// Deals by currency.
        var deals: [String: Int] = [:]
        var amount = MoneyTotals()
        /// Σ amount × probability: divided by 100 once, when read, rather than once per deal.
        var weightedTimes100 = MoneyTotals()

        /// Σ amount × probability / 100, exactly.
        var weighted: MoneyTotals {
            var totals = MoneyTotals()
            for currency in weightedTimes100.currencies {
                totals.add(weightedTimes100[currency].divided(by: ExactDecimal(100)), currency: currency)
            }
            return totals
        }
    }

    private var buckets: [ForecastCategory: Bucket] = [:]
    private var currencies = Set<String>()

    /// An empty forecast for a context.
    public init(_ context: ReportContext) { self.context = context }

    public mutating func add(_ deal: DealTimeline) {
        guard let closeDate = deal.closeDate, context.period.contains(closeDate),
            let stage = context.stages[deal.stage]
        else { return }
        let category: ForecastCategory
        let probability: ExactDecimal
        switch deal.outcome {
        case .won:
            category = .closed
            probability = ExactDecimal(100)
        case .lost:
            return
        case nil:
            category = stage.effectiveForecast
            probability = stage.effectiveProbability
        }
        guard ForecastReport.categories.contains(category) else { return }
        currencies.insert(deal.currencyKey)
        buckets[category, default: Bucket()].deals[deal.currencyKey, default: 0] += 1
        buckets[category, default: Bucket()].amount.add(deal.amount, currency: deal.currencyKey)
        buckets[category, default: Bucket()].weightedTimes100.add(
            deal.amount?.multiplied(by: probability),
            currency: deal.currencyKey
        )
    }

    /// Each category's own deals and the cumulative roll-up up to it.
    var rows: [(category: ForecastCategory, own: Bucket, cumulative: Bucket)] {
        var running = Bucket()
        return ForecastReport.categories.map { category in
            let own = buckets[category] ?? Bucket()
            running.deals.merge(own.deals, uniquingKeysWith: +)
            running.amount.add(own.amount)
            running.weightedTimes100.add(own.weightedTimes100)
            return (category, own, running)
        }
    }

    var sortedCurrencies: [String] { currencies.sorted() }

    public var json: JSONValue {
        .object(
            [("workflow", .string(context.workflow.id))] + context.period.json + [
                (
                    "categories",
                    .array(
                        rows.map { row in
                            .object([
                                ("category", .string(row.category.rawValue)),
                                ("deals", .int(row.own.deals.values.reduce(0, +))),
                                ("cumulative_deals", .int(row.cumulative.deals.values.reduce(0, +))),
                                (
                                    "by_currency",
                                    .array(
                                        sortedCurrencies.map { currency in
                                            .object([
                                                ("currency", currency.isEmpty ? .null : .string(currency)),
                                                ("deals", .int(row.own.deals[currency] ?? 0)),
                                                ("amount", JSONNumber.of(row.own.amount[currency])),
                                                ("weighted", JSONNumber.of(row.own.weighted[currency])),
                                                ("cumulative_amount", JSONNumber.of(row.cumulative.amount[currency])),
                                                (
                                                    "cumulative_weighted",
                                                    JSONNumber.of(row.cumulative.weighted[currency])
                                                ),
                                            ])
                                        }
                                    )
                                ),
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
                columns: ["CATEGORY", "CURRENCY", "DEALS", "AMOUNT", "WEIGHTED", "CUMULATIVE", "CUMULATIVE WEIGHTED"],
                rows: rows.flatMap { row in
                    sortedCurrencies.map { currency in
                        [
                            row.category.rawValue, cell.currency(currency), String(row.own.deals[currency] ?? 0),
                            cell.money(row.own.amount[currency]), cell.money(row.own.weighted[currency]),
                            cell.money(row.cumulative.amount[currency]), cell.money(row.cumulative.weighted[currency]),
                        ]
                    }
                }
            )
        ]
    }
}
