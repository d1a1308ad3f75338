import DealFlowCore
import Foundation
import Testing

/// The exact text of stored events and `--json` output: written as bytes, it must still be the JSON a
/// reader expects, byte for byte.
@Suite struct JSONValueTests {
    static let document = JSONValue.object([
        ("id", .int(7)),
        ("note", .string("Said \"maybe\"\\later\r\n\tcall back\u{01}\u{1B}\u{7F}")),
        ("company", .string("Café Ñandú 🚀")),
        ("tags", .array([.string("b2b"), .null, .bool(true), .bool(false)])),
        ("empty", .object([])),
        ("none", .array([])),
        ("nested", .object([("amount", .number("1200.50"))])),
    ])

    @Test func compactTextEscapesOnlyWhatJSONRequires() {
        #expect(
            JSONValueTests.document.rendered(compact: true)
                == #"{"id":7,"note":"Said \"maybe\"\\later\r\n\tcall back\u0001\u001b"# + "\u{7F}"
                + #"","company":"Café Ñandú 🚀","#
                + #""tags":["b2b",null,true,false],"empty":{},"none":[],"nested":{"amount":1200.50}}"#
        )
    }

    @Test func indentedTextHasTwoSpacesPerLevelAndATrailingNewline() {
        #expect(
            JSONValue.object([("a", .array([.int(1), .object([("b", .string("c"))])])), ("d", .object([]))]).rendered()
                == """
                {
                  "a": [
                    1,
                    {
                      "b": "c"
                    }
                  ],
                  "d": {}
                }

                """
        )
    }

    @Test func renderedTextReadsBackTheSame() throws {
        let text = JSONValueTests.document.rendered(compact: true)
        #expect(try JSONValue.parse(text).rendered(compact: true) == text)
        #expect(try JSONValue.parse(JSONValueTests.document.rendered()) == JSONValueTests.document)
    }

    @Test(arguments: [
        ("2026-11-23T14:00:00Z", "2026-11-23T14:00:00Z"),
        ("2026-01-05T09:07:03.045Z", "2026-01-05T09:07:03.045Z"),
        ("0099-02-01T00:00:00Z", "0099-02-01T00:00:00Z"),
        ("2026-11-23T23:59:59.999+02:00", "2026-11-23T21:59:59.999Z"),
    ])
    func instantsRenderInUTCWithPaddedDigits(given: String, rendered: String) throws {
        let instant = try #require(DateTimeFormat.parse(given))
        #expect(DateTimeFormat.iso8601(instant) == rendered)
    }

    @Test func datesPadYearMonthAndDay() throws {
        #expect(try #require(LocalDate(year: 7, month: 3, day: 9)).description == "0007-03-09")
        #expect(try #require(LocalDate(year: 2026, month: 12, day: 31)).description == "2026-12-31")
        // Before year 1, where date arithmetic can lead, as the text always read.
        let first = try #require(LocalDate(year: 1, month: 1, day: 1))
        #expect(LocalDate(daysSinceEpoch: first.daysSinceEpoch - 1).description == "0000-12-31")
        #expect(LocalDate(daysSinceEpoch: first.daysSinceEpoch - 367).description == "00-1-12-31")
    }
}
