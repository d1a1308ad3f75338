import DealFlowCore
import Testing

@Suite("Safe patterns")
struct SafePatternTests {
    @Test(arguments: [
        ("^[^@ ]+@[^@ ]+[.][a-z]{2,}$", "ana@example.com", true),
        ("^[^@ ]+@[^@ ]+[.][a-z]{2,}$", "ana@example", false),
        ("^[^@ ]+@[^@ ]+[.][a-z]{2,}$", "ana @example.com", false),
        ("cm", "Acme", true),
        ("^cm", "Acme", false),
        ("e$", "Acme", true),
        ("^$", "", true),
        ("a|b", "xxbxx", true),
        ("^(ab)+$", "ababab", true),
        ("^(ab)+$", "ababa", false),
        ("^a{2,3}$", "aaa", true),
        ("^a{2,3}$", "aaaa", false),
        ("^a{2}$", "aa", true),
        ("^a{2,}$", "aaaaaa", true),
        ("^colou?r$", "color", true),
        ("^\\d{3}-\\d{4}$", "555-1234", true),
        ("^\\w+\\s\\w+$", "hello world", true),
        ("^\\D+$", "abc", true),
        ("^\\D+$", "ab1", false),
        ("^[a-c]+$", "abcabc", true),
        ("^[^a-c]+$", "xyz", true),
        ("\\.", "a.b", true),
        ("\\.", "ab", false),
        ("^.$", "\n", false),
        ("(?i)^acme$", "ACME", true),
        ("(?i)^[a-z]+$", "MiXeD", true),
        ("^a.*?b$", "axxb", true),
        ("a{b", "a{b", true),
        ("^ñandú$", "ñandú", true),
    ])
    func matches(_ pattern: String, _ text: String, _ expected: Bool) throws {
        #expect(try SafePattern(pattern).matches(text) == expected)
    }

    @Test(arguments: [
        ("(a", "this group is never closed: add ')'", 0),
        ("a)", "unmatched ')'", 1),
        ("[a-", "this character class is never closed: add ']'", 0),
        ("[z-a]", "the range z-a is backwards", 3),
        ("*a", "nothing to repeat before '*'", 0),
        ("a**", "a quantifier cannot follow another; group the first in parentheses", 2),
        ("(a)\\1", "back-references such as \\1 are not supported: they need backtracking", 3),
        ("(?=a)", "look-ahead is not supported: it needs backtracking; only (...) and (?:...) groups are", 0),
        ("(?<=a)b", "look-behind is not supported: it needs backtracking; only (...) and (?:...) groups are", 0),
        ("a{3,2}", "in {3,2} the minimum is larger than the maximum", 1),
        ("a{5000}", "a repetition may count at most 1000", 1),
        ("\\q", "unknown escape '\\q'", 0),
        ("(a{1000}){1000}", "the pattern is too large once its repetitions are expanded (the limit is 5000 steps)", 0),
    ])
    func refuses(_ pattern: String, _ message: String, _ offset: Int) {
        #expect(throws: PatternError(message: message, offset: offset)) { try SafePattern(pattern) }
    }

    @Test func catastrophicPatternsStayLinear() throws {
        // (a+)+$ makes a backtracking engine try 2^n paths on "aaa...ab"; a state set stays linear.
        let input = String(repeating: "a", count: 20_000) + "b"
        #expect(try !SafePattern("(a+)+$").matches(input))
        #expect(try SafePattern("(a+)+b$").matches(input))
        #expect(try !SafePattern("^(a+)+$").matches(input))
        #expect(try !SafePattern("^(a|aa)*c$").matches(input))
        #expect(try !SafePattern("^(.*a){20}c$").matches(String(repeating: "a", count: 2_000)))
    }
}

@Suite("Title templates")
struct TitleTemplateTests {
    @Test func listsPlaceholders() throws {
        let template = try TitleTemplate.parse(
            "Call {{contact}} at {{ company }}{{! note }}{{#amount}} ({{amount}}){{/amount}}"
        ).get()
        #expect(template.placeholders.map(\.name) == ["contact", "company", "amount", "amount"])
        #expect(template.placeholders.map(\.offset) == [7, 23, 47, 59])
        #expect(
            try TitleTemplate.parse("{{{company}}} & {{& owner}} {{^amount}}no amount{{/amount}}").get().placeholders
                .map(\.name)
                == ["company", "owner", "amount"]
        )
    }

    @Test(arguments: [
        ("Call {{company", "'{{' is never closed with '}}'"),
        ("{{> header}}", "partials ({{>...}}) are not allowed in task titles"),
        ("{{=<% %>=}}", "delimiter changes ({{=...=}}) are not allowed in task titles"),
        ("{{$block}}x{{/block}}", "blocks and parents ({{$...}}, {{<...}}) are not allowed in task titles"),
        ("{{#a}}x", "the section 'a' is never closed: add '{{/a}}'"),
        ("x{{/a}}", "'{{/a}}' closes a section that was never opened"),
        ("{{#a}}{{/b}}", "'{{/b}}' closes the section 'a'; write '{{/a}}'"),
        ("{{}}", "an empty placeholder: placeholders are written {{field}}"),
        ("{{a.b}}", "'a.b' is not a field name: placeholders are written {{field}}"),
    ])
    func refuses(_ title: String, _ message: String) {
        guard case .failure(let error) = TitleTemplate.parse(title) else {
            Issue.record("\(title) parsed")
            return
        }
        #expect(error.message == message)
    }
}

@Suite("Spelling suggestions")
struct SpellingSuggestionTests {
    @Test(arguments: [
        ("qualifcation", "qualification"), ("guards", "guard"), ("prize", "price"), ("manger", "manager"),
        ("Won", "won"), ("propsal", "proposal"), ("ammount", "amount"),
    ])
    func suggests(_ name: String, _ expected: String) {
        #expect(
            SpellingSuggestion.closest(
                to: name,
                among: ["qualification", "guard", "price", "manager", "won", "proposal", "amount", "lost"]
            )
                == expected
        )
    }

    @Test func staysQuietWhenNothingIsClose() {
        #expect(SpellingSuggestion.closest(to: "zebra", among: ["qualification", "won", "lost"]) == nil)
        #expect(SpellingSuggestion.closest(to: "xy", among: ["won"]) == nil)
    }
}
