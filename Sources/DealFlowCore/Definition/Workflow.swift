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
    /// Names of fields, stages and transitions that were declared but could not be read; the validator
    /// does not report references to them as unknown, since the reader already reported the cause.
    public var namesWithErrors: Set<String>

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
        namesWithErrors: Set<String> = []
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
        self.namesWithErrors = namesWithErrors
    }

    /// The zone and business calendar together, for date arithmetic.
    public var zonedCalendar: ZonedCalendar { ZonedCalendar(timeZone: timeZone.value, business: calendar) }
}
