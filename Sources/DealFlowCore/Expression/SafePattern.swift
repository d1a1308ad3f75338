/// A regular expression that matches in linear time, for `matches(s, pattern)`.
///
/// Swift's `Regex` backtracks, so a pattern such as `(a+)+$` can take exponential time on a long
/// input. `SafePattern` compiles to a Thompson NFA and simulates it over the input once, keeping a set
/// of states: matching costs at most O(n × m) for an input of n characters and a program of m
/// instructions, whatever the pattern. Features that need backtracking (back-references, look-around)
/// are refused when the workflow is validated.
///
/// Supported: literals, `.`, classes `[a-z0-9_]` and `[^...]`, `\d \w \s` and their negations `\D \W \S`
/// (outside classes), escapes of metacharacters, `\n \t`, anchors `^ $`, groups `( )` and `(?: )`,
/// alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` (a trailing lazy `?` is accepted and changes
/// nothing, since only whether it matches counts), and a leading `(?i)` for case-insensitive matching.
/// Like CEL's `matches`, the pattern may match anywhere in the string; anchor it with `^...$` to match
/// the whole string.
///
/// ```swift
/// let pattern = try SafePattern("^[^@ ]+@[^@ ]+\\.[a-z]{2,}$")
/// pattern.matches("ana@example.com")  // true
/// ```
public struct SafePattern: Sendable, Hashable {
    /// The pattern as written.
    public let pattern: String
    private let program: [Instruction]
    private let caseInsensitive: Bool

    /// The largest compiled program accepted; counted repetitions multiply a pattern's size.
    public static let maximumProgramSize = 5_000
    /// The largest bound of a counted repetition such as `{2,10}`.
    public static let maximumRepetition = 1_000

    /// Compiles a pattern, or throws a ``PatternError`` naming the problem and its position.
    public init(_ pattern: String) throws(PatternError) {
        var scalars = Array(pattern.unicodeScalars)
        var offset = 0
        var caseInsensitive = false
        if scalars.starts(with: Array("(?i)".unicodeScalars)) {
            caseInsensitive = true
            scalars.removeFirst(4)
            offset = 4
        }
        var parser = PatternParser(scalars: scalars, offset: offset, caseInsensitive: caseInsensitive)
        let node = try parser.parseAll()
        var compiler = PatternCompiler()
        try compiler.emit(node)
        compiler.program.append(.match)
        guard compiler.program.count <= SafePattern.maximumProgramSize else {
            throw PatternError(
                message: "the pattern is too large once its repetitions are expanded "
                    + "(\(compiler.program.count) steps; the limit is \(SafePattern.maximumProgramSize))",
                offset: 0
            )
        }
        self.pattern = pattern
        self.program = compiler.program
        self.caseInsensitive = caseInsensitive
    }

    /// Whether the pattern matches somewhere in `text`.
    ///
    /// - Complexity: O(n × m) for n characters of input and a program of m steps.
    public func matches(_ text: String) -> Bool {
        let input: [Unicode.Scalar] =
            caseInsensitive ? text.unicodeScalars.map(PatternParser.lowercase) : Array(text.unicodeScalars)
        var current = StateSet(capacity: program.count)
        var next = StateSet(capacity: program.count)
        for position in 0...input.count {
            if add(0, at: position, count: input.count, to: &current) { return true }
            guard position < input.count else { break }
            let scalar = input[position]
            next.clear()
            for pc in current.states {
                let advances: Bool
                switch program[pc] {
                case .scalar(let expected): advances = scalar == expected
                case .any: advances = scalar != "\n"
                case .set(let set): advances = set.contains(scalar, caseInsensitive: caseInsensitive)
                default: advances = false
                }
                if advances, add(pc + 1, at: position + 1, count: input.count, to: &next) { return true }
            }
            swap(&current, &next)
        }
        return false
    }

    /// Adds a state and everything reachable from it without reading input; true when that reaches a match.
    private func add(_ start: Int, at position: Int, count: Int, to set: inout StateSet) -> Bool {
        var pending = [start]
        while let pc = pending.popLast() {
            guard set.insert(pc) else { continue }
            switch program[pc] {
            case .match: return true
            case .jump(let target): pending.append(target)
            case .split(let first, let second):
                pending.append(second)
                pending.append(first)
            case .assertStart: if position == 0 { pending.append(pc + 1) }
            case .assertEnd: if position == count { pending.append(pc + 1) }
            case .scalar, .any, .set: break
            }
        }
        return false
    }
}

/// Why a pattern was refused: the message and the character it is about.
public struct PatternError: Error, Hashable, Sendable {
    /// One sentence naming the problem.
    public var message: String
    /// Offset in the pattern, in characters.
    public var offset: Int

    /// Creates an error.
    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }
}

private enum Instruction: Hashable, Sendable {
    case scalar(Unicode.Scalar)
    case any
    case set(ScalarSet)
    case split(Int, Int)
    case jump(Int)
    case assertStart
    case assertEnd
    case match
}

private struct ScalarSet: Hashable, Sendable {
    var ranges: [ClosedRange<UInt32>]
    var negated: Bool

    func contains(_ scalar: Unicode.Scalar, caseInsensitive: Bool) -> Bool {
        var found = ranges.contains { $0.contains(scalar.value) }
        if !found, caseInsensitive {
            let upper = PatternParser.uppercase(scalar)
            found = ranges.contains { $0.contains(upper.value) }
        }
        return found != negated
    }

    static let digits = ScalarSet(ranges: [48...57], negated: false)
    static let word = ScalarSet(ranges: [48...57, 65...90, 95...95, 97...122], negated: false)
    static let space = ScalarSet(ranges: [9...13, 32...32], negated: false)
}

private struct StateSet {
    var states: [Int] = []
    private var present: [Bool]

    init(capacity: Int) {
        present = Array(repeating: false, count: capacity)
        states.reserveCapacity(capacity)
    }

    mutating func insert(_ state: Int) -> Bool {
        if present[state] { return false }
        present[state] = true
        states.append(state)
        return true
    }

    mutating func clear() {
        for state in states { present[state] = false }
        states.removeAll(keepingCapacity: true)
    }
}

private indirect enum PatternNode {
    case empty
    case scalar(Unicode.Scalar)
    case any
    case set(ScalarSet)
    case start
    case end
    case sequence([PatternNode])
    case alternatives([PatternNode])
    case repetition(PatternNode, minimum: Int, maximum: Int?)
}

private struct PatternParser {
    let scalars: [Unicode.Scalar]
    let offset: Int
    let caseInsensitive: Bool
    var position = 0
    var depth = 0

    init(scalars: [Unicode.Scalar], offset: Int, caseInsensitive: Bool) {
        self.scalars = scalars
        self.offset = offset
        self.caseInsensitive = caseInsensitive
    }

    static func lowercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let mapped = scalar.properties.lowercaseMapping.unicodeScalars
        return mapped.count == 1 ? mapped.first! : scalar
    }

    static func uppercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let mapped = scalar.properties.uppercaseMapping.unicodeScalars
        return mapped.count == 1 ? mapped.first! : scalar
    }

    func error(_ message: String, at index: Int? = nil) -> PatternError {
        PatternError(message: message, offset: offset + (index ?? position))
    }

    var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    mutating func parseAll() throws(PatternError) -> PatternNode {
        let node = try alternatives()
        if let current {
            throw error(current == ")" ? "unmatched ')'" : "unexpected '\(current)'")
        }
        return node
    }

    mutating func alternatives() throws(PatternError) -> PatternNode {
        var branches = [try sequence()]
        while current == "|" {
            position += 1
            branches.append(try sequence())
        }
        return branches.count == 1 ? branches[0] : .alternatives(branches)
    }

    mutating func sequence() throws(PatternError) -> PatternNode {
        var items: [PatternNode] = []
        while let scalar = current, scalar != "|", scalar != ")" {
            let atomStart = position
            var atom = try self.atom()
            atom = try quantified(atom, atomStart: atomStart)
            items.append(atom)
        }
        return items.count == 1 ? items[0] : items.isEmpty ? .empty : .sequence(items)
    }

    mutating func quantified(_ atom: PatternNode, atomStart: Int) throws(PatternError) -> PatternNode {
        guard let scalar = current else { return atom }
        var minimum = 0
        var maximum: Int?
        switch scalar {
        case "*": position += 1
        case "+":
            minimum = 1
            position += 1
        case "?":
            maximum = 1
            position += 1
        case "{":
            guard let (low, high) = try counted() else { return atom }
            minimum = low
            maximum = high
        default:
            return atom
        }
        switch atom {
        case .start, .end, .empty: throw error("nothing to repeat before '\(scalar)'", at: atomStart)
        default: break
        }
        if current == "?" { position += 1 }  // lazy: the same answer for a yes/no match
        if let next = current, next == "*" || next == "+" || next == "{" {
            throw error("a quantifier cannot follow another; group the first in parentheses")
        }
        return .repetition(atom, minimum: minimum, maximum: maximum)
    }

    /// `{n}`, `{n,}`, `{n,m}`; `nil` (and nothing consumed) when `{` does not start one, as in `a{b`.
    mutating func counted() throws(PatternError) -> (Int, Int?)? {
        let start = position
        var index = position + 1
        func number(_ index: inout Int) -> Int? {
            var value: Int?
            while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                value = (value ?? 0) * 10 + Int(scalars[index].value - 48)
                if value! > SafePattern.maximumRepetition * 10 { value = SafePattern.maximumRepetition * 10 }
                index += 1
            }
            return value
        }
        guard let low = number(&index) else { return nil }
        var high: Int? = low
        if index < scalars.count, scalars[index] == "," {
            index += 1
            high = number(&index)
        }
        guard index < scalars.count, scalars[index] == "}" else { return nil }
        position = index + 1
        if let high, high < low { throw error("in {\(low),\(high)} the minimum is larger than the maximum", at: start) }
        if max(low, high ?? low) > SafePattern.maximumRepetition {
            throw error("a repetition may count at most \(SafePattern.maximumRepetition)", at: start)
        }
        return (low, high)
    }

    mutating func atom() throws(PatternError) -> PatternNode {
        let scalar = scalars[position]
        switch scalar {
        case "(":
            let open = position
            position += 1
            if current == "?" {
                if position + 1 < scalars.count, scalars[position + 1] == ":" {
                    position += 2
                } else {
                    let what: String
                    if position + 1 < scalars.count, ["=", "!"].contains(scalars[position + 1]) {
                        what = "look-ahead"
                    } else if position + 2 < scalars.count, scalars[position + 1] == "<",
                        ["=", "!"].contains(scalars[position + 2])
                    {
                        what = "look-behind"
                    } else {
                        what = "this group syntax"
                    }
                    throw error(
                        "\(what) is not supported: it needs backtracking; only (...) and (?:...) groups are",
                        at: open
                    )
                }
            }
            depth += 1
            defer { depth -= 1 }
            guard depth <= 32 else { throw error("groups nest more than 32 deep", at: open) }
            let inner = try alternatives()
            guard current == ")" else { throw error("this group is never closed: add ')'", at: open) }
            position += 1
            return inner
        case ")":
            throw error("unmatched ')'")
        case "[":
            return .set(try characterClass())
        case ".":
            position += 1
            return .any
        case "^":
            position += 1
            return .start
        case "$":
            position += 1
            return .end
        case "\\":
            return try escape(inClass: false)
        case "*", "+", "?":
            throw error("nothing to repeat before '\(scalar)'")
        default:
            position += 1
            return .scalar(caseInsensitive ? PatternParser.lowercase(scalar) : scalar)
        }
    }

    mutating func escape(inClass: Bool) throws(PatternError) -> PatternNode {
        let start = position
        guard position + 1 < scalars.count else { throw error("the pattern ends with a lone '\\'") }
        let escaped = scalars[position + 1]
        position += 2
        switch escaped {
        case "d": return .set(.digits)
        case "w": return .set(.word)
        case "s": return .set(.space)
        case "D", "W", "S":
            if inClass { throw error("\\\(escaped) is not supported inside [...]", at: start) }
            var set: ScalarSet = escaped == "D" ? .digits : escaped == "W" ? .word : .space
            set.negated = true
            return .set(set)
        case "n": return .scalar("\n")
        case "t": return .scalar("\t")
        case "1"..."9":
            throw error("back-references such as \\\(escaped) are not supported: they need backtracking", at: start)
        default:
            if escaped.properties.isAlphabetic || ("0"..."9").contains(escaped) {
                throw error("unknown escape '\\\(escaped)'", at: start)
            }
            return .scalar(escaped)
        }
    }

    mutating func characterClass() throws(PatternError) -> ScalarSet {
        let open = position
        position += 1
        var set = ScalarSet(ranges: [], negated: false)
        if current == "^" {
            set.negated = true
            position += 1
        }
        var first = true
        while let scalar = current, scalar != "]" || first {
            first = false
            var low: Unicode.Scalar
            if scalar == "\\" {
                switch try escape(inClass: true) {
                case .scalar(let value): low = value
                case .set(let inner):
                    set.ranges += inner.ranges
                    continue
                default: continue
                }
            } else {
                low = scalar
                position += 1
            }
            if caseInsensitive { low = PatternParser.lowercase(low) }
            if current == "-", position + 1 < scalars.count, scalars[position + 1] != "]" {
                position += 1
                var high = scalars[position]
                if high == "\\" {
                    guard case .scalar(let value) = try escape(inClass: true) else {
                        throw error("a range cannot end with a class escape", at: position)
                    }
                    high = value
                } else {
                    position += 1
                }
                if caseInsensitive { high = PatternParser.lowercase(high) }
                guard low.value <= high.value else {
                    throw error("the range \(low)-\(high) is backwards", at: position - 1)
                }
                set.ranges.append(low.value...high.value)
            } else {
                set.ranges.append(low.value...low.value)
            }
        }
        guard current == "]" else { throw error("this character class is never closed: add ']'", at: open) }
        position += 1
        return set
    }
}

private struct PatternCompiler {
    var program: [Instruction] = []

    mutating func emit(_ node: PatternNode) throws(PatternError) {
        guard program.count <= SafePattern.maximumProgramSize else {
            throw PatternError(
                message: "the pattern is too large once its repetitions are expanded (the limit is "
                    + "\(SafePattern.maximumProgramSize) steps)",
                offset: 0
            )
        }
        switch node {
        case .empty: break
        case .scalar(let scalar): program.append(.scalar(scalar))
        case .any: program.append(.any)
        case .set(let set): program.append(.set(set))
        case .start: program.append(.assertStart)
        case .end: program.append(.assertEnd)
        case .sequence(let items): for item in items { try emit(item) }
        case .alternatives(let branches):
            var jumpsToEnd: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index < branches.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    try emit(branch)
                    jumpsToEnd.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    try emit(branch)
                }
            }
            for jump in jumpsToEnd { program[jump] = .jump(program.count) }
        case .repetition(let body, let minimum, let maximum):
            for _ in 0..<minimum { try emit(body) }
            if let maximum {
                var splits: [Int] = []
                for _ in minimum..<max(minimum, maximum) {
                    splits.append(program.count)
                    program.append(.split(program.count + 1, -1))
                    try emit(body)
                }
                for split in splits { program[split] = .split(split + 1, program.count) }
            } else {
                let loop = program.count
                program.append(.split(loop + 1, -1))
                try emit(body)
                program.append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
    }
}
