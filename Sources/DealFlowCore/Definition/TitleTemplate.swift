/// A task title with `{{field}}` placeholders, read and checked when the workflow is validated.
///
/// Titles are Mustache templates (rendered by swift-mustache, with HTML escaping off since titles are
/// plain text), limited to what a title needs: variables `{{name}}` (also `{{{name}}}` and
/// `{{& name}}`), sections `{{#name}}...{{/name}}` and inverted sections `{{^name}}...{{/name}}` that
/// show text only when a field is set or not, and comments `{{! ... }}`. Partials, delimiter changes,
/// blocks and pragmas are refused, so a title can never read a file or another template.
public struct TitleTemplate: Hashable, Sendable {
    /// A name a title reads, and where in the title it is.
    public struct Placeholder: Hashable, Sendable {
        /// The field (or deal fact) named.
        public var name: String
        /// Offset of the name in the title, in characters.
        public var offset: Int
    }

    /// The title as written.
    public let text: String
    /// Every name the title reads, in order.
    public let placeholders: [Placeholder]

    /// Names a title may use besides the workflow's fields.
    public static let builtinNames = ["deal", "owner", "stage", "workflow"]

    /// Reads a title, or returns the first problem and its offset.
    public static func parse(_ text: String) -> Result<TitleTemplate, TemplateError> {
        let scalars = Array(text.unicodeScalars)
        var placeholders: [Placeholder] = []
        var openSections: [(name: String, offset: Int)] = []
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "{", index + 1 < scalars.count, scalars[index + 1] == "{" else {
                index += 1
                continue
            }
            let tagStart = index
            let triple = index + 2 < scalars.count && scalars[index + 2] == "{"
            let closing: [Unicode.Scalar] = triple ? ["}", "}", "}"] : ["}", "}"]
            var contentStart = index + (triple ? 3 : 2)
            guard let contentEnd = find(closing, in: scalars, from: contentStart) else {
                return .failure(
                    TemplateError(
                        message: "'{{' is never closed with '\(String(String.UnicodeScalarView(closing)))'",
                        offset: tagStart,
                        length: 2
                    )
                )
            }
            index = contentEnd + closing.count
            var sigil: Unicode.Scalar?
            while contentStart < contentEnd, scalars[contentStart] == " " { contentStart += 1 }
            if !triple, contentStart < contentEnd, "#^/!&>=$<%".unicodeScalars.contains(scalars[contentStart]) {
                sigil = scalars[contentStart]
                contentStart += 1
            }
            if sigil == "!" { continue }
            if let sigil, ">=$<%".unicodeScalars.contains(sigil) {
                let what: String =
                    switch sigil {
                    case ">": "partials ({{>...}})"
                    case "=": "delimiter changes ({{=...=}})"
                    case "%": "pragmas ({{%...}})"
                    default: "blocks and parents ({{$...}}, {{<...}})"
                    }
                return .failure(
                    TemplateError(
                        message: "\(what) are not allowed in task titles",
                        offset: tagStart,
                        length: index - tagStart
                    )
                )
            }
            while contentStart < contentEnd, scalars[contentStart] == " " { contentStart += 1 }
            var nameEnd = contentEnd
            while nameEnd > contentStart, scalars[nameEnd - 1] == " " { nameEnd -= 1 }
            let name = String(String.UnicodeScalarView(scalars[contentStart..<nameEnd]))
            guard !name.isEmpty, name.unicodeScalars.allSatisfy(Lexer.isIdentifierPart) else {
                let shown = name.isEmpty ? "an empty placeholder" : "'\(name)' is not a field name"
                return .failure(
                    TemplateError(
                        message: "\(shown): placeholders are written {{field}}",
                        offset: tagStart,
                        length: index - tagStart
                    )
                )
            }
            switch sigil {
            case "#", "^":
                openSections.append((name, tagStart))
                placeholders.append(Placeholder(name: name, offset: contentStart))
            case "/":
                guard let open = openSections.popLast() else {
                    return .failure(
                        TemplateError(
                            message: "'{{/\(name)}}' closes a section that was never opened",
                            offset: tagStart,
                            length: index - tagStart
                        )
                    )
                }
                guard open.name == name else {
                    return .failure(
                        TemplateError(
                            message: "'{{/\(name)}}' closes the section '\(open.name)'; write '{{/\(open.name)}}'",
                            offset: tagStart,
                            length: index - tagStart
                        )
                    )
                }
            default:
                placeholders.append(Placeholder(name: name, offset: contentStart))
            }
        }
        if let open = openSections.last {
            return .failure(
                TemplateError(
                    message: "the section '\(open.name)' is never closed: add '{{/\(open.name)}}'",
                    offset: open.offset,
                    length: 2
                )
            )
        }
        return .success(TitleTemplate(text: text, placeholders: placeholders))
    }

    private init(text: String, placeholders: [Placeholder]) {
        self.text = text
        self.placeholders = placeholders
    }

    private static func find(_ needle: [Unicode.Scalar], in scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start
        while index + needle.count <= scalars.count {
            if Array(scalars[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }
}

/// Why a title template was refused.
public struct TemplateError: Error, Hashable, Sendable {
    /// One sentence.
    public var message: String
    /// Offset in the title, in characters.
    public var offset: Int
    /// How many characters the problem spans.
    public var length: Int
}
