/// A place in a workflow file: 1-based line and column, and how many characters the item spans.
///
/// Every stage, transition, field, guard and action keeps the location it was read from, so that a
/// diagnostic, a blocker or a diagram can point back at the line an ops person wrote.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file as the user named it (for example `workflows/b2b-sales.yaml`).
    public var file: String
    /// The line, counted from 1.
    public var line: Int
    /// The column in characters, counted from 1.
    public var column: Int
    /// How many characters the item spans on its line (at least 1), for the `^~~~` underline.
    public var length: Int

    /// Creates a location; `length` is clamped to at least one character.
    public init(file: String, line: Int, column: Int, length: Int = 1) {
        self.file = file
        self.line = line
        self.column = column
        self.length = max(1, length)
    }

    /// `file:line:column`, the prefix of a rendered diagnostic.
    public var description: String { "\(file):\(line):\(column)" }

    /// The location `offset` characters further along the same line, spanning `length` characters.
    public func shifted(by offset: Int, length: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + offset, length: length)
    }
}

/// A value read from a workflow file, together with where it was written.
public struct Located<Value> {
    /// The value itself.
    public var value: Value
    /// Where the value was written.
    public var location: SourceLocation

    /// Pairs a value with its location.
    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

extension Located: Sendable where Value: Sendable {}
extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}
