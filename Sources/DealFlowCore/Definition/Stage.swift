import Foundation

/// How a stage ends a deal, if it does: entering it records the deal's result.
public enum Outcome: String, Hashable, Sendable, CaseIterable {
    case won, lost
}

/// The forecast category a stage's deals roll up into, the way Salesforce names them.
public enum ForecastCategory: String, Hashable, Sendable, CaseIterable {
    case pipeline
    case bestCase = "best_case"
    case commit
    case closed
    case omitted
}

/// One step of a workflow, such as `prospecting` or `won`.
///
/// Stages are listed in funnel order. A stage may say what its deals need (`requires`), what happens
/// on the way in and out (`on_enter`, `on_exit`), what is scheduled while a deal stays (`timers`), and
/// when a deal idling in it is stale (`rot_after`).
public struct Stage: Sendable {
    /// The stage's parts, shared by copies until one of them changes: the machine looks stages up on
    /// every decision, and a shared copy costs one reference count instead of one per part.
    private struct Parts {
        var name: String
        var location: SourceLocation
        var initialLocation: SourceLocation?
        var probability: Located<ExactDecimal>?
        var forecast: Located<ForecastCategory>?
        var guidance: String?
        var requires: [Located<String>]
        var rotAfter: Located<CalendarDuration>?
        var outcome: Located<Outcome>?
        var onEnter: [Action]
        var onExit: [Action]
        var timers: [StageTimer]
    }

    private var parts: CopyOnWrite<Parts>

    /// The stage's name, exactly as written.
    public var name: String {
        get { parts.value.name }
        set { parts.value.name = newValue }
    }
    /// Where the stage's key is written.
    public var location: SourceLocation {
        get { parts.value.location }
        set { parts.value.location = newValue }
    }
    /// Where `initial: true` is written, if it is.
    public var initialLocation: SourceLocation? {
        get { parts.value.initialLocation }
        set { parts.value.initialLocation = newValue }
    }
    /// The win probability in percent, for the weighted forecast.
    public var probability: Located<ExactDecimal>? {
        get { parts.value.probability }
        set { parts.value.probability = newValue }
    }
    /// The forecast category, when the file gives one.
    public var forecast: Located<ForecastCategory>? {
        get { parts.value.forecast }
        set { parts.value.forecast = newValue }
    }
    /// What a rep should do in this stage.
    public var guidance: String? {
        get { parts.value.guidance }
        set { parts.value.guidance = newValue }
    }
    /// Fields that must be set to enter or stay in this stage.
    public var requires: [Located<String>] {
        get { parts.value.requires }
        set { parts.value.requires = newValue }
    }
    /// How long a deal may idle here before it is stale.
    public var rotAfter: Located<CalendarDuration>? {
        get { parts.value.rotAfter }
        set { parts.value.rotAfter = newValue }
    }
    /// Whether entering the stage wins or loses the deal.
    public var outcome: Located<Outcome>? {
        get { parts.value.outcome }
        set { parts.value.outcome = newValue }
    }
    /// Actions run when a deal enters the stage.
    public var onEnter: [Action] {
        get { parts.value.onEnter }
        set { parts.value.onEnter = newValue }
    }
    /// Actions run when a deal leaves the stage.
    public var onExit: [Action] {
        get { parts.value.onExit }
        set { parts.value.onExit = newValue }
    }
    /// Timers scheduled when a deal enters the stage and cancelled when it leaves.
    public var timers: [StageTimer] {
        get { parts.value.timers }
        set { parts.value.timers = newValue }
    }

    /// Creates a stage.
    public init(
        name: String,
        location: SourceLocation,
        initialLocation: SourceLocation? = nil,
        probability: Located<ExactDecimal>? = nil,
        forecast: Located<ForecastCategory>? = nil,
        guidance: String? = nil,
        requires: [Located<String>] = [],
        rotAfter: Located<CalendarDuration>? = nil,
        outcome: Located<Outcome>? = nil,
        onEnter: [Action] = [],
        onExit: [Action] = [],
        timers: [StageTimer] = []
    ) {
        parts = CopyOnWrite(
            Parts(
                name: name,
                location: location,
                initialLocation: initialLocation,
                probability: probability,
                forecast: forecast,
                guidance: guidance,
                requires: requires,
                rotAfter: rotAfter,
                outcome: outcome,
                onEnter: onEnter,
                onExit: onExit,
                timers: timers
            )
        )
    }

    /// Whether deals start here.
    public var isInitial: Bool { initialLocation != nil }

    /// The probability in percent: as written, else 100 for a won stage and 0 otherwise.
    public var effectiveProbability: ExactDecimal {
        probability?.value ?? ExactDecimal(outcome?.value == .won ? 100 : 0)
    }

    /// The forecast category: as written, else `closed` for a won stage, `omitted` for a lost one,
    /// and `pipeline` for the others.
    public var effectiveForecast: ForecastCategory {
        if let forecast { return forecast.value }
        switch outcome?.value {
        case .won: return .closed
        case .lost: return .omitted
        case nil: return .pipeline
        }
    }
}

extension Stage {
    /// Whether a deal in this stage, last touched at `lastTouch`, has sat idle longer than `rot_after` at
    /// `now`, counted in `calendar`: never in an outcome stage or one without `rot_after`. The stale
    /// report, the gauges, `deal list --stale` and the agenda all ask this.
    public func isStale(lastTouch: Date, now: Date, calendar: ZonedCalendar) -> Bool {
        guard outcome == nil, let rotAfter = rotAfter?.value else { return false }
        return calendar.adding(rotAfter, to: lastTouch) < now
    }
}
