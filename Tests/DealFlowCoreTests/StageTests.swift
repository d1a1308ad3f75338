import DealFlowCore
import Testing

/// A stage shares its parts between copies (the machine copies stages on every decision); a copy
/// still behaves as a value.
@Suite struct StageTests {
    @Test func changingACopyLeavesTheOriginalAsItWas() {
        let original = Stage(
            name: "proposal",
            location: SourceLocation(file: "w.yaml", line: 3, column: 3),
            guidance: "Send the proposal.",
            requires: [Located("amount", at: SourceLocation(file: "w.yaml", line: 4, column: 5))]
        )
        var copy = original
        copy.name = "negotiation"
        copy.guidance = nil
        copy.requires.append(Located("close_date", at: SourceLocation(file: "w.yaml", line: 5, column: 5)))
        #expect(original.name == "proposal")
        #expect(original.guidance == "Send the proposal.")
        #expect(original.requires.map(\.value) == ["amount"])
        #expect(copy.name == "negotiation")
        #expect(copy.guidance == nil)
        #expect(copy.requires.map(\.value) == ["amount", "close_date"])

        var alone = Stage(name: "won", location: SourceLocation(file: "w.yaml", line: 9, column: 3))
        alone.name = "closed-won"  // uniquely referenced: changed in place
        #expect(alone.name == "closed-won")
    }
}
