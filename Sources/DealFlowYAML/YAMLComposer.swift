import CLibYAML
import DealFlowCore

/// Reads YAML text into ``YAMLNode``s with libyaml's event parser, enforcing the workflow files'
/// policy: no surprises and no denial of service.
///
/// - Anchors and aliases are refused at the first one (so a "billion laughs" file fails at once).
/// - Tags other than YAML's standard ones (`!!python/object:...`, `!custom`) are refused.
/// - A duplicate key is an error at its second occurrence, with a note at the first; every duplicate
///   in the file is reported.
/// - Files over ``maximumFileSize`` bytes and nesting deeper than ``maximumDepth`` are refused.
/// - A file holds one document.
///
/// A syntax error, an anchor, a refused tag or a limit stops the file there: nothing after it can be
/// trusted, and an attack should cost nothing more to refuse.
public enum YAMLComposer {
    /// The largest workflow file accepted, in bytes.
    public static let maximumFileSize = 1 << 20
    /// The deepest nesting of mappings and lists accepted.
    public static let maximumDepth = 64

    private static let standardTags: Set<String> = Set(
        ["str", "int", "float", "bool", "null", "map", "seq", "timestamp"].map { "tag:yaml.org,2002:" + $0 }
    )

    /// The composed document (`nil` when the file is empty or a fatal problem stopped it) and every
    /// problem found.
    public static func compose(_ text: String, file: String) -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumFileSize else {
            let diagnostic = Diagnostic(
                .yamlLimit,
                "the file is \(bytes.count) bytes; workflow files may be at most \(maximumFileSize) bytes",
                at: SourceLocation(file: file, line: 1, column: 1)
            )
            return (nil, [diagnostic])
        }
        var composer = Composer(file: file, lines: DiagnosticRenderer.lines(of: text))
        bytes.withUnsafeBufferPointer { buffer in composer.run(buffer) }
        return (composer.root, composer.diagnostics)
    }
}

private struct Composer {
    /// A mapping or list being composed. A class, so that adding an entry appends in place rather than
    /// copying the entries so far (which made a mapping of n keys cost n² copies).
    final class Frame {
        let start: SourceLocation
        let tag: String?
        let isMapping: Bool
        var items: [YAMLNode] = []
        var pairs: [YAMLNode.Pair] = []
        var pendingKey: YAMLNode?
        var seen: [String: SourceLocation] = [:]

        init(start: SourceLocation, tag: String?, isMapping: Bool) {
            self.start = start
            self.tag = tag
            self.isMapping = isMapping
        }

        var node: YAMLNode {
            YAMLNode(
                content: isMapping ? .mapping(pairs) : .sequence(items),
                location: start,
                isSingleLine: false,
                tag: tag
            )
        }
    }

    let file: String
    let lines: [Substring]
    var stack: [Frame] = []
    var root: YAMLNode?
    var diagnostics: [Diagnostic] = []
    var documents = 0
    var stopped = false

    init(file: String, lines: [Substring]) {
        self.file = file
        self.lines = lines
    }

    func location(_ mark: yaml_mark_t, length: Int = 1) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1, length: length)
    }

    mutating func fail(
        _ code: DiagnosticCode,
        _ message: String,
        at location: SourceLocation,
        notes: [Diagnostic.Note] = []
    ) {
        diagnostics.append(Diagnostic(code, message, at: location, notes: notes))
        stopped = true
    }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) != 0 else {
            fail(
                .yamlSyntax,
                "the YAML parser could not start (out of memory)",
                at: SourceLocation(file: file, line: 1, column: 1)
            )
            return
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
        while !stopped {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) != 0 else {
                reportParserError(parser)
                return
            }
            defer { yaml_event_delete(&event) }
            if event.type == YAML_STREAM_END_EVENT { return }
            handle(event)
        }
    }

    mutating func reportParserError(_ parser: yaml_parser_t) {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = parser.context.map { String(cString: $0) }
        let mark = parser.problem_mark
        var message = problem
        if let context { message += " " + context }
        var notes: [Diagnostic.Note] = []
        let line = Int(mark.line) < lines.count ? Array(lines[Int(mark.line)].unicodeScalars) : []
        let column = Int(mark.column)
        if context == "while scanning an alias" {
            notes.append(Diagnostic.Note("'*' starts an alias in YAML; to mean every stage, quote it: from: \"*\""))
        } else if context == "while scanning an anchor" {
            notes.append(
                Diagnostic.Note("'&' starts an anchor in YAML; quote an expression that uses '&&', or write 'and'")
            )
        } else if column < line.count, line[column] == "\t" {
            notes.append(Diagnostic.Note("YAML is indented with spaces, not tabs"))
        } else if problem.contains("mapping values are not allowed") {
            notes.append(Diagnostic.Note("a value that contains ': ' must be quoted"))
        }
        fail(.yamlSyntax, message, at: location(mark), notes: notes)
    }

    mutating func checkAnchorAndTag(
        anchor: UnsafeMutablePointer<yaml_char_t>?,
        tag: UnsafeMutablePointer<yaml_char_t>?,
        mark: yaml_mark_t
    ) -> String? {
        if let anchor {
            let name = String(cString: anchor)
            fail(
                .yamlAnchor,
                "anchors and aliases are not allowed in workflow files (found the anchor '&\(name)'); write each value out",
                at: location(mark, length: name.count + 1)
            )
            return nil
        }
        guard let tag else { return nil }
        let name = String(cString: tag)
        if YAMLComposer.standardTagsContains(name) { return name }
        let shown = name.hasPrefix("tag:yaml.org,2002:") ? "!!" + name.dropFirst("tag:yaml.org,2002:".count) : name
        var notes: [Diagnostic.Note] = []
        if name.hasPrefix("!"), !name.hasPrefix("!!") {
            notes.append(
                Diagnostic.Note(
                    "'!' starts a tag in YAML; if this is an expression, quote it (\"\(shown)\") or write 'not'"
                )
            )
        }
        fail(
            .yamlTag,
            "the tag '\(shown)' is not allowed; workflow files use plain YAML values",
            at: location(mark),
            notes: notes
        )
        return nil
    }

    mutating func handle(_ event: yaml_event_t) {
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                fail(
                    .yamlSyntax,
                    "a workflow file holds one YAML document, but a second one starts here",
                    at: location(event.start_mark)
                )
            }
        case YAML_ALIAS_EVENT:
            let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
            fail(
                .yamlAnchor,
                "anchors and aliases are not allowed in workflow files (found the alias '*\(name)'); write each value out",
                at: location(event.start_mark, length: name.count + 1)
            )
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let tag = checkAnchorAndTag(anchor: data.anchor, tag: data.tag, mark: event.start_mark)
            guard !stopped else { return }
            let text =
                data.value.map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: Int(data.length)), as: UTF8.self)
                } ?? ""
            let style: YAMLNode.ScalarStyle =
                switch data.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: .literal
                case YAML_FOLDED_SCALAR_STYLE: .folded
                default: .plain
                }
            let singleLine = event.start_mark.line == event.end_mark.line
            let length = singleLine ? Int(event.end_mark.column) - Int(event.start_mark.column) : 1
            attach(
                YAMLNode(
                    content: .scalar(text, style),
                    location: location(event.start_mark, length: length),
                    isSingleLine: singleLine,
                    tag: tag
                )
            )
        case YAML_SEQUENCE_START_EVENT:
            let tag = checkAnchorAndTag(
                anchor: event.data.sequence_start.anchor,
                tag: event.data.sequence_start.tag,
                mark: event.start_mark
            )
            push(Frame(start: location(event.start_mark), tag: tag, isMapping: false), mark: event.start_mark)
        case YAML_MAPPING_START_EVENT:
            let tag = checkAnchorAndTag(
                anchor: event.data.mapping_start.anchor,
                tag: event.data.mapping_start.tag,
                mark: event.start_mark
            )
            push(Frame(start: location(event.start_mark), tag: tag, isMapping: true), mark: event.start_mark)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            attach(frame.node)
        default:
            break
        }
    }

    mutating func push(_ frame: Frame, mark: yaml_mark_t) {
        guard !stopped else { return }
        guard stack.count < YAMLComposer.maximumDepth else {
            fail(
                .yamlLimit,
                "the file nests deeper than \(YAMLComposer.maximumDepth) levels; workflow files are never that deep",
                at: location(mark)
            )
            return
        }
        stack.append(frame)
    }

    mutating func attach(_ node: YAMLNode) {
        guard let top = stack.last else {
            root = node
            return
        }
        guard top.isMapping else {
            top.items.append(node)
            return
        }
        guard let key = top.pendingKey else {
            if node.scalarText == nil {
                fail(.yamlSyntax, "a key must be a plain name, not \(node.kindDescription)", at: node.location)
            }
            top.pendingKey = node
            return
        }
        top.pendingKey = nil
        guard let keyText = key.scalarText else { return }
        if let first = top.seen[keyText] {
            diagnostics.append(
                Diagnostic(
                    .duplicateKey,
                    "duplicate key '\(keyText)'; the first one counts and this one is ignored",
                    at: key.location,
                    notes: [Diagnostic.Note("'\(keyText)' is first defined at line \(first.line)", at: first)]
                )
            )
        } else {
            top.seen[keyText] = key.location
            top.pairs.append(YAMLNode.Pair(key: key, value: node))
        }
    }
}

extension YAMLComposer {
    fileprivate static func standardTagsContains(_ tag: String) -> Bool { standardTags.contains(tag) }
}
