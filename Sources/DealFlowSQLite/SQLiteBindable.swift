import Foundation
import GRDB
import GRDBSQLite

/// A value the write path binds straight to a compiled statement's parameter.
///
/// GRDB's `StatementArguments` boxes every value into an array of `DatabaseValue`s and validates them
/// against the statement on each execution: a fifth of the scheduler's commit. The write path's
/// statements are fixed and compiled once per connection, so their parameters are bound directly.
protocol SQLiteBindable {
    /// Binds the value to parameter `index` (from 1) of `statement`; SQLite's result code.
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32
}

/// SQLite copies the bytes it is given before the call returns (`SQLITE_TRANSIENT`).
private var copiedBySQLite: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }

extension String: SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        var text = self
        return text.withUTF8 { bytes in
            // An empty buffer may have no address, and a null pointer would bind NULL, not ''.
            guard let start = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite3_bind_text(statement, index, "", 0, copiedBySQLite)
            }
            return start.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(statement, index, $0, Int32(bytes.count), copiedBySQLite)
            }
        }
    }
}

extension Int: SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        sqlite3_bind_int64(statement, index, Int64(self))
    }
}

extension Int64: SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        sqlite3_bind_int64(statement, index, self)
    }
}

/// Stored as 1 and 0, as GRDB stores it.
extension Bool: SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        sqlite3_bind_int64(statement, index, self ? 1 : 0)
    }
}

extension Millis: SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        sqlite3_bind_int64(statement, index, value)
    }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        switch self {
        case .some(let value): value.bind(to: statement, at: index)
        case .none: sqlite3_bind_null(statement, index)
        }
    }
}

extension SQLiteStore {
    /// Runs one of the write path's statements (no result rows), compiled once per connection and
    /// reused, with the tuple `arguments` bound in order to its `?` parameters.
    ///
    /// A failure throws GRDB's `DatabaseError` with SQLite's extended code, as GRDB would, and leaves
    /// the statement reset for its next use; an interrupted statement (GRDB interrupts a cancelled
    /// task's access on its writer queue) throws `CancellationError`, as GRDB does. What GRDB checks
    /// around its own statements is checked here only where the store needs it: the statement must
    /// run inside the store's transaction (SQLite ends one by itself after some failures, and a
    /// statement after that would commit on its own). GRDB's transaction observers do not see these
    /// changes; the store registers none.
    static func execute<each Argument: SQLiteBindable>(
        _ db: Database,
        sql: String,
        arguments: (repeat each Argument)
    ) throws {
        guard let connection = db.sqliteConnection, sqlite3_get_autocommit(connection) == 0 else {
            throw DatabaseError(resultCode: .SQLITE_ABORT, message: "not inside a transaction", sql: sql)
        }
        let raw = try db.cachedStatement(sql: sql).sqliteStatement
        // Resetting returns the previous execution's error, already reported: only binding needs a reset.
        sqlite3_reset(raw)
        var index: Int32 = 0
        for argument in repeat each arguments {
            index += 1
            let code = argument.bind(to: raw, at: index)
            guard code == SQLITE_OK else { throw failure(on: connection, sql: sql) }
        }
        // Unbound parameters would keep the previous execution's values.
        precondition(index == sqlite3_bind_parameter_count(raw), "\(index) arguments for \(sql)")
        var code = sqlite3_step(raw)
        while code == SQLITE_ROW { code = sqlite3_step(raw) }
        guard code == SQLITE_DONE else {
            let error = failure(on: connection, sql: sql)
            sqlite3_reset(raw)
            throw error
        }
    }

    /// The connection's last error as GRDB reports it.
    private static func failure(on connection: SQLiteConnection, sql: String) -> any Error {
        let extended = ResultCode(rawValue: sqlite3_extended_errcode(connection))
        if extended.primaryResultCode == .SQLITE_INTERRUPT { return CancellationError() }
        return DatabaseError(resultCode: extended, message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }
}
