extension JSONValue {
    /// Why a JSON text could not be read.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// One sentence.
        public var message: String
        /// Offset in characters.
        public var offset: Int
        /// `message at character N`.
        public var description: String { "\(message) at character \(offset + 1)" }
    }

    /// Reads a JSON text, keeping object keys in order and numbers as written, so that `8500.50` stays
    /// the exact decimal 8500.50 (Foundation's reader turns it into a `Double`).
    ///
    /// - Complexity: O(n); nesting is limited to 64 levels.
    public static func parse(_ text: String) throws(ParseError) -> JSONValue {
        var reader = JSONReader(scalars: Array(text.unicodeScalars))
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.position == reader.scalars.count else {
            throw reader.error("unexpected text after the JSON value")
        }
        return value
    }

    /// The member of an object with this key.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The same object with more members after its own; any other value unchanged.
    public func adding(_ members: [(String, JSONValue)]) -> JSONValue {
        guard case .object(let existing) = self else { return self }
        return .object(existing + members)
    }

    /// The text of a string, or the digits of a number.
    public var text: String? {
        switch self {
        case .string(let text), .number(let text): text
        default: nil
        }
    }
}

private struct JSONReader {
    let scalars: [Unicode.Scalar]
    var position = 0

    func error(_ message: String) -> JSONValue.ParseError { JSONValue.ParseError(message: message, offset: position) }

    mutating func skipSpace() {
        while position < scalars.count, [" ", "\t", "\n", "\r"].contains(scalars[position]) { position += 1 }
    }

    mutating func expect(_ word: String) throws(JSONValue.ParseError) {
        for scalar in word.unicodeScalars {
            guard position < scalars.count, scalars[position] == scalar else { throw error("expected '\(word)'") }
            position += 1
        }
    }

    mutating func value(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard depth <= 64 else { throw error("JSON nests deeper than 64 levels") }
        guard position < scalars.count else { throw error("the JSON text ends too early") }
        switch scalars[position] {
        case "{":
            position += 1
            var members: [(String, JSONValue)] = []
            skipSpace()
            if position < scalars.count, scalars[position] == "}" {
                position += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard position < scalars.count, scalars[position] == "\"" else {
                    throw error("expected a key in quotes")
                }
                let key = try string()
                skipSpace()
                try expect(":")
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard position < scalars.count else { throw error("the JSON text ends inside an object") }
                if scalars[position] == "," {
                    position += 1
                    continue
                }
                try expect("}")
                return .object(members)
            }
        case "[":
            position += 1
            var items: [JSONValue] = []
            skipSpace()
            if position < scalars.count, scalars[position] == "]" {
                position += 1
                return .array(items)
            }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard position < scalars.count else { throw error("the JSON text ends inside a list") }
                if scalars[position] == "," {
                    position += 1
                    continue
                }
                try expect("]")
                return .array(items)
            }
        case "\"": return .string(try string())
        case "t":
            try expect("true")
            return .bool(true)
        case "f":
            try expect("false")
            return .bool(false)
        case "n":
            try expect("null")
            return .null
        default:
            return try number()
        }
    }

    mutating func number() throws(JSONValue.ParseError) -> JSONValue {
        let start = position
        if position < scalars.count, scalars[position] == "-" { position += 1 }
        var digits = 0
        while position < scalars.count,
            ("0"..."9").contains(scalars[position]) || [".", "e", "E", "+", "-"].contains(scalars[position])
        {
            if ("0"..."9").contains(scalars[position]) { digits += 1 }
            position += 1
        }
        guard digits > 0 else {
            position = start
            throw error("unexpected character '\(position < scalars.count ? String(scalars[position]) : "")'")
        }
        return .number(String(String.UnicodeScalarView(scalars[start..<position])))
    }

    mutating func string() throws(JSONValue.ParseError) -> String {
        position += 1
        var result = String.UnicodeScalarView()
        while position < scalars.count {
            let scalar = scalars[position]
            position += 1
            switch scalar {
            case "\"": return String(result)
            case "\\":
                guard position < scalars.count else { break }
                let escaped = scalars[position]
                position += 1
                switch escaped {
                case "\"", "\\", "/": result.append(escaped)
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "b": result.append("\u{8}")
                case "f": result.append("\u{C}")
                case "u":
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code), position + 1 < scalars.count, scalars[position] == "\\",
                        scalars[position + 1] == "u"
                    {
                        position += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let decoded = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                    result.append(decoded)
                default: throw error("invalid escape '\\\(escaped)'")
                }
            default:
                result.append(scalar)
            }
        }
        throw error("a string is never closed")
    }

    mutating func hex4() throws(JSONValue.ParseError) -> UInt32 {
        guard position + 4 <= scalars.count,
            let code = UInt32(String(String.UnicodeScalarView(scalars[position..<(position + 4)])), radix: 16)
        else { throw error("invalid \\u escape") }
        position += 4
        return code
    }
}
