import DealFlowCore
import Foundation

/// Turns a composed YAML document into a ``Workflow`` definition, reading each scalar by the type its
/// key expects and keeping every value's location.
///
/// It reports the shape of the file (unknown keys with a suggestion, missing keys, values of the wrong
/// kind, bad durations, dates, zones and calendars) and keeps reading after each problem, so that one
/// run shows them all; references between parts are left to ``WorkflowValidator``.
public enum WorkflowDecoder {
    /// The workflow (`nil` when the document is not a mapping at all) and every problem found.
    public static func decode(_ root: YAMLNode?, file: String) -> (workflow: Workflow?, diagnostics: [Diagnostic]) {
        var decoding = Decoding(file: file)
        let workflow = decoding.workflow(root)
        return (workflow, decoding.diagnostics)
    }

    /// Keys of the top level.
    static let workflowKeys = [
        "workflow", "version", "title", "timezone", "calendar", "roles", "fields", "deal", "stages", "transitions",
    ]
    static let calendarKeys = ["workdays", "hours", "holidays"]
    static let fieldKeys = ["type", "required", "default", "min", "max", "values"]
    static let dealKeys = ["amount", "currency", "close_date"]
    static let stageKeys = [
        "initial", "probability", "forecast", "guidance", "requires", "rot_after", "outcome", "on_enter", "on_exit",
        "timers",
    ]
    static let transitionKeys = ["from", "to", "roles", "guard", "requires", "actions", "description"]
    static let guardKeys = ["expr", "message"]
    static let actionKeys = ["set", "task", "notify"]
    static let taskKeys = ["title", "due", "assignee", "kind", "escalate", "keep"]
    static let timerTaskKeys = ["title", "assignee", "kind", "escalate", "keep"]
    static let escalateKeys = ["after", "to"]
    static let notifyKeys = ["event"]
    static let timerKeys = ["after", "at", "every", "fire", "task"]

    /// Every key of the format, for documentation and for checking that the examples use them all.
    public static let allKeys: [String] = Array(
        Set(
            workflowKeys + calendarKeys + fieldKeys + dealKeys + stageKeys + transitionKeys + guardKeys + actionKeys
                + taskKeys + escalateKeys + notifyKeys + timerKeys
        )
    ).sorted()
}

private struct Decoding {
    let file: String
    var diagnostics: [Diagnostic] = []
    var declarationsWithErrors = DeclarationsWithErrors()

    init(file: String) {
        self.file = file
    }

    mutating func report(
        _ code: DiagnosticCode,
        _ message: String,
        at location: SourceLocation,
        notes: [Diagnostic.Note] = []
    ) {
        diagnostics.append(Diagnostic(code, message, at: location, notes: notes))
    }

    // MARK: - Shapes

    /// The entries of a mapping, reporting keys not in `allowed` (with a suggestion). `nil` when the
    /// node is not a mapping.
    mutating func entries(
        _ node: YAMLNode,
        allowed: [String]?,
        of what: String
    ) -> [(key: Located<String>, value: YAMLNode)]? {
        guard case .mapping(let pairs) = node.content else {
            report(
                .invalidValue,
                "\(what) must be a mapping of keys and values, but it is \(node.kindDescription)",
                at: node.location
            )
            return nil
        }
        var result: [(key: Located<String>, value: YAMLNode)] = []
        for pair in pairs {
            let key = Located(pair.key.scalarText ?? "", at: pair.key.location)
            if let allowed, !allowed.contains(key.value) {
                let suggestion = SpellingSuggestion.closest(to: key.value, among: allowed)
                report(
                    .unknownKey,
                    "unknown key '\(key.value)' in \(what)" + SpellingSuggestion.phrase(suggestion),
                    at: key.location,
                    notes: suggestion == nil
                        ? [Diagnostic.Note("the keys of \(what) are " + allowed.joined(separator: ", "))] : []
                )
                continue
            }
            result.append((key, pair.value))
        }
        return result
    }

    func value(_ entries: [(key: Located<String>, value: YAMLNode)], _ key: String) -> YAMLNode? {
        entries.first { $0.key.value == key }?.value
    }

    func keyLocation(_ entries: [(key: Located<String>, value: YAMLNode)], _ key: String) -> SourceLocation? {
        entries.first { $0.key.value == key }?.key.location
    }

    /// A list, or a single scalar taken as a list of one where `allowsSingle`.
    mutating func list(_ node: YAMLNode, of what: String, allowsSingle: Bool = false) -> [YAMLNode]? {
        switch node.content {
        case .sequence(let items): return items
        case .scalar where allowsSingle && !node.isNull: return [node]
        default:
            if node.isNull { return [] }
            report(
                .invalidValue,
                "\(what) must be a list, such as [a, b], but it is \(node.kindDescription)",
                at: node.location
            )
            return nil
        }
    }

    /// A scalar's text; reports a collection or a missing value.
    mutating func text(_ node: YAMLNode, _ what: String) -> Located<String>? {
        guard let text = node.scalarText else {
            report(
                .invalidValue,
                "\(what) must be a single value, but it is \(node.kindDescription)",
                at: node.location
            )
            return nil
        }
        if node.isNull, !node.isQuotedScalar, text.isEmpty || text == "~" {
            report(.invalidValue, "\(what) has no value", at: node.location)
            return nil
        }
        return Located(text, at: node.location)
    }

    mutating func names(_ node: YAMLNode, _ what: String, allowsSingle: Bool = true) -> [Located<String>] {
        guard let items = list(node, of: what, allowsSingle: allowsSingle) else { return [] }
        return items.compactMap { text($0, "each entry of \(what)") }
    }

    mutating func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        guard let text = text(node, what) else { return nil }
        switch text.value {
        case "true": return true
        case "false": return false
        default:
            let yaml11 = TypeChecker.booleanLookalikes.contains(text.value.lowercased())
            let hint = yaml11 ? " (YAML 1.1 would guess a boolean from '\(text.value)'; DealFlow does not)" : ""
            report(.invalidValue, "\(what) must be true or false, not '\(text.value)'\(hint)", at: text.location)
            return nil
        }
    }

    mutating func integer(_ node: YAMLNode, _ what: String) -> Located<Int>? {
        guard let text = text(node, what) else { return nil }
        let digits = text.value.hasPrefix("-") ? String(text.value.dropFirst()) : text.value
        if digits.count > 1, digits.hasPrefix("0"), digits.allSatisfy(\.isNumber), let value = Int(text.value) {
            report(
                .invalidValue,
                "\(what) is written '\(text.value)' with a leading zero (YAML 1.1 would read it as octal); write \(value)",
                at: text.location
            )
            return nil
        }
        guard !digits.isEmpty, digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }),
            let value = Int(text.value)
        else {
            report(.invalidValue, "\(what) must be a whole number, not '\(text.value)'", at: text.location)
            return nil
        }
        return Located(value, at: text.location)
    }

    mutating func decimal(_ node: YAMLNode, _ what: String) -> Located<ExactDecimal>? {
        guard let text = text(node, what) else { return nil }
        guard let value = ExactDecimal(parsing: text.value) else {
            let hint = text.value.hasSuffix("%") ? "; write the number without '%'" : ""
            report(
                .invalidValue,
                "\(what) must be a number such as 10 or 12.5, not '\(text.value)'\(hint)",
                at: text.location
            )
            return nil
        }
        return Located(value, at: text.location)
    }

    mutating func date(_ node: YAMLNode, _ what: String) -> Located<LocalDate>? {
        guard let text = text(node, what) else { return nil }
        guard let date = LocalDate(iso: text.value) else {
            report(.invalidDate, Decoding.dateProblem(text.value, what: what), at: text.location)
            return nil
        }
        return Located(date, at: text.location)
    }

    static func dateProblem(_ text: String, what: String) -> String {
        let parts = text.split(separator: "-")
        if parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isNumber) })
        {
            return "'\(text)' is not a date: \(LocalDate.problem(with: text))"
        }
        return "\(what) must be a date written YYYY-MM-DD, not '\(text)'"
    }

    mutating func duration(_ node: YAMLNode, _ what: String) -> Located<CalendarDuration>? {
        guard let text = text(node, what) else { return nil }
        switch CalendarDuration.parse(text.value) {
        case .success(let duration): return Located(duration, at: text.location)
        case .failure(let error):
            let source = node.expressionSource
            report(.invalidDuration, error.message, at: source.location(ofOffset: error.offset, length: 1))
            return nil
        }
    }

    mutating func choice<T: RawRepresentable>(_ node: YAMLNode, _ what: String, _: T.Type) -> Located<T>?
    where T: CaseIterable, T.RawValue == String {
        guard let text = text(node, what) else { return nil }
        guard let value = T(rawValue: text.value) else {
            let options = T.allCases.map(\.rawValue)
            let suggestion = SpellingSuggestion.closest(to: text.value, among: options)
            report(
                .invalidValue,
                "\(what) must be one of \(options.joined(separator: ", ")), not '\(text.value)'"
                    + SpellingSuggestion.phrase(suggestion),
                at: text.location
            )
            return nil
        }
        return Located(value, at: text.location)
    }

    // MARK: - The workflow

    mutating func workflow(_ root: YAMLNode?) -> Workflow? {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let root, !root.isNull else {
            report(.missingKey, "the file is empty; a workflow starts with 'workflow: <id>'", at: start)
            return nil
        }
        guard let top = entries(root, allowed: WorkflowDecoder.workflowKeys, of: "a workflow file") else { return nil }
        // Without `workflow:` the file is named after itself, in a form that passes the naming rule, so
        // that the missing key is the only error it causes. (Made only then: a URL costs a CLI command
        // a quarter of a millisecond.)
        func named(after file: String) -> Located<String> {
            let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            return Located(String(stem.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "-" }), at: start)
        }
        let id: Located<String>
        if let node = value(top, "workflow") {
            id = text(node, "workflow") ?? named(after: file)
        } else {
            report(.missingKey, "the file has no 'workflow:' key naming the workflow", at: root.location)
            id = named(after: file)
        }
        var workflow = Workflow(file: file, id: id, timeZone: Located(TimeZone(identifier: "UTC")!, at: start))
        if let node = value(top, "version") { workflow.version = integer(node, "version") }
        if let node = value(top, "title") { workflow.title = text(node, "title")?.value }
        if let node = value(top, "timezone") { timeZone(node).map { workflow.timeZone = $0 } }
        if let node = value(top, "calendar") {
            workflow.calendarLocation = keyLocation(top, "calendar")
            calendar(node).map { workflow.calendar = $0 }
        }
        if let node = value(top, "roles") { workflow.roles = names(node, "roles", allowsSingle: false) }
        if let node = value(top, "fields") { workflow.fields = fields(node) }
        if let node = value(top, "deal") { workflow.dealFields = dealFields(node) }
        if let node = value(top, "stages") { workflow.stages = stages(node) }
        if let node = value(top, "transitions") { workflow.transitions = transitions(node) }
        workflow.declarationsWithErrors = declarationsWithErrors
        return workflow
    }

    mutating func timeZone(_ node: YAMLNode) -> Located<TimeZone>? {
        guard let name = text(node, "timezone") else { return nil }
        if let zone = Decoding.ianaZone(name.value) { return Located(zone, at: name.location) }
        if Decoding.isFixedOffset(name.value), let zone = TimeZone(identifier: name.value) {
            let offset = "UTC" + DateTimeFormat.offset(seconds: zone.secondsFromGMT())
            report(
                .invalidTimeZone,
                "'\(name.value)' is a fixed offset (\(offset)) that follows no place's clock changes; write the zone of a place, such as America/Bogota",
                at: name.location
            )
            return nil
        }
        let candidates = TimeZone.knownTimeZoneIdentifiers.filter { $0.contains("/") } + ["UTC"]
        let suggestion = SpellingSuggestion.closest(to: name.value, among: candidates)
        let hint =
            suggestion.map { " (did you mean '\($0)'?)" } ?? "; write a name such as America/New_York or Europe/Madrid"
        let abbreviation = !name.value.contains("/") && name.value != "UTC"
        report(
            .invalidTimeZone,
            abbreviation
                ? "'\(name.value)' is not an IANA time zone name\(hint); abbreviations such as EST are ambiguous and ignore DST"
                : "'\(name.value)' is not an IANA time zone name\(hint)",
            at: name.location
        )
        return nil
    }

    /// An IANA zone by its exact name (`Area/Location`, the old aliases such as `US/Eastern`, or
    /// `UTC`); abbreviations (`EST`, `GMT+1`) and fixed offsets (see ``isFixedOffset(_:)``) are refused.
    ///
    /// The time zone database is asked for that one name: `TimeZone.knownTimeZoneIdentifiers` would
    /// list every zone, which costs a CLI command more than a millisecond each time it loads a workflow.
    static func ianaZone(_ name: String) -> TimeZone? {
        if name == "UTC" { return TimeZone(identifier: "UTC") }
        guard name.contains("/"), !isFixedOffset(name), let zone = TimeZone(identifier: name), zone.identifier == name
        else { return nil }
        return zone
    }

    /// A zone that is only an offset from UTC: `Etc/GMT+5` (which is UTC-05:00, its sign inverted) and
    /// the old `SystemV/` zones. It follows no place's clock changes, so a workflow names a place instead.
    static func isFixedOffset(_ name: String) -> Bool {
        if name.hasPrefix("SystemV/") { return true }
        guard name.hasPrefix("Etc/GMT"), let sign = name.dropFirst(7).first else { return false }
        return sign == "+" || sign == "-"
    }

    mutating func calendar(_ node: YAMLNode) -> BusinessCalendar? {
        guard let entries = entries(node, allowed: WorkflowDecoder.calendarKeys, of: "calendar") else { return nil }
        var calendar = BusinessCalendar.standard
        if let node = value(entries, "workdays") {
            let days = names(node, "workdays", allowsSingle: false)
            var workdays = Set<Weekday>()
            for day in days {
                guard let weekday = Weekday(rawValue: day.value) else {
                    let prefix = String(day.value.lowercased().prefix(3))
                    let suggestion =
                        Weekday(rawValue: prefix)?.rawValue
                        ?? SpellingSuggestion.closest(to: day.value, among: Weekday.allCases.map(\.rawValue))
                    report(
                        .invalidCalendar,
                        "'\(day.value)' is not a weekday; write mon, tue, wed, thu, fri, sat or sun"
                            + SpellingSuggestion.phrase(suggestion),
                        at: day.location
                    )
                    continue
                }
                if !workdays.insert(weekday).inserted {
                    report(.duplicateEntry, "the workday '\(day.value)' is listed twice", at: day.location)
                }
            }
            if days.isEmpty {
                report(
                    .invalidCalendar,
                    "workdays is empty; business days and hours need at least one workday",
                    at: node.location
                )
            } else if !workdays.isEmpty {
                calendar.workdays = workdays
            }
        }
        if let node = value(entries, "hours"), let text = text(node, "hours") {
            let parts = text.value.split(separator: "-", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if parts.count == 2, let opening = LocalTime(text: parts[0]), let closing = LocalTime(text: parts[1]) {
                if opening < closing {
                    calendar.opening = opening
                    calendar.closing = closing
                } else {
                    report(
                        .invalidCalendar,
                        "hours must close after they open, but '\(text.value)' ends at or before it starts",
                        at: text.location
                    )
                }
            } else {
                report(
                    .invalidCalendar,
                    "hours must be written \"HH:MM-HH:MM\", such as \"09:00-18:00\", not '\(text.value)'",
                    at: text.location
                )
            }
        }
        if let node = value(entries, "holidays"), let items = list(node, of: "holidays") {
            let dates = items.compactMap { date($0, "a holiday") }
            diagnostics += Diagnostic.duplicateEntries(in: dates) { "the holiday \($0) is listed twice" }
            calendar.holidays = Set(dates.map(\.value))
        }
        return calendar
    }

    // MARK: - Fields

    mutating func fields(_ node: YAMLNode) -> [FieldDefinition] {
        guard let entries = entries(node, allowed: nil, of: "fields") else { return [] }
        var result: [FieldDefinition] = []
        for (name, value) in entries {
            if let field = field(name, value) {
                result.append(field)
            } else {
                declarationsWithErrors.fields.insert(name.value)
            }
        }
        return result
    }

    mutating func field(_ name: Located<String>, _ node: YAMLNode) -> FieldDefinition? {
        guard let entries = entries(node, allowed: WorkflowDecoder.fieldKeys, of: "field '\(name.value)'") else {
            return nil
        }
        guard let typeNode = value(entries, "type") else {
            report(
                .missingKey,
                "field '\(name.value)' has no 'type'; use one of \(FieldType.names.joined(separator: ", "))",
                at: name.location
            )
            return nil
        }
        guard let typeName = text(typeNode, "type") else { return nil }
        var type: FieldType
        switch typeName.value {
        case "string": type = .string
        case "text": type = .text
        case "int": type = .int
        case "decimal": type = .decimal
        case "bool": type = .bool
        case "date": type = .date
        case "datetime": type = .datetime
        case "enum": type = .enumeration([])
        default:
            let aliases = [
                "float": "decimal", "double": "decimal", "number": "decimal", "money": "decimal", "integer": "int",
                "boolean": "bool", "str": "string", "timestamp": "datetime",
            ]
            let suggestion =
                aliases[typeName.value] ?? SpellingSuggestion.closest(to: typeName.value, among: FieldType.names)
            report(
                .invalidValue,
                "unknown field type '\(typeName.value)'" + SpellingSuggestion.phrase(suggestion)
                    + "; the types are \(FieldType.names.joined(separator: ", "))",
                at: typeName.location
            )
            return nil
        }
        if let valuesNode = value(entries, "values") {
            if case .enumeration = type {
                let values = names(valuesNode, "values", allowsSingle: false)
                diagnostics += Diagnostic.duplicateEntries(in: values) {
                    "the value '\($0)' is listed twice in '\(name.value)'"
                }
                var unique = Set<String>()
                type = .enumeration(values.map(\.value).filter { unique.insert($0).inserted })
            } else {
                report(
                    .invalidField,
                    "'values' applies to enum fields; '\(name.value)' is \(type.name)",
                    at: valuesNode.location
                )
            }
        } else if case .enumeration = type {
            report(.missingKey, "the enum field '\(name.value)' has no 'values'", at: typeName.location)
        }
        var field = FieldDefinition(name: name.value, location: name.location, type: type)
        if let node = value(entries, "required") { field.isRequired = bool(node, "required") ?? false }
        if let node = value(entries, "min") { field.minimum = decimal(node, "min") }
        if let node = value(entries, "max") { field.maximum = decimal(node, "max") }
        if let node = value(entries, "default") {
            field.defaultValue = defaultValue(node, type: type, field: name.value)
        }
        return field
    }

    mutating func defaultValue(_ node: YAMLNode, type: FieldType, field: String) -> Located<Value>? {
        let what = "the default of '\(field)'"
        switch type {
        case .string, .text, .enumeration:
            if node.isNull, !node.isQuotedScalar {
                report(
                    .invalidValue,
                    "\(what) is written '\(node.scalarText ?? "")', which reads as no value; leave 'default' out, or quote it (\"null\") to mean the text",
                    at: node.location
                )
                return nil
            }
            return text(node, what).map { Located(.string($0.value), at: $0.location) }
        case .int: return integer(node, what).map { Located(.int($0.value), at: $0.location) }
        case .decimal: return decimal(node, what).map { Located(.decimal($0.value), at: $0.location) }
        case .bool:
            guard let value = bool(node, what) else { return nil }
            return Located(.bool(value), at: node.location)
        case .date: return date(node, what).map { Located(.date($0.value), at: $0.location) }
        case .datetime:
            guard let text = text(node, what) else { return nil }
            guard let instant = DateTimeFormat.parse(text.value) else {
                report(
                    .invalidDate,
                    "\(what) must be an ISO 8601 datetime with a zone, such as 2026-01-05T10:00:00Z, not '\(text.value)'",
                    at: text.location
                )
                return nil
            }
            return Located(.datetime(instant), at: text.location)
        }
    }

    mutating func dealFields(_ node: YAMLNode) -> DealFieldMapping {
        guard let entries = entries(node, allowed: WorkflowDecoder.dealKeys, of: "deal") else {
            return DealFieldMapping()
        }
        var mapping = DealFieldMapping()
        if let node = value(entries, "amount") { mapping.amount = text(node, "deal.amount") }
        if let node = value(entries, "currency") { mapping.currency = text(node, "deal.currency") }
        if let node = value(entries, "close_date") { mapping.closeDate = text(node, "deal.close_date") }
        return mapping
    }

    // MARK: - Stages

    mutating func stages(_ node: YAMLNode) -> [Stage] {
        guard let entries = entries(node, allowed: nil, of: "stages") else { return [] }
        return entries.map { stage($0.key, $0.value) }
    }

    mutating func stage(_ name: Located<String>, _ node: YAMLNode) -> Stage {
        var stage = Stage(name: name.value, location: name.location)
        if node.isNull { return stage }
        guard let entries = entries(node, allowed: WorkflowDecoder.stageKeys, of: "stage '\(name.value)'") else {
            return stage
        }
        let what = "stage '\(name.value)'"
        if let node = value(entries, "initial") {
            switch bool(node, "initial") {
            case true?: stage.initialLocation = keyLocation(entries, "initial")
            case false?: break
            // Unreadable: whether this was meant as the initial stage is unknown, so the validator
            // must not also report a missing one.
            case nil: declarationsWithErrors.stages.insert(name.value)
            }
        }
        if let node = value(entries, "probability") {
            stage.probability = decimal(node, "probability")
            if stage.probability == nil { declarationsWithErrors.stages.insert(name.value) }
        }
        if let node = value(entries, "forecast") { stage.forecast = choice(node, "forecast", ForecastCategory.self) }
        if let node = value(entries, "guidance") { stage.guidance = text(node, "guidance")?.value }
        if let node = value(entries, "requires") { stage.requires = names(node, "requires") }
        if let node = value(entries, "rot_after") { stage.rotAfter = duration(node, "rot_after") }
        if let node = value(entries, "outcome") { stage.outcome = choice(node, "outcome", Outcome.self) }
        if let node = value(entries, "on_enter") { stage.onEnter = actions(node, of: "on_enter of \(what)") }
        if let node = value(entries, "on_exit") { stage.onExit = actions(node, of: "on_exit of \(what)") }
        if let node = value(entries, "timers"), let items = list(node, of: "timers") {
            stage.timers = items.compactMap { timer($0, in: name.value) }
        }
        return stage
    }

    mutating func timer(_ node: YAMLNode, in stage: String) -> StageTimer? {
        let what = "a timer of stage '\(stage)'"
        guard let entries = entries(node, allowed: WorkflowDecoder.timerKeys, of: what) else { return nil }
        let after = value(entries, "after")
        let at = value(entries, "at")
        var schedule: StageTimer.Schedule?
        switch (after, at) {
        case (let after?, nil):
            schedule = duration(after, "after").map { .after($0) }
        case (nil, let at?):
            if at.scalarText == nil || at.isNull {
                report(
                    .invalidValue,
                    "'at' must be a date or datetime expression, such as contract_end - 30 days",
                    at: at.location
                )
            } else {
                schedule = .at(at.expressionSource)
            }
        case (.some, .some):
            report(
                .invalidValue,
                "\(what) has both 'after' and 'at'; give one of them",
                at: keyLocation(entries, "at") ?? node.location
            )
        case (nil, nil):
            report(
                .missingKey,
                "\(what) needs 'after' (a duration after entering the stage) or 'at' (a date expression)",
                at: node.location
            )
        }
        let every = value(entries, "every").flatMap { duration($0, "every") }
        if let every, every.value.amount == 0 {
            report(.invalidDuration, "'every' must be longer than zero", at: every.location)
        }
        var effect: StageTimer.Effect?
        switch (value(entries, "fire"), value(entries, "task")) {
        case (let fire?, nil):
            effect = text(fire, "fire").map { .fire($0) }
        case (nil, let task?):
            effect = self.task(task, in: "the task of \(what)", keys: WorkflowDecoder.timerTaskKeys).map { .task($0) }
        case (.some, .some):
            report(
                .invalidValue,
                "\(what) has both 'fire' and 'task'; a timer does one thing",
                at: keyLocation(entries, "task") ?? node.location
            )
        case (nil, nil):
            report(.missingKey, "\(what) needs 'fire: <transition>' or 'task: {...}'", at: node.location)
        }
        guard let schedule, let effect else { return nil }
        return StageTimer(location: node.location, schedule: schedule, every: every, effect: effect)
    }

    // MARK: - Actions

    mutating func actions(_ node: YAMLNode, of what: String) -> [Action] {
        guard let items = list(node, of: what) else { return [] }
        var result: [Action] = []
        for item in items {
            guard let entries = entries(item, allowed: WorkflowDecoder.actionKeys, of: "an action") else { continue }
            guard entries.count == 1, let (key, value) = entries.first else {
                if entries.isEmpty {
                    report(.missingKey, "an action needs one of set, task or notify", at: item.location)
                } else {
                    report(
                        .invalidValue,
                        "an action has exactly one of set, task or notify, but this one has \(entries.map(\.key.value).joined(separator: " and ")); write them as separate list items",
                        at: entries[1].key.location
                    )
                }
                continue
            }
            switch key.value {
            case "set":
                guard let assignments = self.entries(value, allowed: nil, of: "set") else { continue }
                for (field, valueNode) in assignments {
                    guard valueNode.scalarText != nil else {
                        report(
                            .invalidValue,
                            "the value of '\(field.value)' must be a single value or expression, but it is \(valueNode.kindDescription)",
                            at: valueNode.location
                        )
                        continue
                    }
                    if valueNode.isNull, !valueNode.isQuotedScalar, ["", "~"].contains(valueNode.scalarText ?? "") {
                        report(
                            .invalidValue,
                            "'\(field.value)' has no value; write null to clear it",
                            at: field.location
                        )
                        continue
                    }
                    let setValue: SetAction.Value =
                        valueNode.isQuotedScalar
                        ? .literal(Located(valueNode.scalarText ?? "", at: valueNode.location))
                        : .expression(valueNode.expressionSource)
                    result.append(.set(SetAction(field: field, value: setValue)))
                }
            case "task":
                if let task = task(value, in: "a task", keys: WorkflowDecoder.taskKeys) { result.append(.task(task)) }
            default:
                if let scalar = value.scalarText, !value.isNull {
                    result.append(
                        .notify(NotifyAction(event: Located(scalar, at: value.location), location: key.location))
                    )
                } else if let entries = self.entries(value, allowed: WorkflowDecoder.notifyKeys, of: "notify") {
                    guard let eventNode = self.value(entries, "event") else {
                        report(.missingKey, "notify needs 'event', the name of the event to emit", at: value.location)
                        continue
                    }
                    if let event = text(eventNode, "event") {
                        result.append(.notify(NotifyAction(event: event, location: key.location)))
                    }
                }
            }
        }
        return result
    }

    mutating func task(_ node: YAMLNode, in what: String, keys: [String]) -> TaskTemplate? {
        guard case .mapping(let pairs) = node.content else {
            report(
                .invalidValue,
                "\(what) must be a mapping such as {title: ..., assignee: owner}, but it is \(node.kindDescription)",
                at: node.location
            )
            return nil
        }
        if keys == WorkflowDecoder.timerTaskKeys, let due = pairs.first(where: { $0.key.scalarText == "due" }) {
            report(
                .unknownKey,
                "a timer's task has no 'due': it is due at the timer's instant ('after' or 'at')",
                at: due.key.location
            )
        }
        let filtered = YAMLNode(
            content: .mapping(pairs.filter { !($0.key.scalarText == "due" && keys == WorkflowDecoder.timerTaskKeys) }),
            location: node.location,
            isSingleLine: node.isSingleLine,
            tag: node.tag
        )
        guard let entries = entries(filtered, allowed: keys, of: what) else { return nil }
        guard let titleNode = value(entries, "title") else {
            report(.missingKey, "\(what) needs a 'title'", at: node.location)
            return nil
        }
        guard let title = text(titleNode, "title") else { return nil }
        var assignee = Located("owner", at: node.location)
        if let node = value(entries, "assignee"), let text = text(node, "assignee") { assignee = text }
        var task = TaskTemplate(location: node.location, title: title, assignee: assignee)
        if let node = value(entries, "due") { task.due = duration(node, "due") }
        if let node = value(entries, "kind") { task.kind = choice(node, "kind", TaskKind.self) }
        if let node = value(entries, "keep") { task.keep = bool(node, "keep") ?? false }
        if let node = value(entries, "escalate"),
            let escalate = self.entries(node, allowed: WorkflowDecoder.escalateKeys, of: "escalate")
        {
            let after = value(escalate, "after").flatMap { duration($0, "escalate.after") }
            let to = value(escalate, "to").flatMap { text($0, "escalate.to") }
            if value(escalate, "after") == nil {
                report(.missingKey, "escalate needs 'after', how long past due", at: node.location)
            }
            if value(escalate, "to") == nil {
                report(.missingKey, "escalate needs 'to', a role or a user", at: node.location)
            }
            if let after, let to { task.escalation = Escalation(after: after, to: to) }
        }
        return task
    }

    // MARK: - Transitions

    mutating func transitions(_ node: YAMLNode) -> [Transition] {
        guard let entries = entries(node, allowed: nil, of: "transitions") else { return [] }
        var result: [Transition] = []
        for (name, value) in entries {
            if let transition = transition(name, value) {
                result.append(transition)
            } else {
                declarationsWithErrors.transitions.insert(name.value)
            }
        }
        return result
    }

    mutating func transition(_ name: Located<String>, _ node: YAMLNode) -> Transition? {
        let what = "transition '\(name.value)'"
        guard let entries = entries(node, allowed: WorkflowDecoder.transitionKeys, of: what) else { return nil }
        var source: TransitionSource?
        if let fromNode = value(entries, "from") {
            let stages = fromNode.scalarText == "*" ? [Located("*", at: fromNode.location)] : names(fromNode, "from")
            if stages.map(\.value) == ["*"] {
                source = .anyStage(fromNode.location)
            } else if stages.contains(where: { $0.value == "*" }) {
                report(
                    .invalidValue,
                    "'*' means every stage and cannot be listed with others; write from: \"*\"",
                    at: fromNode.location
                )
            } else if stages.isEmpty {
                report(
                    .invalidValue,
                    "\(what) starts from no stage: name a stage, a list of stages, or \"*\"",
                    at: fromNode.location
                )
            } else {
                source = .stages(stages)
            }
        } else {
            report(.missingKey, "\(what) has no 'from': name a stage, a list of stages, or \"*\"", at: name.location)
        }
        var target: Located<String>?
        if let toNode = value(entries, "to") {
            target = text(toNode, "to")
        } else {
            report(.missingKey, "\(what) has no 'to': name the stage it leads to", at: name.location)
        }
        var transition = Transition(
            name: name.value,
            location: name.location,
            from: source ?? .stages([]),
            to: target ?? Located("", at: name.location)
        )
        if let node = value(entries, "roles") { transition.roles = names(node, "roles") }
        if let node = value(entries, "guard") { transition.guards = guards(node) }
        if let node = value(entries, "requires") { transition.requires = names(node, "requires") }
        if let node = value(entries, "actions") { transition.actions = actions(node, of: "actions of \(what)") }
        if let node = value(entries, "description") { transition.description = text(node, "description")?.value }
        guard source != nil, target != nil else { return nil }
        return transition
    }

    mutating func guards(_ node: YAMLNode) -> [Guard] {
        guard let items = list(node, of: "guard", allowsSingle: true) else { return [] }
        var result: [Guard] = []
        for item in items {
            if case .mapping = item.content {
                guard let entries = entries(item, allowed: WorkflowDecoder.guardKeys, of: "a guard") else { continue }
                guard let exprNode = value(entries, "expr") else {
                    report(.missingKey, "a guard written as a mapping needs 'expr', the condition", at: item.location)
                    continue
                }
                guard text(exprNode, "expr") != nil else { continue }
                let message = value(entries, "message").flatMap { text($0, "message") }
                result.append(Guard(expression: exprNode.expressionSource, message: message?.value))
            } else if text(item, "a guard") != nil {
                result.append(Guard(expression: item.expressionSource))
            }
        }
        return result
    }
}
