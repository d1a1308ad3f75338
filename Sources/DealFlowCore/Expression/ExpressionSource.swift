/// The text of an expression and where it is written, so that a problem at character 12 of a guard
/// is reported at the right column of the file.
public struct ExpressionSource: Hashable, Sendable {
    /// The expression as written.
    public var text: String
    /// The location of the expression's first character.
    public var location: SourceLocation
    /// Whether character offsets in `text` map one to one onto columns of `location.line` (true for a
    /// one-line plain or quoted scalar with no escapes); when false, problems point at the start.
    public var mapsColumnsExactly: Bool

    /// Creates a source.
    public init(text: String, location: SourceLocation, mapsColumnsExactly: Bool = true) {
        self.text = text
        self.location = location
        self.mapsColumnsExactly = mapsColumnsExactly
    }

    /// The location of the characters `offset ..< offset + length` of the text.
    public func location(ofOffset offset: Int, length: Int) -> SourceLocation {
        guard mapsColumnsExactly else { return location }
        return location.shifted(by: offset, length: length)
    }
}

/// The limits every expression is held to, so that evaluation always terminates quickly and no input
/// can exhaust the stack.
public enum ExpressionLimits {
    /// The longest expression, in characters.
    public static let maximumLength = 4_000
    /// The deepest nesting of the syntax tree (parentheses, operators, calls).
    public static let maximumDepth = 64
}
