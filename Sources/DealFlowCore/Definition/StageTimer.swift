/// Something scheduled while a deal stays in a stage: a transition fired by the system, or a task.
///
/// ```yaml
/// timers:
///   - after: 30 days
///     fire: go_stale
///   - at: contract_end - 30 days
///     task: { title: "Renewal talk with {{company}}", assignee: owner }
/// ```
///
/// Timers are computed as absolute instants when the deal enters the stage and cancelled when it
/// leaves; with `every`, the timer repeats while the deal stays.
public struct StageTimer: Sendable {
    /// When the timer is due.
    public enum Schedule: Sendable {
        /// A duration after the deal entered the stage.
        case after(Located<CalendarDuration>)
        /// A date or datetime expression; a date means 00:00 of that day in the workflow's zone.
        case at(ExpressionSource)
    }

    /// What the timer does when due.
    public enum Effect: Sendable {
        /// Fire a transition as the `system` actor.
        case fire(Located<String>)
        /// Create a task, due at the timer's instant.
        case task(TaskTemplate)
    }

    /// Where the timer is written.
    public var location: SourceLocation
    /// When it is due.
    public var schedule: Schedule
    /// The repeat interval, while the deal stays in the stage.
    public var every: Located<CalendarDuration>?
    /// What it does.
    public var effect: Effect
    /// The type-checked `at` expression; set by ``WorkflowValidator``.
    public var compiledAt: CompiledExpression?

    /// Creates a timer.
    public init(location: SourceLocation, schedule: Schedule, every: Located<CalendarDuration>? = nil, effect: Effect) {
        self.location = location
        self.schedule = schedule
        self.every = every
        self.effect = effect
    }
}
