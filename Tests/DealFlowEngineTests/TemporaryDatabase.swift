import Foundation

/// Calls `body` with the path of a database file in a directory of its own under the temporary
/// directory, and removes the directory (the file, its WAL and shared memory) once `body` returns.
func withTemporaryDatabase<T>(_ body: (_ path: String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealflow-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory.appendingPathComponent("d.sqlite").path)
}
