import DealFlowCore
import Foundation

/// `stages`: how long deals stay in each stage, for the deals that entered it in the period: their
/// latest visit and their visits added up, in calendar days and in business days (working days of the
/// workflow's calendar). A visit still going on is measured to now and counted as open.
public struct StageTimeReport: TimelineReducer, PipelineReport {
    let context: ReportContext

    /// The measures of one stage.
    struct Measures {
        var latestDays = Samples()
        var latestBusinessDays = Samples()
        var cumulativeDays = Samples()
        var cumulativeBusinessDays = Samples()
        var open = 0
    }

    private let stages: [String]
    private let stageIndex: [String: Int]
    private var measures: [Measures]
    private var days: CalendarDays
    /// Per deal, by stage index: its latest visit begun in the period with that visit's durations,
    /// and its visits added up.
    private var latest: [(visit: StageVisit, days: Double, working: Double)?]
    private var totals: [(days: Double, working: Double)]
    private var touched: [Int] = []

    /// An empty report for a context: every stage but the outcome stages, in file order.
    public init(_ context: ReportContext) {
        self.context = context
        self.stages = context.workflow.definition.stages.filter { $0.outcome == nil }.map(\.name)
        self.stageIndex = Dictionary(uniqueKeysWithValues: stages.enumerated().map { ($1, $0) })
        self.measures = Array(repeating: Measures(), count: stages.count)
        self.days = CalendarDays(context.calendar)
        self.latest = Array(repeating: nil, count: stages.count)
        self.totals = Array(repeating: (0, 0), count: stages.count)
    }

    public mutating func add(_ deal: DealTimeline) {
        for visit in deal.visits {
            guard let index = stageIndex(of: visit.stage), context.period.contains(visit.enteredAt) else { continue }
            let (calendarDays, working) = duration(visit)
            if latest[index] == nil { touched.append(index) }
            latest[index] = (visit, calendarDays, working)
            totals[index].days += calendarDays
            totals[index].working += working
        }
        for index in touched {
            let visit = latest[index]!
            measures[index].latestDays.add(visit.days)
            measures[index].latestBusinessDays.add(visit.working)
            measures[index].cumulativeDays.add(totals[index].days)
            measures[index].cumulativeBusinessDays.add(totals[index].working)
            if visit.visit.leftAt == nil { measures[index].open += 1 }
            latest[index] = nil
            totals[index] = (0, 0)
        }
        touched.removeAll(keepingCapacity: true)
    }

    /// A stage's position: for a handful of stages, comparing names (short ones inline; the store
    /// hands over the workflow's own strings) costs less than hashing one.
    private func stageIndex(of stage: String) -> Int? {
        stages.count <= 16 ? stages.firstIndex(of: stage) : stageIndex[stage]
    }

    /// Calendar days (elapsed time / 24 h) and whole working days between entering and leaving.
    private mutating func duration(_ visit: StageVisit) -> (Double, Double) {
        let end = visit.leftAt ?? context.now
        let calendarDays = end.timeIntervalSince(visit.enteredAt) / 86_400
        // The local days first: read as arguments of `days.workdays`, they would mutate a copy of
        // `days` and copy its cache of zone offsets on every new hour.
        let entered = days.day(of: visit.enteredAt)
        let left = days.day(of: end)
        let working = days.workdays(afterDay: entered, throughDay: left)
        return (calendarDays, Double(working))
    }

    /// Each stage's latest-visit measures in calendar days, for the HTML report.
    var latestDays: [(stage: String, samples: Samples, open: Int)] {
        stages.indices.map { (stages[$0], measures[$0].latestDays, measures[$0].open) }
    }

    /// Median, p90 and mean in calendar and in business days.
    private static func json(_ days: Samples, _ businessDays: Samples) -> JSONValue {
        let calendar: [(String, JSONValue)] = Array(days.json(unit: "days").dropFirst())
        let working: [(String, JSONValue)] = Array(businessDays.json(unit: "business_days").dropFirst())
        return .object(calendar + working)
    }

    private func json(_ stage: String) -> JSONValue {
        let m = measures[stageIndex[stage]!]
        return .object([
            ("stage", .string(stage)), ("deals", .int(m.latestDays.count)), ("open", .int(m.open)),
            ("latest_visit", StageTimeReport.json(m.latestDays, m.latestBusinessDays)),
            ("cumulative", StageTimeReport.json(m.cumulativeDays, m.cumulativeBusinessDays)),
        ])
    }

    public var json: JSONValue {
        .object(
            [("workflow", .string(context.workflow.id))] + context.period.json + [
                ("stages", .array(stages.map(json)))
            ]
        )
    }

    public func tables(_ cell: CellFormat) -> [ReportTable] {
        [
            ReportTable(
                columns: [
                    "STAGE", "DEALS", "OPEN", "MEDIAN DAYS", "P90 DAYS", "MEAN DAYS", "MEDIAN BUSINESS DAYS",
                    "CUMULATIVE MEAN DAYS",
                ],
                rows: stages.map { stage in
                    let m = measures[stageIndex[stage]!]
                    return [
                        stage, String(m.latestDays.count), String(m.open), cell.days(m.latestDays.median),
                        cell.days(m.latestDays.percentile(90)), cell.days(m.latestDays.mean),
                        cell.days(m.latestBusinessDays.median), cell.days(m.cumulativeDays.mean),
                    ]
                }
            )
        ]
    }
}
