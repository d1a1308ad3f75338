import DealFlowCore
import DealFlowYAML
import Foundation
import Testing

@Suite("YAML policy: no surprises")
struct YAMLPolicyTests {
    /// Stage, transition, field and enum names that YAML 1.1 would turn into booleans, null or octal.
    @Test func norwayNamesStayStrings() throws {
        let (loaded, rendered) = load(
            """
            workflow: norway
            fields:
              country: { type: enum, values: [NO, SE, yes, off, 012, "null"], default: NO }
              on: { type: bool }
            stages:
              yes:
                initial: true
                probability: 10
              no: { outcome: lost }
              on: { outcome: won }
              off:
                probability: 20
              012:
                probability: 30
            transitions:
              y:
                from: [yes, off]
                to: "012"
              n:
                from: yes
                to: no
              null:
                from: [012, off]
                to: on
              off:
                from: yes
                to: off
            """
        )
        #expect(rendered == "")
        let workflow = try #require(loaded.validated).definition
        #expect(workflow.stages.map(\.name) == ["yes", "no", "on", "off", "012"])
        #expect(workflow.transitions.map(\.name) == ["y", "n", "null", "off"])
        #expect(workflow.fields[0].type == .enumeration(["NO", "SE", "yes", "off", "012", "null"]))
        #expect(workflow.fields[0].defaultValue?.value == .string("NO"))
        #expect(workflow.fields[1].name == "on")
        #expect(workflow.transitions[0].to.value == "012")
    }

    @Test func reportsEveryDuplicateKeyAtItsSecondOccurrence() {
        let (loaded, rendered) = load(
            """
            workflow: dup
            title: One
            title: Two
            stages:
              open: { initial: true, probability: 10, probability: 20 }
              won: { outcome: won }
            transitions:
              win: { from: open, to: won }
            """
        )
        #expect(loaded.diagnostics.map(\.code) == [.duplicateKey, .duplicateKey])
        #expect(
            rendered == """
                test.yaml:3:1: error: duplicate key 'title'; the first one counts and this one is ignored [duplicate-key]
                title: Two
                ^~~~~
                test.yaml:2:1: note: 'title' is first defined at line 2
                title: One
                ^~~~~
                test.yaml:5:43: error: duplicate key 'probability'; the first one counts and this one is ignored [duplicate-key]
                  open: { initial: true, probability: 10, probability: 20 }
                                                          ^~~~~~~~~~~
                test.yaml:5:26: note: 'probability' is first defined at line 5
                  open: { initial: true, probability: 10, probability: 20 }
                                         ^~~~~~~~~~~

                """
        )
        #expect(loaded.definition?.title == "One")
    }

    @Test func refusesAnAliasBombAtTheFirstAnchor() {
        var text = "workflow: bomb\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for level in 1..<10 {
            let previous = Character(UnicodeScalar(UInt8(96 + level)))
            let name = Character(UnicodeScalar(UInt8(97 + level)))
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
        }
        let start = Date()
        let (loaded, rendered) = load(text)
        #expect(Date().timeIntervalSince(start) < 1)
        #expect(
            rendered == """
                test.yaml:2:4: error: anchors and aliases are not allowed in workflow files (found the anchor '&a'); write each value out [yaml-anchor]
                a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
                   ^~

                """
        )
        #expect(loaded.definition == nil)
    }

    @Test func refusesAnAliasEvenWithoutAnAnchor() {
        let (loaded, _) = load("workflow: x\nstages: *missing\n")
        #expect(loaded.diagnostics.map(\.code) == [.yamlSyntax] || loaded.diagnostics.map(\.code) == [.yamlAnchor])
    }

    @Test func refusesDeepNestingWithoutExhaustingTheStack() {
        let depth = 100_000
        let (loaded, rendered) = load(
            "workflow: x\ntitle: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        )
        #expect(loaded.diagnostics.map(\.code) == [.yamlLimit])
        #expect(
            rendered.hasPrefix(
                "test.yaml:2:71: error: the file nests deeper than 64 levels; workflow files are never that deep [yaml-limit]\n"
            )
        )
    }

    @Test func refusesHugeFiles() {
        let (loaded, rendered) = load("workflow: x\ntitle: " + String(repeating: "x", count: 1 << 20) + "\n")
        #expect(loaded.diagnostics.map(\.code) == [.yamlLimit])
        #expect(
            rendered.hasPrefix(
                "test.yaml:1:1: error: the file is 1048596 bytes; workflow files may be at most 1048576 bytes [yaml-limit]"
            )
        )
    }

    @Test func refusesCustomTagsAndNamesThem() {
        let (python, pythonRendered) = load("workflow: tags\ntitle: !!python/object/apply:os.system [\"rm -rf /\"]\n")
        #expect(python.diagnostics.map(\.code) == [.yamlTag])
        #expect(
            pythonRendered == """
                test.yaml:2:8: error: the tag '!!python/object/apply:os.system' is not allowed; workflow files use plain YAML values [yaml-tag]
                title: !!python/object/apply:os.system ["rm -rf /"]
                       ^

                """
        )
        let (_, guardRendered) = load(
            """
            workflow: tags
            transitions:
              win:
                from: open
                to: won
                guard: !decision_maker
            """
        )
        #expect(
            guardRendered == """
                test.yaml:6:12: error: the tag '!decision_maker' is not allowed; workflow files use plain YAML values [yaml-tag]
                    guard: !decision_maker
                           ^
                    note: '!' starts a tag in YAML; if this is an expression, quote it ("!decision_maker") or write 'not'

                """
        )
        let (standard, _) = load(
            "workflow: tags\nstages:\n  open: { initial: true, probability: !!int 10 }\n  won: { outcome: won }\n"
                + "transitions:\n  win: { from: open, to: won }\n"
        )
        #expect(standard.diagnostics.isEmpty)
    }

    @Test func holdsOneDocumentPerFile() {
        let (loaded, rendered) = load("workflow: a\n---\nworkflow: b\n")
        #expect(loaded.diagnostics.map(\.code) == [.yamlSyntax])
        #expect(
            rendered.hasPrefix(
                "test.yaml:2:1: error: a workflow file holds one YAML document, but a second one starts here [yaml-syntax]"
            )
        )
    }

    @Test func explainsCommonSyntaxMistakes() {
        let (_, star) = load("workflow: x\ntransitions:\n  cancel:\n    from: *\n    to: closed\n")
        #expect(star.contains("note: '*' starts an alias in YAML; to mean every stage, quote it: from: \"*\""))
        let (_, tab) = load("workflow: x\nstages:\n\topen: {}\n")
        #expect(tab.contains("note: YAML is indented with spaces, not tabs"))
    }

    @Test func readsHolidaysAsCalendarDates() throws {
        let (loaded, rendered) = load(
            """
            workflow: holidays
            timezone: Pacific/Kiritimati
            calendar:
              holidays: [2026-12-25, "2027-01-01"]
            stages:
              open: { initial: true, probability: 10 }
              won: { outcome: won }
            transitions:
              win: { from: open, to: won }
            """
        )
        #expect(rendered == "")
        let workflow = try #require(loaded.validated).definition
        #expect(workflow.calendar.holidays == [LocalDate(iso: "2026-12-25")!, LocalDate(iso: "2027-01-01")!])
    }

    @Test func refusesLenientScalarsWithAHint() {
        let (_, rendered) = load(
            """
            workflow: strict
            version: 012
            timezone: EST
            fields:
              amount: { type: decimal, default: 12abc }
              note: { type: string, default: null }
            stages:
              open: { initial: true, probability: 10% }
              won: { outcome: won }
            transitions:
              win: { from: open, to: won }
            """
        )
        #expect(
            rendered == """
                test.yaml:2:10: error: version is written '012' with a leading zero (YAML 1.1 would read it as octal); write 12 [invalid-value]
                version: 012
                         ^~~
                test.yaml:3:11: error: 'EST' is not an IANA time zone name; write a name such as America/New_York or Europe/Madrid; abbreviations such as EST are ambiguous and ignore DST [invalid-timezone]
                timezone: EST
                          ^~~
                test.yaml:5:37: error: the default of 'amount' must be a number such as 10 or 12.5, not '12abc' [invalid-value]
                  amount: { type: decimal, default: 12abc }
                                                    ^~~~~
                test.yaml:6:34: error: the default of 'note' is written 'null', which reads as no value; leave 'default' out, or quote it ("null") to mean the text [invalid-value]
                  note: { type: string, default: null }
                                                 ^~~~
                test.yaml:8:39: error: probability must be a number such as 10 or 12.5, not '10%'; write the number without '%' [invalid-value]
                  open: { initial: true, probability: 10% }
                                                      ^~~

                """
        )
    }

    /// A zone is an IANA name the time zone database knows exactly so, aliases such as `US/Eastern`
    /// and `Etc/UTC` included; abbreviations and fixed offsets, which follow no place's clock changes,
    /// are refused.
    @Test(arguments: [
        ("America/New_York", true), ("UTC", true), ("America/Argentina/Buenos_Aires", true), ("US/Eastern", true),
        ("Etc/UTC", true), ("Asia/Kolkata", true), ("EST", false), ("GMT+1", false), ("Etc/GMT+5", false),
        ("SystemV/EST5", false), ("America/New_Yrok", false), ("america/new_york", false), ("Foo/Bar", false),
        ("America/New_York/", false),
    ])
    func timeZonesAreIANANames(zone: String, accepted: Bool) {
        let (loaded, rendered) = load(
            """
            workflow: zoned
            timezone: \(zone)
            stages:
              open: { initial: true }
            """
        )
        let identifier = loaded.validated?.definition.timeZone.value.identifier
        // `UTC` is Foundation's `GMT`; every other zone keeps the name it was given.
        #expect(accepted ? identifier == (zone == "UTC" ? "GMT" : zone) : identifier == nil, "\(rendered)")
        #expect(rendered.contains("[invalid-timezone]") == !accepted, "\(rendered)")
    }

    @Test func aFixedOffsetIsNamedAsOne() {
        let (_, rendered) = load(
            """
            workflow: zoned
            timezone: Etc/GMT+5
            stages:
              open: { initial: true }
              won: { outcome: won }
            transitions:
              win: { from: open, to: won }
            """
        )
        #expect(
            rendered == """
                test.yaml:2:11: error: 'Etc/GMT+5' is a fixed offset (UTC-05:00) that follows no place's clock changes; write the zone of a place, such as America/Bogota [invalid-timezone]
                timezone: Etc/GMT+5
                          ^~~~~~~~~

                """
        )
    }

    @Test func quotedSetValuesAreStringsAndPlainOnesAreExpressions() throws {
        let (loaded, rendered) = load(
            """
            workflow: set
            fields:
              reason: { type: enum, values: [other, price] }
              note: { type: text }
              due: { type: date }
              closed: { type: bool }
            stages:
              open: { initial: true, probability: 10 }
              won: { outcome: won }
            transitions:
              win:
                from: open
                to: won
                actions:
                  - set: { reason: "other", note: 'today', due: today + 3 days, closed: true }
                  - set: { note: !!str today, due: 2026-12-31 }
            """
        )
        #expect(rendered == "")
        let actions = try #require(loaded.validated).definition.transitions[0].actions
        let values: [Value] = try actions.map { action in
            guard case .set(let set) = action, let compiled = set.compiled else { throw CancellationError() }
            if case .constant(let value) = compiled.root { return value }
            return .null
        }
        #expect(
            values == [
                .string("other"), .string("today"), .null, .bool(true), .string("today"),
                .date(LocalDate(iso: "2026-12-31")!),
            ]
        )
    }
}
