import CSV
import DealFlowCore
import Foundation

/// One deal to import: a row of a CSV file or a line of a JSON-lines file.
public struct ImportRow: Sendable {
    /// The row's number in the file (1 is the first row after the header; the line for JSON lines).
    public var number: Int
    /// The workflow's id; the deal is created on its highest version.
    public var workflowID: String
    /// The deal's id (generated when absent).
    public var id: String?
    /// The owner (the actor when absent).
    public var owner: String?
    /// The stages the deal went through, with when it entered each; empty to create it now.
    public var stagePath: [(stage: String, at: PathTime)]

    /// When a deal entered a stage: an instant, or a date meaning 00:00 in the workflow's zone.
    public enum PathTime: Sendable {
        case instant(Date)
        case date(LocalDate)

        /// The instant in a workflow's zone.
        public func instant(in calendar: ZonedCalendar) -> Date {
            switch self {
            case .instant(let instant): instant
            case .date(let date): calendar.startOfDay(date)
            }
        }
    }
    /// Field values.
    public var input: [FieldInput]
}

/// A row that cannot be imported, and why.
public struct ImportProblem: Hashable, Sendable, CustomStringConvertible {
    /// The row's number.
    public var row: Int
    /// The reason, naming the field, stage or workflow.
    public var message: String

    /// `row 12: close_date: '2026-02-30' is not a date: ...`.
    public var description: String { "row \(row): \(message)" }
}

/// Reading import files: CSV with a header row, or JSON lines.
///
/// CSV columns are `workflow`, `id`, `owner`, an optional `stage_path`
/// (`prospecting@2026-01-05T10:00Z;qualification@2026-01-09T15:30Z`, a date alone meaning 00:00 in the
/// workflow's zone), and one column per field, named as the field; an empty cell leaves the field
/// unset. A JSON line has the same keys, with the fields under `fields` and `stage_path` either in the
/// same text form or as `[{"stage", "at"}]`.
public enum DealImportFile {
    /// The format of an import file.
    public enum Format: String, Sendable, CaseIterable {
        case csv, jsonl

        /// The format a file name suggests: `.jsonl` and `.ndjson` are JSON lines, anything else CSV.
        public init(path: String) {
            let lowered = path.lowercased()
            self = lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") ? .jsonl : .csv
        }
    }

    static let reservedColumns: Set<String> = ["workflow", "id", "owner", "stage_path"]

    /// The rows of a file, and the problems of rows that could not even be read.
    public static func read(_ text: String, format: Format) -> (rows: [ImportRow], problems: [ImportProblem]) {
        switch format {
        case .csv: readCSV(text)
        case .jsonl: readJSONLines(text)
        }
    }

    private static func readCSV(_ text: String) -> (rows: [ImportRow], problems: [ImportProblem]) {
        guard let reader = try? CSVReader(string: text, hasHeaderRow: true), let header = reader.headerRow else {
            return (
                [],
                [
                    ImportProblem(
                        row: 0,
                        message: "the file has no header row (workflow,id,owner,stage_path,<fields>...)"
                    )
                ]
            )
        }
        guard header.contains("workflow") else {
            return (
                [],
                [
                    ImportProblem(
                        row: 0,
                        message: "the header has no 'workflow' column; it reads: \(header.joined(separator: ","))"
                    )
                ]
            )
        }
        var rows: [ImportRow] = []
        var problems: [ImportProblem] = []
        var number = 0
        while let cells = reader.next() {
            number += 1
            if cells.allSatisfy(\.isEmpty) { continue }
            guard cells.count == header.count else {
                problems.append(
                    ImportProblem(
                        row: number,
                        message: "it has \(cells.count) cells, but the header has \(header.count)"
                    )
                )
                continue
            }
            var values: [String: String] = [:]
            for (column, cell) in zip(header, cells) { values[column] = cell }
            let input = zip(header, cells).compactMap { column, cell -> FieldInput? in
                reservedColumns.contains(column) || cell.isEmpty ? nil : FieldInput(field: column, .text(cell))
            }
            switch stagePath(values["stage_path"] ?? "") {
            case .failure(let problem): problems.append(ImportProblem(row: number, message: problem.message))
            case .success(let path):
                rows.append(
                    ImportRow(
                        number: number,
                        workflowID: values["workflow"] ?? "",
                        id: nonEmpty(values["id"]),
                        owner: nonEmpty(values["owner"]),
                        stagePath: path,
                        input: input
                    )
                )
            }
        }
        if let error = reader.error {
            problems.append(ImportProblem(row: number + 1, message: "the CSV cannot be read: \(error)"))
        }
        return (rows, problems)
    }

    private static func readJSONLines(_ text: String) -> (rows: [ImportRow], problems: [ImportProblem]) {
        var rows: [ImportRow] = []
        var problems: [ImportProblem] = []
        for (offset, line) in DiagnosticRenderer.lines(of: text).enumerated() {
            let number = offset + 1
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let json: JSONValue
            do {
                json = try JSONValue.parse(String(line))
            } catch {
                problems.append(ImportProblem(row: number, message: "not JSON: \(error)"))
                continue
            }
            guard case .object = json, let workflow = json["workflow"]?.text else {
                problems.append(ImportProblem(row: number, message: "a line must be a JSON object with a \"workflow\""))
                continue
            }
            var input: [FieldInput] = []
            var problem: String?
            switch json["fields"] {
            case .object(let fields)?:
                for (name, value) in fields {
                    switch value {
                    case .null: continue
                    case .bool(let flag): input.append(FieldInput(field: name, .value(.bool(flag))))
                    case .string(let text), .number(let text): input.append(FieldInput(field: name, .text(text)))
                    case .array, .object:
                        problem = problem ?? "\(name): a field value must be a string, number or boolean"
                    }
                }
            case nil, .null?: break
            default: problem = "\"fields\" must be an object of field names and values"
            }
            if let problem {
                problems.append(ImportProblem(row: number, message: problem))
                continue
            }
            let path: Result<[(stage: String, at: ImportRow.PathTime)], PathProblem>
            switch json["stage_path"] {
            case .array(let steps)?:
                var parsed: [(stage: String, at: ImportRow.PathTime)] = []
                var failure: String?
                for step in steps {
                    guard let stage = step["stage"]?.text, let at = step["at"]?.text.flatMap(instant) else {
                        failure = "each stage_path step needs \"stage\" and an ISO 8601 \"at\""
                        break
                    }
                    parsed.append((stage, at))
                }
                path = failure.map { .failure(PathProblem(message: $0)) } ?? .success(parsed)
            case .string(let text)?: path = stagePath(text)
            case nil, .null?: path = .success([])
            default:
                path = .failure(
                    PathProblem(message: "stage_path must be text (stage@time;...) or a list of {\"stage\", \"at\"}")
                )
            }
            switch path {
            case .failure(let problem): problems.append(ImportProblem(row: number, message: problem.message))
            case .success(let steps):
                rows.append(
                    ImportRow(
                        number: number,
                        workflowID: workflow,
                        id: json["id"]?.text,
                        owner: json["owner"]?.text,
                        stagePath: steps,
                        input: input
                    )
                )
            }
        }
        return (rows, problems)
    }

    /// `stage@instant;stage@instant`.
    static func stagePath(_ text: String) -> Result<[(stage: String, at: ImportRow.PathTime)], PathProblem> {
        guard !text.isEmpty else { return .success([]) }
        var steps: [(stage: String, at: ImportRow.PathTime)] = []
        // Split on the bytes of `;` and `@` (ASCII, so never inside a character's encoding): splitting
        // the String compares whole characters, which cost more than the rest of reading a row. (A `;`
        // followed by a combining mark, one character to Swift, is split here; no stage name starts so.)
        for partBytes in text.utf8.split(separator: UInt8(ascii: ";")) {
            let part = Substring(partBytes)
            let pieces = partBytes.split(separator: UInt8(ascii: "@"), maxSplits: 1).map {
                trimmingSpaces(Substring($0))
            }
            guard pieces.count == 2, !pieces[0].isEmpty, let at = instant(pieces[1]) else {
                return .failure(
                    PathProblem(
                        message:
                            "stage_path: '\(part)' is not stage@time; write for example prospecting@2026-01-05T10:00Z;qualification@2026-01-09T15:30Z"
                    )
                )
            }
            steps.append((pieces[0], at))
        }
        return .success(steps)
    }

    /// The text without the spaces around it (in Swift: Foundation's trimming goes through NSString,
    /// which cost more than the rest of reading a row).
    private static func trimmingSpaces(_ text: Substring) -> String {
        let bytes = text.utf8
        if bytes.allSatisfy({ $0 < 0x80 }) {
            // ASCII: the only spaces that are not line breaks are the space and the tab.
            let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            guard let first = bytes.firstIndex(where: { !isSpace($0) }),
                let last = bytes.lastIndex(where: { !isSpace($0) })
            else { return "" }
            return String(Substring(bytes[first...last]))
        }
        let isSpace: (Character) -> Bool = { $0.isWhitespace && !$0.isNewline }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(text[first...last])
    }

    /// An instant with a zone, or a date alone.
    static func instant(_ text: String) -> ImportRow.PathTime? {
        if let instant = DateTimeFormat.parse(text) { return .instant(instant) }
        return LocalDate(iso: text).map { .date($0) }
    }

    struct PathProblem: Error {
        var message: String
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
