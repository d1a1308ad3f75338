import Foundation

/// A node of an expression's syntax tree, before type checking, with the characters it spans.
public struct SyntaxNode: Sendable {
    /// What the node is.
    public var kind: SyntaxKind
    /// Offset of its first character in the expression text.
    public var offset: Int
    /// How many characters it spans.
    public var length: Int

    /// The depth of the tree below and including this node.
    var depth: Int {
        switch kind {
        case .literal, .name: return 1
        case .member(let base, _): return base.depth + 1
        case .unary(_, let operand): return operand.depth + 1
        case .binary(_, let left, let right): return max(left.depth, right.depth) + 1
        case .logical(_, let operands): return (operands.map(\.depth).max() ?? 0) + 1
        case .call(_, let arguments), .list(let arguments): return (arguments.map(\.depth).max() ?? 0) + 1
        }
    }
}

/// The kinds of syntax node.
public indirect enum SyntaxKind: Sendable {
    case literal(Literal)
    case name(String)
    case member(SyntaxNode, String)
    case unary(UnaryOperator, SyntaxNode)
    case binary(BinaryOperator, SyntaxNode, SyntaxNode)
    /// A run of `and` or of `or`, kept flat so that a long list of conditions is not a deep tree.
    case logical(BinaryOperator, [SyntaxNode])
    case call(String, [SyntaxNode])
    case list([SyntaxNode])
}

/// A literal as written.
public enum Literal: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case decimal(ExactDecimal)
    case string(String)
    case duration(CalendarDuration)
    case date(LocalDate)
}

/// Prefix operators.
public enum UnaryOperator: String, Sendable {
    case not
    case negate = "-"
}

/// Infix operators, loosest first: `or`, `and`, comparisons and `in`, `+ -`, `* / %`.
public enum BinaryOperator: String, Sendable {
    case or, and
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case `in`
    case notIn = "not in"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"

    var isOrdering: Bool { self == .less || self == .lessOrEqual || self == .greater || self == .greaterOrEqual }
}

/// Reads an expression into a ``SyntaxNode`` tree.
///
/// Precedence, loosest first: `or` / `||`; `and` / `&&`; `not` / `!`; comparisons and `in` / `not in`
/// (not chainable); `+ -`; `* / %`; unary `-`; calls and `.` member access.
struct Parser {
    private var tokens: [Token]
    private var index = 0
    private var depth = 0
    private let textLength: Int

    private init(tokens: [Token], textLength: Int) {
        self.tokens = tokens
        self.textLength = textLength
    }

    static func parse(_ text: String) throws(ExpressionProblem) -> SyntaxNode {
        let length = text.unicodeScalars.count
        guard length <= ExpressionLimits.maximumLength else {
            throw ExpressionProblem(
                code: .expressionLimit,
                message: "this expression is \(length) characters long; the limit is \(ExpressionLimits.maximumLength)",
                offset: 0,
                length: 1
            )
        }
        guard !text.allSatisfy(\.isWhitespace) else {
            throw ExpressionProblem(code: .expressionSyntax, message: "the expression is empty", offset: 0, length: 1)
        }
        var parser = Parser(tokens: try Lexer.tokenize(text), textLength: length)
        let node = try parser.expression()
        guard case .end = parser.current.kind else {
            throw parser.unexpected("after a complete expression")
        }
        if node.depth > ExpressionLimits.maximumDepth {
            throw ExpressionProblem(
                code: .expressionLimit,
                message:
                    "this expression nests \(node.depth) levels deep; the limit is \(ExpressionLimits.maximumDepth)",
                offset: 0,
                length: 1
            )
        }
        return node
    }

    private var current: Token { tokens[index] }

    private mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .identifier(let name): "'\(name)'"
        case .integer(let value): "'\(value)'"
        case .decimal(let value): "'\(value)'"
        case .string(let value): Value.quoted(value)
        case .duration(let value): "'\(value)'"
        case .date(let value): "'\(value)'"
        case .keyword(let keyword): "'\(keyword.rawValue)'"
        case .symbol(let symbol): "'\(symbol.rawValue)'"
        case .end: "the end of the expression"
        }
    }

    private func unexpected(_ context: String) -> ExpressionProblem {
        let token = current
        if case .end = token.kind {
            return ExpressionProblem(
                code: .expressionSyntax,
                message: "the expression ends too early \(context)",
                offset: max(0, textLength - 1),
                length: 1
            )
        }
        return ExpressionProblem(
            code: .expressionSyntax,
            message: "unexpected \(describe(token)) \(context)",
            offset: token.offset,
            length: max(1, token.length)
        )
    }

    private func isSymbol(_ symbol: Token.Symbol) -> Bool { current.kind == .symbol(symbol) }
    private func isKeyword(_ keyword: Token.Keyword) -> Bool { current.kind == .keyword(keyword) }

    private mutating func nested<T>(
        _ body: (inout Parser) throws(ExpressionProblem) -> T
    ) throws(ExpressionProblem) -> T {
        depth += 1
        defer { depth -= 1 }
        if depth > ExpressionLimits.maximumDepth {
            throw ExpressionProblem(
                code: .expressionLimit,
                message: "this expression nests more than \(ExpressionLimits.maximumDepth) levels deep",
                offset: current.offset,
                length: 1
            )
        }
        return try body(&self)
    }

    private static func span(_ first: SyntaxNode, _ last: SyntaxNode) -> (Int, Int) {
        (first.offset, last.offset + last.length - first.offset)
    }

    private mutating func expression() throws(ExpressionProblem) -> SyntaxNode {
        try nested { (parser: inout Parser) throws(ExpressionProblem) in try parser.disjunction() }
    }

    private mutating func disjunction() throws(ExpressionProblem) -> SyntaxNode {
        var operands = [try conjunction()]
        while isKeyword(.or) || isSymbol(.orOr) {
            _ = advance()
            operands.append(try conjunction())
        }
        return Parser.logical(.or, operands)
    }

    private mutating func conjunction() throws(ExpressionProblem) -> SyntaxNode {
        var operands = [try negation()]
        while isKeyword(.and) || isSymbol(.andAnd) {
            _ = advance()
            operands.append(try negation())
        }
        return Parser.logical(.and, operands)
    }

    private static func logical(_ op: BinaryOperator, _ operands: [SyntaxNode]) -> SyntaxNode {
        guard operands.count > 1, let first = operands.first, let last = operands.last else { return operands[0] }
        let (offset, length) = span(first, last)
        return SyntaxNode(kind: .logical(op, operands), offset: offset, length: length)
    }

    private mutating func negation() throws(ExpressionProblem) -> SyntaxNode {
        guard isKeyword(.not) || isSymbol(.bang) else { return try comparison() }
        let token = advance()
        let operand = try nested { (parser: inout Parser) throws(ExpressionProblem) in try parser.negation() }
        return SyntaxNode(
            kind: .unary(.not, operand),
            offset: token.offset,
            length: operand.offset + operand.length - token.offset
        )
    }

    private mutating func comparisonOperator() -> BinaryOperator? {
        switch current.kind {
        case .symbol(.equal): return .equal
        case .symbol(.notEqual): return .notEqual
        case .symbol(.less): return .less
        case .symbol(.lessOrEqual): return .lessOrEqual
        case .symbol(.greater): return .greater
        case .symbol(.greaterOrEqual): return .greaterOrEqual
        case .keyword(.in): return .in
        case .keyword(.not):
            if index + 1 < tokens.count, tokens[index + 1].kind == .keyword(.in) { return .notIn }
            return nil
        default: return nil
        }
    }

    private mutating func comparison() throws(ExpressionProblem) -> SyntaxNode {
        let left = try additive()
        guard let op = comparisonOperator() else { return left }
        _ = advance()
        if op == .notIn { _ = advance() }
        let right = try additive()
        if comparisonOperator() != nil {
            throw ExpressionProblem(
                code: .expressionSyntax,
                message: "comparisons cannot be chained; join them with 'and' (for example 'a < b and b < c')",
                offset: current.offset,
                length: max(1, current.length)
            )
        }
        let (offset, length) = Parser.span(left, right)
        return SyntaxNode(kind: .binary(op, left, right), offset: offset, length: length)
    }

    private mutating func additive() throws(ExpressionProblem) -> SyntaxNode {
        var left = try multiplicative()
        while isSymbol(.plus) || isSymbol(.minus) {
            let op: BinaryOperator = isSymbol(.plus) ? .add : .subtract
            _ = advance()
            let right = try multiplicative()
            let (offset, length) = Parser.span(left, right)
            left = SyntaxNode(kind: .binary(op, left, right), offset: offset, length: length)
        }
        return left
    }

    private mutating func multiplicative() throws(ExpressionProblem) -> SyntaxNode {
        var left = try unary()
        while isSymbol(.star) || isSymbol(.slash) || isSymbol(.percent) {
            let op: BinaryOperator = isSymbol(.star) ? .multiply : isSymbol(.slash) ? .divide : .remainder
            _ = advance()
            let right = try unary()
            let (offset, length) = Parser.span(left, right)
            left = SyntaxNode(kind: .binary(op, left, right), offset: offset, length: length)
        }
        return left
    }

    private mutating func unary() throws(ExpressionProblem) -> SyntaxNode {
        guard isSymbol(.minus) else { return try postfix() }
        let token = advance()
        let operand = try nested { (parser: inout Parser) throws(ExpressionProblem) in try parser.unary() }
        return SyntaxNode(
            kind: .unary(.negate, operand),
            offset: token.offset,
            length: operand.offset + operand.length - token.offset
        )
    }

    private mutating func postfix() throws(ExpressionProblem) -> SyntaxNode {
        var node = try primary()
        while isSymbol(.dot) {
            _ = advance()
            guard case .identifier(let member) = current.kind else { throw unexpected("after '.'") }
            let token = advance()
            node = SyntaxNode(
                kind: .member(node, member),
                offset: node.offset,
                length: token.offset + token.length - node.offset
            )
        }
        return node
    }

    private mutating func arguments(closing: Token.Symbol) throws(ExpressionProblem) -> [SyntaxNode] {
        var items: [SyntaxNode] = []
        if isSymbol(closing) { return items }
        while true {
            items.append(try expression())
            if isSymbol(.comma) {
                _ = advance()
                continue
            }
            guard isSymbol(closing) else { throw unexpected("where ',' or '\(closing.rawValue)' was expected") }
            return items
        }
    }

    private mutating func primary() throws(ExpressionProblem) -> SyntaxNode {
        let token = current
        switch token.kind {
        case .integer(let value):
            _ = advance()
            return SyntaxNode(kind: .literal(.int(value)), offset: token.offset, length: token.length)
        case .decimal(let value):
            _ = advance()
            return SyntaxNode(kind: .literal(.decimal(value)), offset: token.offset, length: token.length)
        case .string(let value):
            _ = advance()
            return SyntaxNode(kind: .literal(.string(value)), offset: token.offset, length: token.length)
        case .duration(let value):
            _ = advance()
            return SyntaxNode(kind: .literal(.duration(value)), offset: token.offset, length: token.length)
        case .date(let value):
            _ = advance()
            return SyntaxNode(kind: .literal(.date(value)), offset: token.offset, length: token.length)
        case .keyword(.true), .keyword(.false):
            _ = advance()
            return SyntaxNode(
                kind: .literal(.bool(token.kind == .keyword(.true))),
                offset: token.offset,
                length: token.length
            )
        case .keyword(.null):
            _ = advance()
            return SyntaxNode(kind: .literal(.null), offset: token.offset, length: token.length)
        case .identifier(let name):
            _ = advance()
            guard isSymbol(.leftParen) else {
                return SyntaxNode(kind: .name(name), offset: token.offset, length: token.length)
            }
            _ = advance()
            let arguments = try arguments(closing: .rightParen)
            let close = advance()
            return SyntaxNode(
                kind: .call(name, arguments),
                offset: token.offset,
                length: close.offset + 1 - token.offset
            )
        case .symbol(.leftParen):
            _ = advance()
            var inner = try expression()
            guard isSymbol(.rightParen) else { throw unexpected("where ')' was expected") }
            let close = advance()
            inner.offset = token.offset
            inner.length = close.offset + 1 - token.offset
            return inner
        case .symbol(.leftBracket):
            _ = advance()
            let items = try arguments(closing: .rightBracket)
            let close = advance()
            return SyntaxNode(kind: .list(items), offset: token.offset, length: close.offset + 1 - token.offset)
        default:
            throw unexpected("where a value was expected")
        }
    }
}
