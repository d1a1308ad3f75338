import Foundation

/// A token of the expression language, with its place in the text.
struct Token: Sendable {
    enum Kind: Equatable, Sendable {
        case identifier(String)
        case integer(Int)
        case decimal(ExactDecimal)
        case string(String)
        case duration(CalendarDuration)
        case date(LocalDate)
        case keyword(Keyword)
        case symbol(Symbol)
        case end
    }

    enum Keyword: String, Sendable, CaseIterable {
        case and, or, not, `in`, `true`, `false`, null
    }

    enum Symbol: String, Sendable {
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case andAnd = "&&"
        case orOr = "||"
        case bang = "!"
        case plus = "+"
        case minus = "-"
        case star = "*"
        case slash = "/"
        case percent = "%"
        case leftParen = "("
        case rightParen = ")"
        case leftBracket = "["
        case rightBracket = "]"
        case comma = ","
        case dot = "."
    }

    var kind: Kind
    /// Offset of the first character, in Unicode scalars from the start of the expression.
    var offset: Int
    /// Length in Unicode scalars.
    var length: Int
}

/// A problem found while reading an expression: the message and the characters it is about.
struct ExpressionProblem: Error, Sendable {
    var code: DiagnosticCode
    var message: String
    var offset: Int
    var length: Int
    var notes: [String] = []
}

/// Splits an expression into tokens.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    static func tokenize(_ text: String) throws(ExpressionProblem) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
    }

    static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || ("0"..."9").contains(scalar)
    }

    private mutating func next() throws(ExpressionProblem) -> Token {
        while position < scalars.count, [" ", "\t", "\n", "\r"].contains(scalars[position]) { position += 1 }
        let start = position
        guard position < scalars.count else { return Token(kind: .end, offset: start, length: 0) }
        let scalar = scalars[position]
        if Lexer.isIdentifierStart(scalar) {
            while position < scalars.count, Lexer.isIdentifierPart(scalars[position]) { position += 1 }
            let word = String(String.UnicodeScalarView(scalars[start..<position]))
            let kind: Token.Kind = Token.Keyword(rawValue: word).map { .keyword($0) } ?? .identifier(word)
            return Token(kind: kind, offset: start, length: position - start)
        }
        if ("0"..."9").contains(scalar) { return try number() }
        if scalar == "\"" || scalar == "'" { return try string(quote: scalar) }
        return try symbol()
    }

    private mutating func number() throws(ExpressionProblem) -> Token {
        let start = position
        while position < scalars.count, ("0"..."9").contains(scalars[position]) { position += 1 }
        if position - start == 4, let date = try dateLiteral(from: start) { return date }
        var isDecimal = false
        if position + 1 < scalars.count, scalars[position] == ".", ("0"..."9").contains(scalars[position + 1]) {
            isDecimal = true
            position += 1
            while position < scalars.count, ("0"..."9").contains(scalars[position]) { position += 1 }
        }
        let text = String(String.UnicodeScalarView(scalars[start..<position]))
        if position < scalars.count, Lexer.isIdentifierStart(scalars[position]) || scalars[position] == " " {
            if !isDecimal {
                if DurationScanner(scalars, position: position).unitAfterNumber() != nil {
                    var scanner = DurationScanner(scalars, position: start)
                    switch scanner.scanDuration() {
                    case .success(let duration):
                        position = scanner.position
                        return Token(kind: .duration(duration), offset: start, length: position - start)
                    case .failure(let error):
                        throw ExpressionProblem(
                            code: .invalidDuration,
                            message: error.message,
                            offset: start,
                            length: position - start
                        )
                    }
                }
            }
            if !isDecimal, let problem = misspeltDuration(from: start) { throw problem }
            if Lexer.isIdentifierStart(scalars[position]) {
                var end = position
                while end < scalars.count, Lexer.isIdentifierPart(scalars[end]) { end += 1 }
                let word = String(String.UnicodeScalarView(scalars[position..<end]))
                throw ExpressionProblem(
                    code: .expressionSyntax,
                    message: "'\(text)\(word)' is neither a number nor a duration; durations are written "
                        + "'30 days', '4 business hours' or '2d'",
                    offset: start,
                    length: end - start
                )
            }
        }
        if isDecimal {
            guard let value = ExactDecimal(parsing: text) else {
                throw ExpressionProblem(
                    code: .expressionSyntax,
                    message: "the number \(text) has more than 38 digits",
                    offset: start,
                    length: text.unicodeScalars.count
                )
            }
            return Token(kind: .decimal(value), offset: start, length: position - start)
        }
        guard let value = Int(text) else {
            throw ExpressionProblem(
                code: .expressionSyntax,
                message: "the integer \(text) is too large (at most \(Int.max))",
                offset: start,
                length: position - start
            )
        }
        return Token(kind: .integer(value), offset: start, length: position - start)
    }

    /// A number followed by a word close to a unit (`3 dais`, `2 bussiness days`) is a duration with a
    /// typo, not a number followed by a name: say so, with the suggestion the duration reader makes.
    private func misspeltDuration(from start: Int) -> ExpressionProblem? {
        var wordStart = position
        while wordStart < scalars.count, scalars[wordStart] == " " { wordStart += 1 }
        var wordEnd = wordStart
        while wordEnd < scalars.count, Lexer.isIdentifierPart(scalars[wordEnd]) { wordEnd += 1 }
        let word = String(String.UnicodeScalarView(scalars[wordStart..<wordEnd]))
        guard !word.isEmpty, Token.Keyword(rawValue: word) == nil,
            SpellingSuggestion.closest(to: word, among: CalendarDuration.unitSpellings + ["business"]) != nil
        else { return nil }
        var scanner = DurationScanner(scalars, position: start)
        guard case .failure(let error) = scanner.scanDuration() else { return nil }
        return ExpressionProblem(code: .invalidDuration, message: error.message, offset: start, length: wordEnd - start)
    }

    /// `2026-12-31` is a date, not two subtractions: read `YYYY-MM-DD` as a date literal.
    private mutating func dateLiteral(from start: Int) throws(ExpressionProblem) -> Token? {
        let end = start + 10
        guard end <= scalars.count, scalars[start + 4] == "-", scalars[start + 7] == "-",
            scalars[(start + 5)..<(start + 7)].allSatisfy({ ("0"..."9").contains($0) }),
            scalars[(start + 8)..<end].allSatisfy({ ("0"..."9").contains($0) }),
            end == scalars.count || !Lexer.isIdentifierPart(scalars[end])
        else { return nil }
        let text = String(String.UnicodeScalarView(scalars[start..<end]))
        guard let date = LocalDate(iso: text) else {
            throw ExpressionProblem(
                code: .invalidDate,
                message: "'\(text)' is not a date: \(LocalDate.problem(with: text))",
                offset: start,
                length: 10
            )
        }
        position = end
        return Token(kind: .date(date), offset: start, length: 10)
    }

    private mutating func string(quote: Unicode.Scalar) throws(ExpressionProblem) -> Token {
        let start = position
        position += 1
        var value = String.UnicodeScalarView()
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar == quote {
                position += 1
                return Token(kind: .string(String(value)), offset: start, length: position - start)
            }
            if scalar == "\\" {
                guard position + 1 < scalars.count else { break }
                let escaped = scalars[position + 1]
                switch escaped {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                case "\\", "\"", "'": value.append(escaped)
                default:
                    // Kept as written, so that patterns read naturally: "^\d+$" is the pattern ^\d+$.
                    value.append("\\")
                    value.append(escaped)
                }
                position += 2
                continue
            }
            value.append(scalar)
            position += 1
        }
        throw ExpressionProblem(
            code: .expressionSyntax,
            message: "this string is never closed: add the closing \(quote)",
            offset: start,
            length: 1
        )
    }

    private mutating func symbol() throws(ExpressionProblem) -> Token {
        let start = position
        let first = scalars[position]
        let second: Unicode.Scalar? = position + 1 < scalars.count ? scalars[position + 1] : nil
        if let second, let symbol = Token.Symbol(rawValue: String(first) + String(second)) {
            position += 2
            return Token(kind: .symbol(symbol), offset: start, length: 2)
        }
        if let symbol = Token.Symbol(rawValue: String(first)) {
            position += 1
            return Token(kind: .symbol(symbol), offset: start, length: 1)
        }
        switch first {
        case "=":
            throw ExpressionProblem(
                code: .expressionSyntax,
                message: "'=' is not an operator here; compare with '=='",
                offset: start,
                length: 1
            )
        case "&", "|":
            throw ExpressionProblem(
                code: .expressionSyntax,
                message: "'\(first)' is not an operator; write '\(first)\(first)' or '\(first == "&" ? "and" : "or")'",
                offset: start,
                length: 1
            )
        default:
            throw ExpressionProblem(
                code: .expressionSyntax,
                message: "unexpected character '\(first)'",
                offset: start,
                length: 1
            )
        }
    }
}
