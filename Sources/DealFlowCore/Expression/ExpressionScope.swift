/// The names an expression may use: the workflow's fields, and the facts every deal has.
///
/// Build one from a ``Workflow``; the ``TypeChecker`` resolves names against it, so a field reference
/// compiles to the field's index and an unknown name is reported with a suggestion.
public struct ExpressionScope: Sendable {
    /// A field as expressions see it.
    public struct FieldBinding: Hashable, Sendable {
        /// The field's position in the schema; deals keep their values in this order.
        public var index: Int
        /// The field's name.
        public var name: String
        /// The field's declared type.
        public var fieldType: FieldType
        /// Its type in expressions: nullable unless the field is `required`.
        public var type: ExpressionType
    }

    /// Fields by name.
    public private(set) var fields: [String: FieldBinding] = [:]
    /// Field names in schema order, for suggestions.
    public private(set) var fieldNames: [String] = []
    /// The stages, as the domain of `stage`.
    public let stages: EnumDomain
    /// The declared roles, as the domain of `actor.role`; `nil` when the workflow declares none.
    public let roles: EnumDomain?
    /// Fields whose declarations were already reported as broken; references to them stay quiet.
    public let fieldsWithErrors: Set<String>

    /// Creates the scope of a workflow's expressions.
    public init(workflow: Workflow) {
        self.init(
            fields: workflow.fields,
            stageNames: workflow.stages.map(\.name),
            roleNames: workflow.roles?.map(\.value),
            fieldsWithErrors: workflow.declarationsWithErrors.fields
        )
    }

    /// Creates a scope from its parts.
    public init(
        fields: [FieldDefinition],
        stageNames: [String],
        roleNames: [String]?,
        fieldsWithErrors: Set<String> = []
    ) {
        for (index, field) in fields.enumerated() where self.fields[field.name] == nil {
            self.fields[field.name] = FieldBinding(
                index: index,
                name: field.name,
                fieldType: field.type,
                type: ExpressionType(ValueType(field.type, fieldName: field.name), nullable: !field.isRequired)
            )
            fieldNames.append(field.name)
        }
        stages = EnumDomain(owner: "stage", values: stageNames)
        roles = roleNames.map { EnumDomain(owner: "role", values: $0) }
        self.fieldsWithErrors = fieldsWithErrors
    }

    /// The type of a deal fact.
    public func type(of name: ContextName) -> ExpressionType {
        switch name {
        case .stage: ExpressionType(.enumeration(stages))
        case .owner: ExpressionType(.string)
        case .createdAt, .enteredStageAt, .now: ExpressionType(.datetime)
        case .today: ExpressionType(.date)
        case .daysInStage: ExpressionType(.int)
        case .actorID: ExpressionType(.string)
        case .actorRole: ExpressionType(roles.map { .enumeration($0) } ?? .string, nullable: true)
        }
    }

    /// Names no field may take: the deal facts, `actor`, the keywords, and what titles use.
    public static let reservedNames: Set<String> = Set(ContextName.allCases.map(\.rawValue))
        .union(["actor", "deal", "workflow", "and", "or", "not", "in", "true", "false", "null"])
}

/// A fact every deal has, readable by name in expressions.
public enum ContextName: String, CaseIterable, Hashable, Sendable {
    case stage
    case owner
    case createdAt = "created_at"
    case enteredStageAt = "entered_stage_at"
    case daysInStage = "days_in_stage"
    case now
    case today
    case actorID = "actor.id"
    case actorRole = "actor.role"
}

/// A name an expression reads, so that a blocker can show the values it saw.
public enum ReadName: Hashable, Sendable, CustomStringConvertible {
    case field(index: Int, name: String)
    case context(ContextName)

    /// The name as written in the expression.
    public var description: String {
        switch self {
        case .field(_, let name): name
        case .context(let name): name.rawValue
        }
    }
}
