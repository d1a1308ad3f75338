import DealFlowCore
import Foundation

/// A small schema for expression tests, built in code so that these tests need no YAML.
enum Schema {
    static let file = "test.yaml"

    static func location(_ line: Int = 1, _ column: Int = 1) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column)
    }

    static let fields: [FieldDefinition] = [
        FieldDefinition(name: "company", location: location(), type: .string, isRequired: true),
        FieldDefinition(name: "amount", location: location(), type: .decimal),
        FieldDefinition(name: "seats", location: location(), type: .int),
        FieldDefinition(name: "currency", location: location(), type: .enumeration(["USD", "EUR", "COP"])),
        FieldDefinition(
            name: "lost_reason",
            location: location(),
            type: .enumeration(["price", "competitor", "no_budget", "timing", "no_response", "other"])
        ),
        FieldDefinition(name: "close_date", location: location(), type: .date),
        FieldDefinition(name: "decision_maker", location: location(), type: .bool),
        FieldDefinition(name: "met_at", location: location(), type: .datetime),
        FieldDefinition(name: "notes", location: location(), type: .text),
        FieldDefinition(name: "contact_email", location: location(), type: .string),
    ]

    static let scope = ExpressionScope(
        fields: fields,
        stageNames: ["prospecting", "qualification", "proposal", "won", "lost"],
        roleNames: ["rep", "manager"]
    )

    static let checker = TypeChecker(scope: scope)

    static func source(_ text: String) -> ExpressionSource {
        ExpressionSource(text: text, location: location())
    }

    static func index(_ name: String) -> Int { scope.fields[name]!.index }

    /// A deal in Bogotá at 2026-01-31 10:00 local time, with some fields set.
    static func environment(
        _ values: [String: Value] = [:],
        now: String = "2026-01-31T15:00:00Z",
        role: String? = "rep"
    ) -> EvaluationEnvironment {
        var fields = [Value](repeating: .null, count: Schema.fields.count)
        for (name, value) in values { fields[index(name)] = value }
        return EvaluationEnvironment(
            fields: fields,
            stage: "proposal",
            owner: "ana",
            createdAt: DateTimeFormat.parse("2026-01-02T15:00:00Z")!,
            enteredStageAt: DateTimeFormat.parse("2026-01-27T15:00:00Z")!,
            now: DateTimeFormat.parse(now)!,
            actorID: "ana",
            actorRole: role,
            calendar: ZonedCalendar(timeZone: TimeZone(identifier: "America/Bogota")!)
        )
    }

    static func decimal(_ text: String) -> Value { .decimal(ExactDecimal(parsing: text)!) }
    static func date(_ text: String) -> Value { .date(LocalDate(iso: text)!) }
    static func datetime(_ text: String) -> Value { .datetime(DateTimeFormat.parse(text)!) }
}
