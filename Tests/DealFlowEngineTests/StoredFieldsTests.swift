import DealFlowCore
import DealFlowEngine
import Foundation
import Testing

/// Every store keeps a deal's fields as one JSON object of strings, written and read by DealFlow's own
/// JSON (Foundation's coders wrote them before 2026-12; what they wrote must still read).
@Suite struct StoredFieldsTests {
    static func record(_ fields: [String: String]) -> DealRecord {
        let instant = Date(timeIntervalSince1970: 1_764_000_000)
        return DealRecord(
            id: "d1",
            workflowID: "w",
            workflowVersion: 1,
            stage: "open",
            owner: "ana",
            fields: fields,
            version: 1,
            createdAt: instant,
            updatedAt: instant,
            enteredStageAt: instant,
            outcome: nil
        )
    }

    @Test func fieldsWithQuotesControlsAndSlashesComeBackAsWritten() throws {
        let fields = [
            "company": #"ACME "Global" \ Sons"#, "notes": "line one\nline two\ttabbed\u{8}\u{C}\u{1}",
            "url": "https://example.com/a/b", "name": "Zoë 😀", "empty": "",
        ]
        let stored = try Self.record(fields).storedFields
        #expect(try DealRecord.fields(stored: stored) == fields)
        #expect(stored.hasPrefix(#"{"company":"ACME \"Global\" \\ Sons","empty":"","name":"Zoë 😀","notes":"#))
        #expect(try Self.record(fields).storedFields == stored, "the same fields are the same text")
    }

    @Test func textWrittenByFoundationStillReads() throws {
        let fields = ["a/b": "x/y", "amount": "8500.50", "notes": "tab\there \u{8}", "ünï": "çödé"]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let foundation = String(decoding: try encoder.encode(fields), as: UTF8.self)
        #expect(try DealRecord.fields(stored: foundation) == fields)
        #expect(try DealRecord.fields(stored: #"{ "a" : "\/\u00e9\ud83d\ude00" }"#) == ["a": "/é😀"])
    }

    @Test func damagedTextIsAStoreErrorNotACrash() {
        for damaged in [#"{"a":"\ud800\u0041"}"#, #"{"a":1}"#, "[]", #"{"a":"#, ""] {
            #expect(throws: StoreError.self, "\(damaged)") { try DealRecord.fields(stored: damaged) }
        }
    }

    @Test func rosterRolesReadAsFoundationWroteThemAndAsWrittenNow() throws {
        #expect(try RosterUser.storedRoles(["admin", "rep"]) == #"["admin","rep"]"#)
        #expect(try RosterUser.roles(stored: #"["admin","rep"]"#) == ["admin", "rep"])
        #expect(try RosterUser.roles(stored: #"[ "sales\/ops" , "rep" ]"#) == ["sales/ops", "rep"])
        #expect(try RosterUser.roles(stored: "[]") == [])
        for damaged in [#"["admin""#, #"{"role":"admin"}"#, "[1]", ""] {
            #expect(throws: StoreError.self) { try RosterUser.roles(stored: damaged) }
        }
    }
}
