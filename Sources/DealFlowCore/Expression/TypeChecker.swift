import Foundation

/// A type-checked expression with what it reads, ready to evaluate against a deal.
public struct CompiledExpression: Sendable {
    /// The expression as written.
    public let source: ExpressionSource
    /// The checked tree.
    public let root: TypedExpression
    /// Its static type.
    public let type: ExpressionType
    /// The fields and facts it reads, in order of first appearance; a blocker shows their values.
    public let reads: [ReadName]
}

/// The outcome of checking one expression: the compiled form when it is well typed, and every problem.
public struct CheckResult: Sendable {
    /// The compiled expression; `nil` when any error was found.
    public var compiled: CompiledExpression?
    /// Every problem found, in the order of the text.
    public var diagnostics: [Diagnostic]
}

/// Parses and type-checks expressions against a workflow's schema.
///
/// It reports unknown names with a suggestion, mismatched types (`amount > "ten"`), enum values that
/// do not exist (`lost_reason == "prize"`: did you mean "price"?), guards that are not boolean and
/// `set` values that do not fit their field, all with the exact column in the file.
///
/// ```swift
/// let checker = TypeChecker(scope: ExpressionScope(workflow: workflow))
/// let result = checker.checkCondition(ExpressionSource(text: "amount >= 10000", location: location))
/// ```
public struct TypeChecker: Sendable {
    /// The names expressions may use.
    public let scope: ExpressionScope

    /// Creates a checker for a scope.
    public init(scope: ExpressionScope) {
        self.scope = scope
    }

    /// Checks an expression of any type.
    public func check(_ source: ExpressionSource) -> CheckResult {
        run(source) { _, _ in }
    }

    /// Checks an expression that must be boolean, such as a guard or a `--where` filter.
    public func checkCondition(_ source: ExpressionSource, role: String = "a guard") -> CheckResult {
        run(source) { checking, typed in
            switch typed.type.base {
            case .bool, .unknown: break
            case .null:
                checking.report(
                    .notBoolean,
                    "\(role) must be true or false, but this expression is always null",
                    typed.node
                )
            default:
                checking.report(
                    .notBoolean,
                    "\(role) must be true or false, but this expression is \(typed.type.base)",
                    typed.node
                )
            }
        }
    }

    /// Checks a timer's `at`: a date (00:00 in the workflow's zone) or a datetime.
    public func checkInstant(_ source: ExpressionSource) -> CheckResult {
        run(source) { checking, typed in
            switch typed.type.base {
            case .date, .datetime, .unknown: break
            default:
                checking.report(
                    .typeMismatch,
                    "a timer's 'at' must be a date or a datetime, but this expression is \(typed.type.base)",
                    typed.node
                )
            }
        }
    }

    /// Checks the value of a `set` action for a field: a plain scalar read as an expression.
    public func checkAssignment(_ source: ExpressionSource, to field: ExpressionScope.FieldBinding) -> CheckResult {
        if let word = bareWord(source.text) {
            let leading = source.text.prefix { $0 == " " }.count
            let location = source.location(ofOffset: leading, length: word.count)
            let message: String
            if case .bool = field.fieldType, TypeChecker.booleanLookalikes.contains(word.lowercased()) {
                message = "'\(word)' is not a boolean: write true or false"
            } else {
                message = "'\(word)' is not a field or a value; to set the text \(word), quote it: \"\(word)\""
            }
            var notes: [Diagnostic.Note] = []
            if case .enumeration(let values) = field.fieldType,
                let value = SpellingSuggestion.closest(to: word, among: values)
            {
                notes.append(Diagnostic.Note("or did you mean the value \(Value.quoted(value))?"))
            } else if let suggestion = SpellingSuggestion.closest(to: word, among: scope.fieldNames) {
                notes.append(Diagnostic.Note("or did you mean the field '\(suggestion)'?"))
            }
            return CheckResult(
                compiled: nil,
                diagnostics: [Diagnostic(.unquotedString, message, at: location, notes: notes)]
            )
        }
        return run(source) { checking, typed in
            checking.checkFits(typed, into: field, source: source)
        }
    }

    /// Words that YAML 1.1 reads as booleans; DealFlow reads them as words and says so.
    public static let booleanLookalikes: Set<String> = ["yes", "no", "on", "off", "y", "n"]

    /// The text if it is a bare word meant as text rather than an expression: letters, digits, `_`
    /// and `-` (`competitor`, `no-budget`) where some part is not a name the scope knows. A run of
    /// known names joined by `-` (`amount-discount`) is a subtraction, not a word.
    private func bareWord(_ text: String) -> String? {
        let word = text.trimmingCharacters(in: .whitespaces)
        guard let first = word.unicodeScalars.first, Lexer.isIdentifierPart(first), !("0"..."9").contains(first),
            word.unicodeScalars.allSatisfy({ Lexer.isIdentifierPart($0) || $0 == "-" }),
            Token.Keyword(rawValue: word) == nil
        else { return nil }
        let parts = word.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        return parts.allSatisfy(isResolvable) ? nil : word
    }

    /// Checks a quoted string assigned to a field by `set`.
    public func checkStringAssignment(
        _ text: Located<String>,
        to field: ExpressionScope.FieldBinding
    ) -> CheckResult {
        let source = ExpressionSource(
            text: Value.quoted(text.value),
            location: text.location,
            mapsColumnsExactly: false
        )
        var diagnostics: [Diagnostic] = []
        switch field.fieldType {
        case .string, .text: break
        case .enumeration(let values):
            if !values.contains(text.value) {
                diagnostics.append(
                    Diagnostic.unknownEnumValue(
                        text.value,
                        in: EnumDomain(owner: "field '\(field.name)'", values: values),
                        at: text.location
                    )
                )
            }
        default:
            diagnostics.append(
                Diagnostic(
                    .typeMismatch,
                    "'\(field.name)' is \(ValueType(field.fieldType, fieldName: field.name)), but \(Value.quoted(text.value)) "
                        + "is a quoted string; write the value without quotes",
                    at: text.location
                )
            )
        }
        let compiled = CompiledExpression(
            source: source,
            root: .constant(.string(text.value)),
            type: ExpressionType(.string),
            reads: []
        )
        return CheckResult(compiled: diagnostics.isEmpty ? compiled : nil, diagnostics: diagnostics)
    }

    private func isResolvable(_ name: String) -> Bool {
        scope.fields[name] != nil || ContextName(rawValue: name) != nil || name == "actor"
            || scope.fieldsWithErrors.contains(name)
    }

    private func run(
        _ source: ExpressionSource,
        finish: (inout Checking, Checking.Typed) -> Void
    ) -> CheckResult {
        let node: SyntaxNode
        do throws(ExpressionProblem) {
            node = try Parser.parse(source.text)
        } catch {
            let diagnostic = Diagnostic(
                error.code,
                error.message,
                at: source.location(ofOffset: error.offset, length: error.length),
                notes: error.notes.map { Diagnostic.Note($0) }
            )
            return CheckResult(compiled: nil, diagnostics: [diagnostic])
        }
        var checking = Checking(scope: scope, source: source)
        let typed = checking.infer(node)
        finish(&checking, typed)
        let diagnostics = checking.problems.map {
            Diagnostic(
                $0.code,
                $0.message,
                at: source.location(ofOffset: $0.offset, length: $0.length),
                notes: $0.notes.map { Diagnostic.Note($0) }
            )
        }
        let compiled =
            diagnostics.isEmpty
            ? CompiledExpression(source: source, root: typed.expression, type: typed.type, reads: checking.reads) : nil
        return CheckResult(compiled: compiled, diagnostics: diagnostics)
    }
}

/// The state of one type-checking pass.
private struct Checking {
    struct Typed {
        var expression: TypedExpression
        var type: ExpressionType
        var node: SyntaxNode
    }

    let scope: ExpressionScope
    let source: ExpressionSource
    let text: [Unicode.Scalar]
    var problems: [ExpressionProblem] = []
    var reads: [ReadName] = []

    init(scope: ExpressionScope, source: ExpressionSource) {
        self.scope = scope
        self.source = source
        self.text = Array(source.text.unicodeScalars)
    }

    mutating func report(_ code: DiagnosticCode, _ message: String, _ node: SyntaxNode, notes: [String] = []) {
        problems.append(
            ExpressionProblem(code: code, message: message, offset: node.offset, length: node.length, notes: notes)
        )
    }

    /// The text of a node, shortened, for messages: `'amount'`, `"ten"`.
    func quote(_ node: SyntaxNode) -> String {
        let end = min(text.count, node.offset + node.length)
        var snippet = String(String.UnicodeScalarView(text[min(node.offset, end)..<end]))
        if snippet.count > 40 { snippet = String(snippet.prefix(37)) + "..." }
        if case .literal(.string) = node.kind { return snippet }
        return "'\(snippet)'"
    }

    mutating func read(_ name: ReadName) {
        if !reads.contains(name) { reads.append(name) }
    }

    private func unknown(_ node: SyntaxNode) -> Typed {
        Typed(expression: .constant(.null), type: ExpressionType(.unknown), node: node)
    }

    mutating func infer(_ node: SyntaxNode) -> Typed {
        switch node.kind {
        case .literal(let literal):
            let (value, type): (Value, ValueType) =
                switch literal {
                case .null: (.null, .null)
                case .bool(let value): (.bool(value), .bool)
                case .int(let value): (.int(value), .int)
                case .decimal(let value): (.decimal(value), .decimal)
                case .string(let value): (.string(value), .string)
                case .duration(let value): (.duration(value), .duration)
                case .date(let value): (.date(value), .date)
                }
            return Typed(expression: .constant(value), type: ExpressionType(type), node: node)
        case .name(let name):
            return resolve(name, node)
        case .member(let base, let member):
            if case .name("actor") = base.kind, let name = ContextName(rawValue: "actor.\(member)") {
                read(.context(name))
                return Typed(expression: .context(name), type: scope.type(of: name), node: node)
            }
            report(
                .unknownName,
                "\(quote(node)) has no meaning: only actor.id and actor.role are written with a dot",
                node
            )
            return unknown(node)
        case .unary(.not, let operand):
            let inner = infer(operand)
            requireBoolean(inner, operator: "not")
            return Typed(
                expression: .not(inner.expression),
                type: ExpressionType(.bool, nullable: inner.type.isNullable),
                node: node
            )
        case .unary(.negate, let operand):
            let inner = infer(operand)
            guard inner.type.base.isNumeric || inner.type.base == .unknown else {
                report(.typeMismatch, "'-' needs a number, but \(quote(operand)) is \(inner.type.base)", operand)
                return unknown(node)
            }
            if case .constant(.int(let value)) = inner.expression, value != .min {
                return Typed(expression: .constant(.int(-value)), type: inner.type, node: node)
            }
            if case .constant(.decimal(let value)) = inner.expression {
                return Typed(expression: .constant(.decimal(-value)), type: inner.type, node: node)
            }
            return Typed(expression: .negate(inner.expression), type: inner.type, node: node)
        case .binary(let op, let leftNode, let rightNode):
            return binary(op, leftNode, rightNode, node)
        case .logical(let op, let operandNodes):
            let operands = operandNodes.map { infer($0) }
            for operand in operands { requireBoolean(operand, operator: op.rawValue) }
            let expressions = operands.map(\.expression)
            return Typed(
                expression: op == .and ? .and(expressions) : .or(expressions),
                type: ExpressionType(.bool, nullable: operands.contains { $0.type.isNullable }),
                node: node
            )
        case .call(let name, let arguments):
            return call(name, arguments, node)
        case .list(let items):
            let typed = items.map { infer($0) }
            return Typed(
                expression: .list(typed.map(\.expression)),
                type: ExpressionType(.list(elementType(typed))),
                node: node
            )
        }
    }

    private mutating func resolve(_ name: String, _ node: SyntaxNode) -> Typed {
        if let field = scope.fields[name] {
            read(.field(index: field.index, name: name))
            return Typed(expression: .field(field.index), type: field.type, node: node)
        }
        if let context = ContextName(rawValue: name) {
            read(.context(context))
            return Typed(expression: .context(context), type: scope.type(of: context), node: node)
        }
        if scope.fieldsWithErrors.contains(name) { return unknown(node) }
        if name == "actor" {
            report(.unknownName, "'actor' is not a value by itself: write actor.id or actor.role", node)
            return unknown(node)
        }
        if name.count > 1, TypeChecker.booleanLookalikes.contains(name.lowercased()) {
            report(.unknownName, "unknown name '\(name)'; booleans are written true and false", node)
            return unknown(node)
        }
        let candidates = scope.fieldNames + ContextName.allCases.map(\.rawValue)
        let suggestion = SpellingSuggestion.closest(to: name, among: candidates)
        report(.unknownName, "unknown name '\(name)'" + SpellingSuggestion.phrase(suggestion), node)
        return unknown(node)
    }

    private mutating func requireBoolean(_ typed: Typed, operator name: String) {
        switch typed.type.base {
        case .bool, .unknown, .null: break
        default:
            report(
                .typeMismatch,
                "'\(name)' needs a boolean, but \(quote(typed.node)) is \(typed.type.base)",
                typed.node
            )
        }
    }

    private func elementType(_ items: [Typed]) -> ValueType {
        var result: ValueType = .unknown
        for item in items where item.type.base != .unknown && item.type.base != .null {
            if result == .unknown {
                result = item.type.base
            } else if result.isNumeric, item.type.base.isNumeric {
                if item.type.base == .decimal { result = .decimal }
            } else if result.isText, item.type.base.isText, result != item.type.base {
                result = .string
            }
        }
        return result
    }

    // MARK: - Operators

    private mutating func binary(
        _ op: BinaryOperator,
        _ leftNode: SyntaxNode,
        _ rightNode: SyntaxNode,
        _ node: SyntaxNode
    )
        -> Typed
    {
        let left = infer(leftNode)
        if op == .in || op == .notIn { return membership(left, rightNode, negated: op == .notIn, node) }
        let right = infer(rightNode)
        let nullable = left.type.isNullable || right.type.isNullable
        switch op {
        case .and, .or, .in, .notIn:
            preconditionFailure("and, or and in are checked on their own")
        case .equal, .notEqual:
            checkEquatable(left, right, verb: "compare")
            return Typed(
                expression: .equal(left.expression, right.expression, negated: op == .notEqual),
                type: ExpressionType(.bool),
                node: node
            )
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            checkOrdered(left, right, op: op)
            return Typed(
                expression: .order(op, left.expression, right.expression),
                type: ExpressionType(.bool, nullable: nullable),
                node: node
            )
        case .add, .subtract, .multiply, .divide, .remainder:
            return arithmetic(op, left, right, node)
        }
    }

    mutating func checkEquatable(_ left: Typed, _ right: Typed, verb: String) {
        let (l, r) = (left.type.base, right.type.base)
        if l == .unknown || r == .unknown || l == .null || r == .null || (l.isNumeric && r.isNumeric) { return }
        switch (l, r) {
        case (.enumeration(let domain), .string): checkEnumValue(right, in: domain)
        case (.string, .enumeration(let domain)): checkEnumValue(left, in: domain)
        case (.enumeration(let a), .enumeration(let b)):
            if a != b, Set(a.values).isDisjoint(with: b.values) {
                report(
                    .typeMismatch,
                    "cannot \(verb) \(quote(left.node)) (\(l)) with \(quote(right.node)) (\(r)): they share no value",
                    right.node
                )
            }
        case (.date, .datetime), (.datetime, .date):
            report(
                .typeMismatch,
                "cannot \(verb) \(quote(left.node)) (\(l)) with \(quote(right.node)) (\(r))",
                right.node,
                notes: ["compare a date with 'today' and a datetime with 'now'"]
            )
        default:
            if l != r {
                report(
                    .typeMismatch,
                    "cannot \(verb) \(quote(left.node)) (\(l)) with \(quote(right.node)) (\(r))",
                    right.node
                )
            }
        }
    }

    private mutating func checkEnumValue(_ typed: Typed, in domain: EnumDomain) {
        guard case .constant(.string(let value)) = typed.expression, !domain.values.contains(value) else { return }
        let diagnostic = Diagnostic.unknownEnumValue(value, in: domain, at: source.location)
        problems.append(
            ExpressionProblem(
                code: .unknownEnumValue,
                message: diagnostic.message,
                offset: typed.node.offset,
                length: typed.node.length,
                notes: diagnostic.notes.map(\.message)
            )
        )
    }

    private mutating func checkOrdered(_ left: Typed, _ right: Typed, op: BinaryOperator) {
        let (l, r) = (left.type.base, right.type.base)
        if l == .unknown || r == .unknown { return }
        if l == .null || r == .null {
            let nullNode = l == .null ? left.node : right.node
            report(
                .typeMismatch,
                "'\(op.rawValue)' cannot compare with null; test for it with '== null' or has(field)",
                nullNode
            )
            return
        }
        for side in [left, right] {
            switch side.type.base {
            case .enumeration:
                report(
                    .typeMismatch,
                    "enum values have no order: compare \(quote(side.node)) with '==' or 'in'",
                    side.node
                )
                return
            case .bool, .list, .duration:
                report(.typeMismatch, "\(quote(side.node)) is \(side.type.base), which has no order", side.node)
                return
            default: break
            }
        }
        if (l.isNumeric && r.isNumeric) || l == r { return }
        checkEquatable(left, right, verb: "compare")
    }

    private mutating func membership(_ left: Typed, _ listNode: SyntaxNode, negated: Bool, _ node: SyntaxNode) -> Typed
    {
        let type = ExpressionType(.bool, nullable: left.type.isNullable)
        guard case .list(let itemNodes) = listNode.kind else {
            let right = infer(listNode)
            if right.type.base != .unknown {
                let notes =
                    right.type.base.isText ? ["to look for text inside a string, use contains(string, text)"] : []
                report(
                    .typeMismatch,
                    "'in' needs a list such as [\"a\", \"b\"], but \(quote(listNode)) is \(right.type.base)",
                    listNode,
                    notes: notes
                )
            }
            return unknown(node)
        }
        let items = itemNodes.map { infer($0) }
        for item in items { checkEquatable(left, item, verb: "compare") }
        return Typed(
            expression: .membership(left.expression, items.map(\.expression), negated: negated),
            type: type,
            node: node
        )
    }

    private mutating func arithmetic(_ op: BinaryOperator, _ left: Typed, _ right: Typed, _ node: SyntaxNode) -> Typed {
        let (l, r) = (left.type.base, right.type.base)
        let nullable = left.type.isNullable || right.type.isNullable
        if l == .unknown || r == .unknown { return unknown(node) }
        if l.isNumeric, r.isNumeric {
            let resultType: ValueType =
                switch op {
                case .divide: .decimal
                default: l == .int && r == .int ? .int : .decimal
                }
            return Typed(
                expression: .arithmetic(op, left.expression, right.expression),
                type: ExpressionType(resultType, nullable: nullable),
                node: node
            )
        }
        if op == .add, l.isText, r.isText {
            return Typed(
                expression: .concatenate(left.expression, right.expression),
                type: ExpressionType(.string, nullable: nullable),
                node: node
            )
        }
        if op == .add || op == .subtract {
            if l.isTemporal, r == .duration, case .constant(.duration(let duration)) = right.expression {
                return shift(left, duration, sign: op == .add ? 1 : -1, nullable: nullable, node)
            }
            if op == .add, l == .duration, r.isTemporal, case .constant(.duration(let duration)) = left.expression {
                return shift(right, duration, sign: 1, nullable: nullable, node)
            }
            if op == .subtract, l.isTemporal, r.isTemporal {
                report(
                    .typeMismatch,
                    "cannot subtract \(quote(right.node)) from \(quote(left.node))",
                    node,
                    notes: [
                        "count the days between them with days_between(\(snippet(right.node)), \(snippet(left.node)))"
                    ]
                )
                return unknown(node)
            }
        }
        let verb =
            switch op {
            case .add: "add"
            case .subtract: "subtract"
            case .multiply: "multiply"
            case .divide: "divide"
            default: "take the remainder of"
            }
        report(.typeMismatch, "cannot \(verb) \(quote(left.node)) (\(l)) and \(quote(right.node)) (\(r))", node)
        return unknown(node)
    }

    private func snippet(_ node: SyntaxNode) -> String {
        let end = min(text.count, node.offset + node.length)
        return String(String.UnicodeScalarView(text[min(node.offset, end)..<end]))
    }

    private func shift(
        _ base: Typed,
        _ duration: CalendarDuration,
        sign: Int,
        nullable: Bool,
        _ node: SyntaxNode
    ) -> Typed {
        let keepsDate = base.type.base == .date && duration.unit.countsDays && duration.timeOfDay == nil
        return Typed(
            expression: .shift(base.expression, duration, sign: sign),
            type: ExpressionType(keepsDate ? .date : .datetime, nullable: nullable),
            node: node
        )
    }

    // MARK: - Functions

    private mutating func call(_ name: String, _ arguments: [SyntaxNode], _ node: SyntaxNode) -> Typed {
        guard let function = BuiltinFunction(rawValue: name) else {
            if scope.fields[name] != nil || ContextName(rawValue: name) != nil {
                report(.unknownFunction, "'\(name)' is a value, not a function", node)
            } else {
                let suggestion = SpellingSuggestion.closest(to: name, among: BuiltinFunction.allCases.map(\.rawValue))
                report(.unknownFunction, "unknown function '\(name)'" + SpellingSuggestion.phrase(suggestion), node)
            }
            for argument in arguments { _ = infer(argument) }
            return unknown(node)
        }
        guard function.arity.contains(arguments.count) else {
            let expected =
                function.arity.lowerBound == function.arity.upperBound
                ? "\(function.arity.lowerBound) argument\(function.arity.lowerBound == 1 ? "" : "s")"
                : "\(function.arity.lowerBound) to \(function.arity.upperBound) arguments"
            report(
                .argumentCount,
                "\(name)() takes \(expected), but \(arguments.count) \(arguments.count == 1 ? "is" : "are") given: \(function.signature)",
                node
            )
            for argument in arguments { _ = infer(argument) }
            return unknown(node)
        }
        if function == .has {
            guard case .name(let fieldName) = arguments[0].kind, let field = scope.fields[fieldName] else {
                if case .name(let other) = arguments[0].kind, ContextName(rawValue: other) == nil,
                    !scope.fieldsWithErrors.contains(other)
                {
                    _ = resolve(other, arguments[0])
                } else if case .name(let other) = arguments[0].kind, scope.fieldsWithErrors.contains(other) {
                    return unknown(node)
                } else {
                    report(.typeMismatch, "has() takes the name of a field, such as has(amount)", arguments[0])
                }
                return unknown(node)
            }
            read(.field(index: field.index, name: fieldName))
            return Typed(expression: .has(field.index), type: ExpressionType(.bool), node: node)
        }
        let typed = arguments.map { infer($0) }
        let nullable = typed.contains { $0.type.isNullable }
        if typed.contains(where: { $0.type.base == .unknown }) { return unknown(node) }
        func require(_ index: Int, _ accepted: (ValueType) -> Bool, _ description: String) -> Bool {
            let argument = typed[index]
            if accepted(argument.type.base) || argument.type.base == .null { return true }
            report(
                .typeMismatch,
                "\(name)() takes \(description), but \(quote(argument.node)) is \(argument.type.base)",
                argument.node
            )
            return false
        }
        let result: ValueType
        switch function {
        case .has:
            preconditionFailure("handled above")
        case .len:
            guard require(0, { $0.isText || { if case .list = $0 { true } else { false } }($0) }, "a string or a list")
            else {
                return unknown(node)
            }
            result = .int
        case .lower, .upper:
            guard require(0, \.isText, "a string") else { return unknown(node) }
            result = .string
        case .contains, .startsWith, .endsWith:
            guard require(0, \.isText, "strings"), require(1, \.isText, "strings") else { return unknown(node) }
            result = .bool
        case .matches:
            guard require(0, \.isText, "a string to match") else { return unknown(node) }
            guard case .constant(.string(let pattern)) = typed[1].expression else {
                report(
                    .invalidPattern,
                    "the pattern of matches() must be written as a string literal, so that it is checked when the workflow is validated",
                    typed[1].node
                )
                return unknown(node)
            }
            do throws(PatternError) {
                let compiled = try SafePattern(pattern)
                return Typed(
                    expression: .matches(typed[0].expression, compiled),
                    type: ExpressionType(.bool, nullable: nullable),
                    node: node
                )
            } catch {
                let patternNode = typed[1].node
                let exact = !pattern.unicodeScalars.contains("\\") && !pattern.unicodeScalars.contains("\"")
                let offset = exact ? patternNode.offset + 1 + error.offset : patternNode.offset
                problems.append(
                    ExpressionProblem(
                        code: .invalidPattern,
                        message: "invalid pattern: \(error.message)",
                        offset: offset,
                        length: exact ? 1 : patternNode.length
                    )
                )
                return unknown(node)
            }
        case .daysBetween, .businessDaysBetween:
            guard require(0, \.isTemporal, "dates or datetimes"), require(1, \.isTemporal, "dates or datetimes") else {
                return unknown(node)
            }
            result = .int
        case .min, .max:
            let bases = typed.map(\.type.base).filter { $0 != .null }
            if bases.allSatisfy(\.isNumeric) {
                result = bases.contains(.decimal) ? .decimal : .int
            } else if let first = bases.first, first.isTemporal, bases.allSatisfy({ $0 == first }) {
                result = first
            } else {
                report(.typeMismatch, "\(name)() takes numbers, dates or datetimes, all of one kind", node)
                return unknown(node)
            }
        case .abs:
            guard require(0, \.isNumeric, "a number") else { return unknown(node) }
            result = typed[0].type.base
        }
        return Typed(
            expression: .call(function, typed.map(\.expression)),
            type: ExpressionType(result, nullable: nullable),
            node: node
        )
    }

    // MARK: - Assignment

    mutating func checkFits(_ typed: Typed, into field: ExpressionScope.FieldBinding, source: ExpressionSource) {
        let base = typed.type.base
        if base == .unknown { return }
        let fieldType = ValueType(field.fieldType, fieldName: field.name)
        if base == .null {
            if !field.type.isNullable {
                report(.typeMismatch, "'\(field.name)' is required and cannot be set to null", typed.node)
            }
            return
        }
        var fits: Bool
        switch (field.fieldType, base) {
        case (.int, .int), (.decimal, .int), (.decimal, .decimal), (.bool, .bool), (.date, .date),
            (.datetime, .datetime):
            fits = true
        case (.string, let type), (.text, let type):
            fits = type.isText
        case (.enumeration(let values), .enumeration(let domain)):
            fits = Set(domain.values).isSubset(of: values)
        case (.enumeration(let values), .string):
            if case .constant(.string(let value)) = typed.expression {
                if !values.contains(value) {
                    checkEnumValue(typed, in: EnumDomain(owner: "field '\(field.name)'", values: values))
                }
                return
            }
            fits = false
        default:
            fits = false
        }
        guard fits else {
            var notes: [String] = []
            if case .int = field.fieldType, base == .decimal { notes.append("an int field cannot hold a fraction") }
            if case .enumeration = field.fieldType { notes.append("the value must be one of the field's values") }
            report(
                .typeMismatch,
                "'\(field.name)' is \(fieldType), but this value is \(base)",
                typed.node,
                notes: notes
            )
            return
        }
        if typed.type.isNullable, !field.type.isNullable {
            report(
                .typeMismatch,
                "'\(field.name)' is required, but this value may be null (when a field it reads is not set)",
                typed.node
            )
        }
    }
}
