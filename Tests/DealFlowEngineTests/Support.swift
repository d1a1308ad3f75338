import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import DealFlowTestKit
import Foundation
import GRDB

enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func read(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }
}

/// An engine on a fresh in-memory SQLite database, its clock at Monday 2026-11-23 09:00 in Bogotá.
struct Harness {
    let store: SQLiteStore
    let clock: ManualClock
    let engine: Engine
    /// A scheduler on the same store and clock.
    let scheduler: Scheduler

    init(start: String = "2026-11-23T14:00:00Z") throws {
        store = try SQLiteStore()
        clock = ManualClock(start)
        engine = Engine(store: store, clock: clock, identifiers: SequentialIdentifiers())
        scheduler = Scheduler(store: store, clock: clock, identifiers: SequentialIdentifiers(namespace: "s"))
    }

    @discardableResult
    func apply(_ file: String) async throws -> ValidatedWorkflow {
        try await engine.applyWorkflow(source: try Repository.read(file), file: file).workflow
    }

    @discardableResult
    func applyText(_ yaml: String, file: String = "test.yaml") async throws -> ValidatedWorkflow {
        try await engine.applyWorkflow(source: yaml, file: file).workflow
    }

    func rows(_ sql: String, _ arguments: StatementArguments = []) async throws -> [Row] {
        try store.writer.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments) }
    }
}

let ana = Actor(id: "ana", role: "rep")
let maria = Actor(id: "maria", role: "manager")

func set(_ pairs: KeyValuePairs<String, String>) -> [FieldInput] {
    pairs.map { FieldInput(field: $0.key, .text($0.value)) }
}

func instant(_ text: String) -> Date { DateTimeFormat.parse(text)! }
