import DealFlowCore

/// A node of a YAML document as written: its text untouched by YAML 1.1's type guessing, its style,
/// its tag and its position.
///
/// A stage called `no` stays the string `no`, `012` stays `012`: only ``WorkflowDecoder`` decides what
/// a scalar means, from the key it belongs to.
public struct YAMLNode: Sendable {
    /// A mapping entry.
    public struct Pair: Sendable {
        /// The key, always a scalar.
        public var key: YAMLNode
        /// The value.
        public var value: YAMLNode
    }

    /// How a scalar was written.
    public enum ScalarStyle: Sendable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// What the node holds.
    public enum Content: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    /// The content.
    public var content: Content
    /// Where the node starts; for a one-line scalar, `length` spans it (quotes included).
    public var location: SourceLocation
    /// Whether the node was written on one line.
    public var isSingleLine: Bool
    /// The standard tag written on the node, such as `tag:yaml.org,2002:str`, if any.
    public var tag: String?

    /// The scalar's text, or `nil` for collections.
    public var scalarText: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// Whether the scalar was written quoted, as a block, or tagged `!!str`: a string, never an
    /// expression or a null.
    public var isQuotedScalar: Bool {
        guard case .scalar(_, let style) = content else { return false }
        return style != .plain || tag == "tag:yaml.org,2002:str"
    }

    /// Whether the node is a plain empty scalar, `~` or `null`: a key written with no value.
    public var isNull: Bool {
        guard case .scalar(let text, .plain) = content, tag == nil else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(text)
    }

    /// What kind of node this is, for messages: `a mapping`, `a list`, `a string`.
    public var kindDescription: String {
        switch content {
        case .scalar: isNull ? "empty" : "a single value"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// The source of the scalar as an expression, with columns mapped exactly where possible.
    public var expressionSource: ExpressionSource {
        let text = scalarText ?? ""
        var start = location
        var exact = false
        if case .scalar(_, let style) = content, isSingleLine {
            switch style {
            case .plain:
                exact = location.length == text.unicodeScalars.count
            case .singleQuoted, .doubleQuoted:
                exact = location.length == text.unicodeScalars.count + 2
                if exact { start = location.shifted(by: 1, length: location.length - 2) }
            case .literal, .folded:
                exact = false
            }
        }
        return ExpressionSource(text: text, location: start, mapsColumnsExactly: exact)
    }
}
