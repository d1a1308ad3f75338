import Foundation

/// Runs the built `dealflow` binary, as a user would, from the repository's root.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Where SwiftPM put the binary: next to the test bundle.
    static let binary: URL = {
        var directory = Bundle.main.bundleURL
        if directory.pathExtension == "xctest" { directory = directory.deletingLastPathComponent() }
        let candidate = directory.appendingPathComponent("dealflow")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        return root.appendingPathComponent(".build/debug/dealflow")
    }()

    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ arguments: String..., input: String? = nil, environment: [String: String] = [:]) throws -> Result
    {
        try run(arguments, input: input, environment: environment)
    }

    /// The environment every run starts from: none of the caller's DEALFLOW_* settings leak in.
    static var baseEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DEALFLOW_") }
        environment["COLUMNS"] = "80"
        return environment
    }

    static func run(
        _ arguments: [String],
        input: String? = nil,
        environment extra: [String: String] = [:],
        in directory: URL = root
    ) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = baseEnvironment.merging(extra) { $1 }
        // Files rather than pipes: a large output cannot fill a pipe and block the child.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dealflow-run-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("stdout")
        let errorURL = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            output: try String(contentsOf: outputURL, encoding: .utf8),
            errors: try String(contentsOf: errorURL, encoding: .utf8)
        )
    }

    /// A temporary file with this content, removed at the end of the test process.
    static func temporaryFile(_ content: String, name: String = "workflow.yaml") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dealflow-cli-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(name)
        try content.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}

/// A temporary directory with a database path, removed when the scope ends.
final class Sandbox {
    let directory: URL
    /// A SQLite file in the directory, or the PostgreSQL database given.
    let database: String

    init(database given: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = given ?? directory.appendingPathComponent("test.sqlite").path
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Runs `dealflow` on this sandbox's database at a fixed time, as ana the rep unless told otherwise.
    func run(
        _ arguments: String...,
        now: String = "2026-11-23T14:00:00Z",
        environment: [String: String] = [:]
    ) throws -> CLI.Result {
        try run(arguments, now: now, environment: environment)
    }

    func run(
        _ arguments: [String],
        now: String = "2026-11-23T14:00:00Z",
        environment: [String: String] = [:]
    ) throws -> CLI.Result {
        try CLI.run(
            arguments,
            environment: [
                "DEALFLOW_DB": database, "DEALFLOW_NOW": now, "DEALFLOW_ACTOR": "ana", "DEALFLOW_ROLE": "rep",
            ]
            .merging(environment) { $1 }
        )
    }

    func write(_ name: String, _ content: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
