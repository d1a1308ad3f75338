import DealFlowCore
import Foundation
import Plot

/// Every KPI a manager looks at, computed in one pass over the history, and the page that shows them:
/// one self-contained HTML file (inline SVG and CSS, nothing fetched from the network).
public struct PipelineDashboard: TimelineReducer {
    public private(set) var funnel: FunnelReport
    public private(set) var stages: StageTimeReport
    public private(set) var forecast: ForecastReport
    public private(set) var winRate: WinRateReport
    public private(set) var cycle: CycleReport
    public private(set) var velocity: VelocityReport
    public private(set) var stale: StaleReport
    let context: ReportContext
    /// Who the page is about, if it is one owner's.
    let owner: String?

    /// Empty reports for a context.
    public init(_ context: ReportContext, owner: String? = nil) {
        self.context = context
        self.owner = owner
        funnel = FunnelReport(context)
        stages = StageTimeReport(context)
        forecast = ForecastReport(context)
        winRate = WinRateReport(context)
        cycle = CycleReport(context)
        velocity = VelocityReport(context)
        stale = StaleReport(context)
    }

    public mutating func add(_ deal: DealTimeline) {
        funnel.add(deal)
        stages.add(deal)
        forecast.add(deal)
        winRate.add(deal)
        cycle.add(deal)
        velocity.add(deal)
        stale.add(deal)
    }

    /// The dashboard of a workflow, in one scan of its history.
    public static func compute(
        context: ReportContext,
        owner: String?,
        source: some PipelineHistorySource
    ) async throws -> PipelineDashboard {
        try await source.scanTimelines(
            workflow: context.workflow,
            owner: owner,
            into: PipelineDashboard(context, owner: owner)
        )
    }

    // MARK: - The page

    /// The page.
    public var html: String {
        let workflow = context.workflow.definition
        let title = workflow.title ?? context.workflow.id
        let period: String
        switch (context.period.from, context.period.to) {
        case (nil, nil): period = "all time"
        case (let from?, nil): period = "from \(from)"
        case (nil, let to?): period = "before \(to)"
        case (let from?, let to?): period = "\(from) to \(to) (exclusive)"
        }
        let page = HTML(
            .head(
                .meta(.charset(.utf8)),
                .title("\(title): pipeline report"),
                .style(PipelineDashboard.css)
            ),
            .body(
                .header(
                    .h1(.text(title)),
                    .p(
                        .class("subtitle"),
                        .text(
                            "Workflow \(context.workflow.id) · \(period) · \(workflow.timeZone.value.identifier)"
                                + (owner.map { " · owner \($0)" } ?? "") + " · as of \(context.localTime(context.now))"
                        )
                    )
                ),
                .div(.class("headlines"), .group(headlines)),
                .section(
                    .h2("Funnel"),
                    .p(
                        .class("note"),
                        .text(
                            "Deals created in the period (\(funnel.cohort)) and the furthest funnel step each reached; "
                                + "a skipped stage counts as passed, a lost deal stops where it was lost."
                        )
                    ),
                    funnelChart
                ),
                .section(
                    .h2("Time in stage"),
                    .p(
                        .class("note"),
                        .text(
                            "Latest visit of each deal that entered the stage in the period: bar to the median, whisker to the 90th percentile, calendar days. Open visits are measured to now."
                        )
                    ),
                    stageChart
                ),
                .section(
                    .h2("Forecast"),
                    .p(
                        .class("note"),
                        .text(
                            "Deals with a close date in the period, rolled up: closed; commit = closed + commit; best case = commit + best case; pipeline = best case + pipeline. The darker part is weighted by stage probability."
                        )
                    ),
                    forecastChart
                ),
                .section(.h2("Stale deals"), staleTable)
            )
        )
        return page.render(indentedBy: .spaces(1))
    }

    private static func card(_ label: String, _ value: String, _ detail: String) -> Node<HTML.BodyContext> {
        .div(
            .class("card"),
            .div(.class("label"), .text(label)),
            .div(.class("value"), .text(value)),
            .div(.class("detail"), .text(detail))
        )
    }

    private var headlines: [Node<HTML.BodyContext>] {
        let display = CellFormat.display
        var cards: [Node<HTML.BodyContext>] = [
            PipelineDashboard.card(
                "Win rate",
                display.percent(winRate.rate),
                "\(winRate.won) won of \(winRate.won + winRate.lost) closed"
            ),
            PipelineDashboard.card(
                "Sales cycle",
                cycle.won.median.map { display.days($0) + " d" } ?? "-",
                "median days to the first win, \(cycle.won.count) deals"
            ),
        ]
        for (currency, perDay) in velocity.perDayByCurrency {
            cards.append(
                PipelineDashboard.card(
                    "Velocity \(currency)",
                    perDay.map { ExactDecimal(parsing: String(format: "%.0f", $0))?.formatted(places: 0) ?? "-" }
                        ?? "-",
                    "expected won amount per day"
                )
            )
        }
        cards.append(PipelineDashboard.card("Stale deals", String(stale.rows.count), "idle longer than rot_after"))
        return cards
    }

    // MARK: Charts

    private static let width = 760.0
    private static let labelWidth = 150.0
    private static let barArea = 470.0

    private static func svg(height: Double, _ nodes: [Node<HTML.BodyContext>]) -> Node<HTML.BodyContext> {
        .element(
            named: "svg",
            nodes: [
                .attribute(named: "xmlns", value: "http://www.w3.org/2000/svg"),
                .attribute(named: "viewBox", value: "0 0 \(Int(width)) \(Int(height))"),
                .attribute(named: "width", value: String(Int(width))),
                .attribute(named: "role", value: "img"),
            ] + nodes
        )
    }

    private static func rect(
        x: Double,
        y: Double,
        width: Double,
        height: Double,
        fill: String
    ) -> Node<HTML.BodyContext> {
        .selfClosedElement(
            named: "rect",
            attributes: [
                Attribute(name: "x", value: number(x)), Attribute(name: "y", value: number(y)),
                Attribute(name: "width", value: number(max(width, 0))),
                Attribute(name: "height", value: number(height)),
                Attribute(name: "rx", value: "3"), Attribute(name: "fill", value: fill),
            ]
        )
    }

    private static func text(
        _ content: String,
        x: Double,
        y: Double,
        anchor: String = "start",
        className: String = "t"
    ) -> Node<HTML.BodyContext> {
        .element(
            named: "text",
            nodes: [
                .attribute(named: "x", value: number(x)), .attribute(named: "y", value: number(y)),
                .attribute(named: "text-anchor", value: anchor), .attribute(named: "class", value: className),
                .text(content),
            ]
        )
    }

    private static func line(x1: Double, y1: Double, x2: Double, y2: Double) -> Node<HTML.BodyContext> {
        .selfClosedElement(
            named: "line",
            attributes: [
                Attribute(name: "x1", value: number(x1)), Attribute(name: "y1", value: number(y1)),
                Attribute(name: "x2", value: number(x2)), Attribute(name: "y2", value: number(y2)),
                Attribute(name: "class", value: "whisker"),
            ]
        )
    }

    private static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    private var funnelChart: Node<HTML.BodyContext> {
        let steps = context.workflow.funnelStages
        let rowHeight = 46.0
        var nodes: [Node<HTML.BodyContext>] = []
        let widest = Double(max(funnel.cohort, 1))
        for (index, stage) in steps.enumerated() {
            let y = Double(index) * rowHeight + 8
            let reached = funnel.reached[index]
            let width = PipelineDashboard.barArea * Double(reached) / widest
            let x = PipelineDashboard.labelWidth + (PipelineDashboard.barArea - width) / 2
            nodes.append(PipelineDashboard.text(stage, x: PipelineDashboard.labelWidth - 12, y: y + 19, anchor: "end"))
            nodes.append(
                PipelineDashboard.rect(
                    x: x,
                    y: y,
                    width: width,
                    height: 28,
                    fill: PipelineDashboard.funnelColor(index, of: steps.count)
                )
            )
            nodes.append(
                PipelineDashboard.text(
                    String(reached),
                    x: PipelineDashboard.labelWidth + PipelineDashboard.barArea + 12,
                    y: y + 19,
                    className: "t strong"
                )
            )
            if index > 0 {
                let previous = funnel.reached[index - 1]
                nodes.append(
                    PipelineDashboard.text(
                        "↓ " + CellFormat.display.percent(ratio(reached, previous)),
                        x: PipelineDashboard.labelWidth + PipelineDashboard.barArea + 60,
                        y: y + 3,
                        className: "t muted"
                    )
                )
            }
        }
        return PipelineDashboard.svg(height: Double(steps.count) * rowHeight + 8, nodes)
    }

    private static func funnelColor(_ index: Int, of count: Int) -> String {
        let palette = ["#1d4ed8", "#2563eb", "#3b82f6", "#60a5fa", "#93c5fd", "#bfdbfe"]
        if index == count - 1 { return "#059669" }
        return palette[min(index, palette.count - 1)]
    }

    private var stageChart: Node<HTML.BodyContext> {
        let rows = stages.latestDays
        let longest = max(rows.compactMap { $0.samples.percentile(90) }.max() ?? 1, 1)
        // Room on the right for the label after the whisker.
        let scale = (PipelineDashboard.barArea - 110) / longest
        let rowHeight = 34.0
        var nodes: [Node<HTML.BodyContext>] = []
        for (index, row) in rows.enumerated() {
            let y = Double(index) * rowHeight + 8
            let left = PipelineDashboard.labelWidth
            nodes.append(PipelineDashboard.text(row.stage, x: left - 12, y: y + 15, anchor: "end"))
            guard let median = row.samples.median, let p90 = row.samples.percentile(90) else {
                nodes.append(PipelineDashboard.text("no visits", x: left, y: y + 15, className: "t muted"))
                continue
            }
            nodes.append(PipelineDashboard.rect(x: left, y: y, width: median * scale, height: 20, fill: "#6366f1"))
            nodes.append(
                PipelineDashboard.line(x1: left + median * scale, y1: y + 10, x2: left + p90 * scale, y2: y + 10)
            )
            nodes.append(PipelineDashboard.line(x1: left + p90 * scale, y1: y + 3, x2: left + p90 * scale, y2: y + 17))
            let label =
                "\(CellFormat.display.days(median)) d · p90 \(CellFormat.display.days(p90)) d · \(row.samples.count)"
                + (row.open > 0 ? " (\(row.open) open)" : "")
            nodes.append(PipelineDashboard.text(label, x: left + p90 * scale + 8, y: y + 15, className: "t muted"))
        }
        return PipelineDashboard.svg(height: Double(rows.count) * rowHeight + 8, nodes)
    }

    private var forecastChart: Node<HTML.BodyContext> {
        let currencies = forecast.sortedCurrencies
        guard !currencies.isEmpty else { return .p(.class("note"), .text("No deal has a close date in the period.")) }
        let rows = forecast.rows
        let rowHeight = 30.0
        var nodes: [Node<HTML.BodyContext>] = []
        var y = 8.0
        for currency in currencies {
            let largest = max(rows.map { $0.cumulative.amount[currency].doubleValue }.max() ?? 1, 1)
            // Room on the right for the amounts.
            let scale = (PipelineDashboard.barArea - 170) / largest
            nodes.append(
                PipelineDashboard.text(currency.isEmpty ? "amount" : currency, x: 4, y: y + 14, className: "t strong")
            )
            y += 24
            for row in rows {
                let amount = row.cumulative.amount[currency]
                let weighted = row.cumulative.weighted[currency]
                let left = PipelineDashboard.labelWidth
                nodes.append(
                    PipelineDashboard.text(
                        PipelineDashboard.categoryName(row.category),
                        x: left - 12,
                        y: y + 15,
                        anchor: "end"
                    )
                )
                nodes.append(
                    PipelineDashboard.rect(
                        x: left,
                        y: y,
                        width: amount.doubleValue * scale,
                        height: 20,
                        fill: "#a7f3d0"
                    )
                )
                nodes.append(
                    PipelineDashboard.rect(
                        x: left,
                        y: y,
                        width: weighted.doubleValue * scale,
                        height: 20,
                        fill: "#059669"
                    )
                )
                nodes.append(
                    PipelineDashboard.text(
                        "\(amount.formatted(places: 0)) · weighted \(weighted.formatted(places: 0))",
                        x: left + amount.doubleValue * scale + 8,
                        y: y + 15,
                        className: "t muted"
                    )
                )
                y += rowHeight
            }
            y += 10
        }
        return PipelineDashboard.svg(height: y, nodes)
    }

    private static func categoryName(_ category: ForecastCategory) -> String {
        switch category {
        case .closed: "closed"
        case .commit: "commit"
        case .bestCase: "best case"
        case .pipeline: "pipeline"
        case .omitted: "omitted"
        }
    }

    private var staleTable: Node<HTML.BodyContext> {
        let table = stale.tables(.display)[0]
        guard !table.rows.isEmpty else {
            return .p(.class("note"), .text("No deal is idle longer than its stage allows."))
        }
        return .table(
            .tr(.forEach(table.columns) { .th(.text($0.capitalized)) }),
            .forEach(table.rows) { row in .tr(.forEach(row) { .td(.text($0)) }) }
        )
    }

    private static let css = """
        body { font: 14px/1.45 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; color: #1f2937;
               background: #f8fafc; margin: 0; padding: 28px 36px; max-width: 880px; }
        h1 { font-size: 24px; margin: 0; }
        h2 { font-size: 17px; margin: 0 0 4px; }
        .subtitle, .note, .muted { color: #6b7280; }
        .note { font-size: 12.5px; margin: 0 0 10px; }
        section { background: #fff; border: 1px solid #e5e7eb; border-radius: 10px; padding: 16px 20px; margin: 18px 0; }
        .headlines { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0; }
        .card { background: #fff; border: 1px solid #e5e7eb; border-radius: 10px; padding: 12px 16px; min-width: 150px; flex: 1; }
        .card .label { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; }
        .card .value { font-size: 26px; font-weight: 600; margin: 2px 0; }
        .card .detail { font-size: 12px; color: #6b7280; }
        svg { max-width: 100%; height: auto; }
        svg .t { font-size: 13px; fill: #374151; }
        svg .strong { font-weight: 600; }
        svg .muted { fill: #6b7280; font-size: 12px; }
        svg .whisker { stroke: #312e81; stroke-width: 2; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        th { text-align: left; color: #6b7280; font-weight: 600; border-bottom: 1px solid #e5e7eb; padding: 6px 8px; }
        td { border-bottom: 1px solid #f1f5f9; padding: 6px 8px; }
        """
}
