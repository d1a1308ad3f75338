/// A problem found in a workflow file: where, how bad, a stable code, and one sentence saying what is
/// wrong and, where possible, how to fix it.
///
/// Diagnostics are collected, never thrown one at a time: an ops person fixing a file wants every
/// error at once. ``DiagnosticRenderer`` prints them as
/// `workflows/b2b.yaml:12:7: error: unknown stage 'qualifed' (did you mean 'qualified'?) [unknown-stage]`
/// followed by the source line and a caret.
public struct Diagnostic: Hashable, Sendable {
    /// How serious a diagnostic is.
    public enum Severity: String, Hashable, Sendable, Comparable {
        case warning, error

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    /// Extra context at another place, such as the first occurrence of a duplicated key.
    public struct Note: Hashable, Sendable {
        /// The sentence.
        public var message: String
        /// Where it points, if anywhere.
        public var location: SourceLocation?

        /// Creates a note.
        public init(_ message: String, at location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    /// Error or warning.
    public var severity: Severity
    /// The stable code, for scripts and documentation.
    public var code: DiagnosticCode
    /// One sentence.
    public var message: String
    /// Where the problem is.
    public var location: SourceLocation
    /// Further context.
    public var notes: [Note]

    /// Creates a diagnostic with the code's usual severity unless one is given.
    public init(
        _ code: DiagnosticCode,
        _ message: String,
        at location: SourceLocation,
        severity: Severity? = nil,
        notes: [Note] = []
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.severity = severity ?? code.defaultSeverity
        self.notes = notes
    }

    /// Whether this is an error (as opposed to a warning).
    public var isError: Bool { severity == .error }
}

/// The stable code of every diagnostic; `docs/workflow-language.md` explains each one.
public enum DiagnosticCode: String, CaseIterable, Hashable, Sendable {
    // The YAML layer.
    case yamlSyntax = "yaml-syntax"
    case yamlAnchor = "yaml-anchor"
    case yamlTag = "yaml-tag"
    case yamlLimit = "yaml-limit"
    case duplicateKey = "duplicate-key"
    case unknownKey = "unknown-key"
    case missingKey = "missing-key"
    case invalidValue = "invalid-value"
    case invalidName = "invalid-name"
    case duplicateEntry = "duplicate-entry"
    // Values of the format.
    case invalidDuration = "invalid-duration"
    case invalidDate = "invalid-date"
    case invalidTimeZone = "invalid-timezone"
    case invalidCalendar = "invalid-calendar"
    case invalidField = "invalid-field"
    case invalidDealField = "invalid-deal-field"
    case invalidProbability = "invalid-probability"
    case invalidTemplate = "invalid-template"
    case reservedEvent = "reserved-event"
    // References and structure.
    case unknownStage = "unknown-stage"
    case unknownTransition = "unknown-transition"
    case unknownField = "unknown-field"
    case unknownRole = "unknown-role"
    case missingInitialStage = "missing-initial-stage"
    case multipleInitialStages = "multiple-initial-stages"
    case unreachableStage = "unreachable-stage"
    case deadEndStage = "dead-end-stage"
    case missingProbability = "missing-probability"
    case timerTransition = "timer-transition"
    case timerRequires = "timer-requires"
    // Expressions.
    case expressionSyntax = "expression-syntax"
    case expressionLimit = "expression-limit"
    case unknownName = "unknown-name"
    case unknownFunction = "unknown-function"
    case argumentCount = "argument-count"
    case typeMismatch = "type-mismatch"
    case unknownEnumValue = "unknown-enum-value"
    case notBoolean = "not-boolean"
    case invalidPattern = "invalid-pattern"
    case unquotedString = "unquoted-string"

    /// The severity the code has unless a diagnostic says otherwise.
    public var defaultSeverity: Diagnostic.Severity {
        switch self {
        case .unreachableStage, .deadEndStage, .missingProbability, .duplicateEntry: .warning
        default: .error
        }
    }
}

extension Diagnostic {
    /// `"prize" is not a value of field 'lost_reason' (did you mean "price"?)`, with the values in a note.
    public static func unknownEnumValue(
        _ value: String,
        in domain: EnumDomain,
        at location: SourceLocation
    ) -> Diagnostic {
        let suggestion = SpellingSuggestion.closest(to: value, among: domain.values)
        let hint = suggestion.map { " (did you mean \(Value.quoted($0))?)" } ?? ""
        let what =
            switch domain.owner {
            case "stage": "a stage"
            case "role": "a declared role"
            default: "a value of \(domain.owner)"
            }
        return Diagnostic(
            .unknownEnumValue,
            "\(Value.quoted(value)) is not \(what)\(hint)",
            at: location,
            notes: [Note("the values are " + domain.values.joined(separator: ", "))]
        )
    }
}

extension Diagnostic {
    /// A `duplicate-entry` warning for each item listed again, with a note at its first listing.
    public static func duplicateEntries<Item: Hashable>(
        in items: [Located<Item>],
        message: (Item) -> String
    ) -> [Diagnostic] {
        var first: [Item: SourceLocation] = [:]
        var diagnostics: [Diagnostic] = []
        for item in items {
            if let location = first[item.value] {
                diagnostics.append(
                    Diagnostic(
                        .duplicateEntry,
                        message(item.value),
                        at: item.location,
                        notes: [Note("first listed here", at: location)]
                    )
                )
            } else {
                first[item.value] = item.location
            }
        }
        return diagnostics
    }
}
