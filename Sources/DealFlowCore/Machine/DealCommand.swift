import Foundation

/// A value given for a field: text to read by the field's type (from a command line or a CSV file),
/// a typed value (from code), or "clear it".
public struct FieldInput: Hashable, Sendable {
    /// How the value is given.
    public enum Given: Hashable, Sendable {
        /// Text, read strictly by the field's type: `2026-02-30` is refused, `12abc` is not a number.
        case text(String)
        /// A value of the field's type.
        case value(Value)
        /// Unset the field.
        case clear
    }

    /// The field's name.
    public var field: String
    /// The value.
    public var given: Given

    /// Creates an input.
    public init(field: String, _ given: Given) {
        self.field = field
        self.given = given
    }

    /// Reads `FIELD=VALUE` (an empty value clears the field); `nil` when there is no `=`.
    public init?(assignment: String) {
        guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else { return nil }
        field = String(assignment[..<equals])
        let text = String(assignment[assignment.index(after: equals)...])
        given = text.isEmpty ? .clear : .text(text)
    }
}

/// What someone asks the machine to do with a deal.
public enum DealCommand: Hashable, Sendable {
    /// Start a deal in the workflow's initial stage.
    case create(id: String, owner: String?, input: [FieldInput])
    /// Change field values.
    case update(input: [FieldInput])
    /// Fire a transition, with field values applied first and a note for the history.
    case fire(transition: String, input: [FieldInput], note: String?)
}
