import DealFlowCore
import DealFlowYAML
import Foundation
import Testing

/// Every diagnostic code has a fixture in `Tests/Fixtures/diagnostics/<code>.yaml` and the whole
/// rendered output it must produce in `<code>.txt`.
///
/// To record the expected output after an intended change of wording, run the tests with
/// `DEALFLOW_RECORD_FIXTURES=1` and review the diff of the `.txt` files before committing.
@Suite("Diagnostic fixtures")
struct DiagnosticFixtureTests {
    @Test(arguments: DiagnosticCode.allCases)
    func rendersTheWholeMessage(_ code: DiagnosticCode) throws {
        let yaml = "Tests/Fixtures/diagnostics/\(code.rawValue).yaml"
        let expectedPath = "Tests/Fixtures/diagnostics/\(code.rawValue).txt"
        let source = try Repository.read(yaml)
        let (loaded, rendered) = load(source, file: "\(code.rawValue).yaml")
        #expect(loaded.diagnostics.contains { $0.code == code }, "the fixture does not produce [\(code.rawValue)]")
        #expect(loaded.diagnostics.allSatisfy { $0.severity == $0.code.defaultSeverity || $0.code == .unknownRole })
        if ProcessInfo.processInfo.environment["DEALFLOW_RECORD_FIXTURES"] != nil {
            try rendered.write(toFile: Repository.path(expectedPath), atomically: true, encoding: .utf8)
        }
        #expect(rendered == (try Repository.read(expectedPath)))
    }

    @Test func everyFixtureHasACode() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.path("Tests/Fixtures/diagnostics"))
        let codes = Set(DiagnosticCode.allCases.map(\.rawValue))
        for file in files where !file.hasPrefix(".") {
            let name = (file as NSString).deletingPathExtension
            #expect(codes.contains(name), "\(file) names no diagnostic code")
        }
    }
}
