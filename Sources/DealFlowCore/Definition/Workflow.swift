import Foundation

/// A sales process as an ops person wrote it: fields, stages, transitions, timers and calendar.
///
/// A `Workflow` is what a file says, read but not yet checked; ``WorkflowValidator`` checks it and
/// returns a ``ValidatedWorkflow``, which is what the engine runs.
public struct Workflow: Sendable {
    /// The file it was read from.
    public var file: String
    /// The identifier: letters, digits, `-` and `_`.
    public var id: Located<String>
    /// The version the file pins, if it does.
    public var version: Located<Int>?
    /// A human title.
    public var title: String?
    /// The IANA zone that `today`, dates and calendars are read in.
    public var timeZone: Located<TimeZone>
    /// Working days, hours and holidays for business durations.
    public var calendar: BusinessCalendar
    /// Where the `calendar:` section is written, if it is.
    public var calendarLocation: SourceLocation?
    /// The roles transitions may be restricted to; `nil` when the file declares none.
    public var roles: [Located<String>]?
    /// The deal's typed fields, in file order.
    public var fields: [FieldDefinition]
    /// Which fields the forecast and the KPIs read.
    public var dealFields: DealFieldMapping
    /// The stages, in funnel order.
    public var stages: [Stage]
    /// The transitions, in file order.
    public var transitions: [Transition]
    /// Fields, stages and transitions that were declared but could not be read completely.
    public var declarationsWithErrors: DeclarationsWithErrors

    /// Creates a workflow.
    public init(
        file: String,
        id: Located<String>,
        version: Located<Int>? = nil,
        title: String? = nil,
        timeZone: Located<TimeZone>,
        calendar: BusinessCalendar = .standard,
        calendarLocation: SourceLocation? = nil,
        roles: [Located<String>]? = nil,
        fields: [FieldDefinition] = [],
        dealFields: DealFieldMapping = DealFieldMapping(),
        stages: [Stage] = [],
        transitions: [Transition] = [],
        declarationsWithErrors: DeclarationsWithErrors = DeclarationsWithErrors()
    ) {
        self.file = file
        self.id = id
        self.version = version
        self.title = title
        self.timeZone = timeZone
        self.calendar = calendar
        self.calendarLocation = calendarLocation
        self.roles = roles
        self.fields = fields
        self.dealFields = dealFields
        self.stages = stages
        self.transitions = transitions
        self.declarationsWithErrors = declarationsWithErrors
    }

    /// The zone and business calendar together, for date arithmetic.
    public var zonedCalendar: ZonedCalendar { ZonedCalendar(timeZone: timeZone.value, business: calendar) }
}

/// Declarations the reader already reported as broken.
///
/// The validator does not report references to them as unknown, nor the consequences of their
/// absence (a missing initial stage, unreachable stages), since the reader reported the cause: one
/// mistake, one error.
public struct DeclarationsWithErrors: Hashable, Sendable {
    /// Fields whose definition could not be read.
    public var fields: Set<String> = []
    /// Stages with a part that could not be read (such as `initial: yes` or `probability: 10%`).
    public var stages: Set<String> = []
    /// Transitions that could not be read (a missing `from` or `to`).
    public var transitions: Set<String> = []

    /// Creates an empty set.
    public init() {}
}
