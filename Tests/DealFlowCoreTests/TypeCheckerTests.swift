import DealFlowCore
import Testing

@Suite("Type checker")
struct TypeCheckerTests {
    @Test(arguments: [
        "amount > 0", "amount > 0.5", "seats > amount", "amount >= 10000 and currency == \"USD\"",
        "close_date < today + 30 days", "close_date <= today + 2 business days", "met_at < now - 4 hours",
        "lost_reason == \"price\"", "lost_reason in [\"price\", \"competitor\"]", "currency not in [\"COP\"]",
        "stage == \"won\"", "actor.role == \"manager\"", "actor.id == owner", "has(amount) and amount > 0",
        "not decision_maker", "!decision_maker || amount > 5", "decision_maker && contact_email != null",
        "matches(contact_email, \"^[^@ ]+@[^@ ]+$\")", "len(company) > 2", "contains(lower(company), \"acme\")",
        "starts_with(upper(notes), \"VIP\")", "ends_with(company, \"S.A.\")", "days_between(close_date, today) < 90",
        "business_days_between(met_at, now) <= 3", "min(amount, seats) > 0", "max(close_date, today) == today",
        "abs(amount - 100) < 5", "days_in_stage > 14", "created_at < entered_stage_at", "(amount + 1) * 2 % 3 > 1",
        "company + \" Ltd\" == \"Acme Ltd\"", "null == amount", "true", "amount / 2 > 1",
        "today + 1 business day at 09:00 > now", "close_date < 2026-12-31", "2026-01-01 + 3 days == close_date",
    ])
    func acceptsWellTypedConditions(_ text: String) {
        let result = Schema.checker.checkCondition(Schema.source(text))
        #expect(result.diagnostics.isEmpty, "\(text): \(result.diagnostics.map(\.message))")
        #expect(result.compiled != nil)
    }

    struct Case: Sendable, CustomStringConvertible {
        var text: String
        var code: DiagnosticCode
        var message: String
        var column: Int
        var notes: [String] = []
        var description: String { text }
    }

    @Test(arguments: [
        Case(
            text: "amount > \"ten\"",
            code: .typeMismatch,
            message: "cannot compare 'amount' (a decimal) with \"ten\" (a string)",
            column: 10
        ),
        Case(
            text: "lost_reason == \"prize\"",
            code: .unknownEnumValue,
            message: "\"prize\" is not a value of field 'lost_reason' (did you mean \"price\"?)",
            column: 16,
            notes: ["the values are price, competitor, no_budget, timing, no_response, other"]
        ),
        Case(
            text: "stage == \"qualifcation\"",
            code: .unknownEnumValue,
            message: "\"qualifcation\" is not a stage (did you mean \"qualification\"?)",
            column: 10,
            notes: ["the values are prospecting, qualification, proposal, won, lost"]
        ),
        Case(
            text: "actor.role in [\"rep\", \"manger\"]",
            code: .unknownEnumValue,
            message: "\"manger\" is not a declared role (did you mean \"manager\"?)",
            column: 23,
            notes: ["the values are rep, manager"]
        ),
        Case(
            text: "amout > 0",
            code: .unknownName,
            message: "unknown name 'amout' (did you mean 'amount'?)",
            column: 1
        ),
        Case(
            text: "amount",
            code: .notBoolean,
            message: "a guard must be true or false, but this expression is a decimal",
            column: 1
        ),
        Case(
            text: "amount >",
            code: .expressionSyntax,
            message: "the expression ends too early where a value was expected",
            column: 8
        ),
        Case(
            text: "amount = 5",
            code: .expressionSyntax,
            message: "'=' is not an operator here; compare with '=='",
            column: 8
        ),
        Case(
            text: "amount & 5",
            code: .expressionSyntax,
            message: "'&' is not an operator; write '&&' or 'and'",
            column: 8
        ),
        Case(
            text: "0 < amount < 10",
            code: .expressionSyntax,
            message: "comparisons cannot be chained; join them with 'and' (for example 'a < b and b < c')",
            column: 12
        ),
        Case(
            text: "close_date < now",
            code: .typeMismatch,
            message: "cannot compare 'close_date' (a date) with 'now' (a datetime)",
            column: 14,
            notes: ["compare a date with 'today' and a datetime with 'now'"]
        ),
        Case(
            text: "close_date - today > 3",
            code: .typeMismatch,
            message: "cannot subtract 'today' from 'close_date'",
            column: 1,
            notes: ["count the days between them with days_between(today, close_date)"]
        ),
        Case(
            text: "amount + 1 days > 3",
            code: .typeMismatch,
            message: "cannot add 'amount' (a decimal) and '1 days' (a duration)",
            column: 1
        ),
        Case(text: "foo(amount)", code: .unknownFunction, message: "unknown function 'foo'", column: 1),
        Case(
            text: "lenn(company) > 1",
            code: .unknownFunction,
            message: "unknown function 'lenn' (did you mean 'len'?)",
            column: 1
        ),
        Case(text: "amount(1) > 1", code: .unknownFunction, message: "'amount' is a value, not a function", column: 1),
        Case(
            text: "len() > 1",
            code: .argumentCount,
            message: "len() takes 1 argument, but 0 are given: len(string or list)",
            column: 1
        ),
        Case(
            text: "matches(company, \"(a\")",
            code: .invalidPattern,
            message: "invalid pattern: this group is never closed: add ')'",
            column: 19
        ),
        Case(
            text: "matches(company, \"(a)\\\\1\")",
            code: .invalidPattern,
            message: "invalid pattern: back-references such as \\1 are not supported: they need backtracking",
            column: 18
        ),
        Case(
            text: "matches(company, notes)",
            code: .invalidPattern,
            message:
                "the pattern of matches() must be written as a string literal, so that it is checked when the workflow is validated",
            column: 18
        ),
        Case(
            text: "lost_reason < \"price\"",
            code: .typeMismatch,
            message: "enum values have no order: compare 'lost_reason' with '==' or 'in'",
            column: 1
        ),
        Case(
            text: "amount > null",
            code: .typeMismatch,
            message: "'>' cannot compare with null; test for it with '== null' or has(field)",
            column: 10
        ),
        Case(
            text: "yes",
            code: .unknownName,
            message: "unknown name 'yes'; booleans are written true and false",
            column: 1
        ),
        Case(
            text: "actor",
            code: .unknownName,
            message: "'actor' is not a value by itself: write actor.id or actor.role",
            column: 1
        ),
        Case(
            text: "actor.name == \"x\"",
            code: .unknownName,
            message: "'actor.name' has no meaning: only actor.id and actor.role are written with a dot",
            column: 1
        ),
        Case(
            text: "has(stage)",
            code: .typeMismatch,
            message: "has() takes the name of a field, such as has(amount)",
            column: 5
        ),
        Case(
            text: "company in \"Acme\"",
            code: .typeMismatch,
            message: "'in' needs a list such as [\"a\", \"b\"], but \"Acme\" is a string",
            column: 12,
            notes: ["to look for text inside a string, use contains(string, text)"]
        ),
        Case(
            text: "not amount",
            code: .typeMismatch,
            message: "'not' needs a boolean, but 'amount' is a decimal",
            column: 5
        ),
        Case(
            text: "decision_maker > true",
            code: .typeMismatch,
            message: "'decision_maker' is a boolean, which has no order",
            column: 1
        ),
        Case(
            text: "len(amount) > 1",
            code: .typeMismatch,
            message: "len() takes a string or a list, but 'amount' is a decimal",
            column: 5
        ),
        Case(
            text: "\"abc",
            code: .expressionSyntax,
            message: "this string is never closed: add the closing \"",
            column: 1
        ),
        Case(
            text: "amount > 10 days",
            code: .typeMismatch,
            message: "'10 days' is a duration, which has no order",
            column: 10
        ),
        Case(
            text: "12abc > 1",
            code: .expressionSyntax,
            message:
                "'12abc' is neither a number nor a duration; durations are written '30 days', '4 business hours' or '2d'",
            column: 1
        ),
        Case(text: "   ", code: .expressionSyntax, message: "the expression is empty", column: 1),
        Case(
            text: "amount > 99999999999999999999",
            code: .expressionSyntax,
            message: "the integer 99999999999999999999 is too large (at most 9223372036854775807)",
            column: 10
        ),
        Case(
            text: "seats > 2 (",
            code: .expressionSyntax,
            message: "unexpected '(' after a complete expression",
            column: 11
        ),
        Case(
            text: "close_date < today + 3 dais and seats > 1",
            code: .invalidDuration,
            message:
                "'3 dais' is not a duration: unknown unit 'dais' (did you mean 'days'?); units are minutes, hours, days, weeks, business days and business hours (short forms m, h, d, w)",
            column: 22
        ),
        Case(
            text: "close_date < 2026-02-30",
            code: .invalidDate,
            message: "'2026-02-30' is not a date: February 2026 has 28 days, not 30",
            column: 14
        ),
    ])
    func reportsMistakesWithTheirColumn(_ testCase: Case) throws {
        let result = Schema.checker.checkCondition(Schema.source(testCase.text))
        let diagnostic = try #require(result.diagnostics.first, "no diagnostic for \(testCase.text)")
        #expect(result.diagnostics.count == 1, "\(result.diagnostics.map(\.message))")
        #expect(diagnostic.code == testCase.code)
        #expect(diagnostic.message == testCase.message)
        #expect(diagnostic.location.column == testCase.column)
        #expect(diagnostic.notes.map(\.message) == testCase.notes)
        #expect(result.compiled == nil)
    }

    @Test func reportsEachMistakeInAListOnce() {
        let result = Schema.checker.checkCondition(Schema.source("stage in [lost, \"opn\"]"))
        #expect(
            result.diagnostics.map(\.message) == [
                "unknown name 'lost'", "\"opn\" is not a stage",
            ]
        )
    }

    @Test func reportsEveryMistakeOfAnExpression() {
        let result = Schema.checker.checkCondition(Schema.source("amout > 0 and lost_reason == \"prize\" and foo(1)"))
        #expect(result.diagnostics.map(\.code) == [.unknownName, .unknownEnumValue, .unknownFunction])
    }

    @Test func capsLengthAndDepth() {
        let deep = String(repeating: "(", count: 100) + "true" + String(repeating: ")", count: 100)
        #expect(
            Schema.checker.checkCondition(Schema.source(deep)).diagnostics.map(\.message)
                == ["this expression nests more than 64 levels deep"]
        )
        // A long list of conditions is flat, not deep; a long sum is a deep tree.
        let conditions = Array(repeating: "seats == 1", count: 250).joined(separator: " or ")
        #expect(Schema.checker.checkCondition(Schema.source(conditions)).diagnostics.isEmpty)
        let sum = Array(repeating: "seats", count: 80).joined(separator: " + ") + " > 0"
        #expect(
            Schema.checker.checkCondition(Schema.source(sum)).diagnostics.map(\.message)
                == ["this expression nests 81 levels deep; the limit is 64"]
        )
        let long = "company == \"" + String(repeating: "x", count: 5000) + "\""
        #expect(
            Schema.checker.checkCondition(Schema.source(long)).diagnostics.map(\.message)
                == ["this expression is 5013 characters long; the limit is 4000"]
        )
        let negations = String(repeating: "not ", count: 10_000) + "true"
        #expect(Schema.checker.checkCondition(Schema.source(negations)).diagnostics.first?.code == .expressionLimit)
    }

    @Test func tracksNullability() throws {
        let required = try #require(Schema.checker.check(Schema.source("company")).compiled)
        #expect(required.type == ExpressionType(.string))
        let optional = try #require(Schema.checker.check(Schema.source("amount * 2")).compiled)
        #expect(optional.type == ExpressionType(.decimal, nullable: true))
        let equality = try #require(Schema.checker.check(Schema.source("amount == null")).compiled)
        #expect(equality.type == ExpressionType(.bool))
        let has = try #require(Schema.checker.check(Schema.source("has(amount)")).compiled)
        #expect(has.type == ExpressionType(.bool))
    }

    @Test func widensIntToDecimalAndKeepsDatesDates() throws {
        #expect(try #require(Schema.checker.check(Schema.source("seats + 1")).compiled).type.base == .int)
        #expect(try #require(Schema.checker.check(Schema.source("seats + 1.5")).compiled).type.base == .decimal)
        #expect(try #require(Schema.checker.check(Schema.source("seats / 2")).compiled).type.base == .decimal)
        #expect(
            try #require(Schema.checker.check(Schema.source("close_date + 3 business days")).compiled).type.base
                == .date
        )
        #expect(
            try #require(Schema.checker.check(Schema.source("close_date + 4 hours")).compiled).type.base == .datetime
        )
        #expect(
            try #require(Schema.checker.check(Schema.source("close_date + 1 day at 09:00")).compiled).type.base
                == .datetime
        )
    }

    @Test func listsWhatAnExpressionReads() throws {
        let compiled = try #require(
            Schema.checker.check(Schema.source("amount > 0 and amount < seats or days_in_stage > 3")).compiled
        )
        #expect(compiled.reads.map(\.description) == ["amount", "seats", "days_in_stage"])
    }

    @Test func checksAssignments() throws {
        let amount = try #require(Schema.scope.fields["amount"])
        let seats = try #require(Schema.scope.fields["seats"])
        let company = try #require(Schema.scope.fields["company"])
        let reason = try #require(Schema.scope.fields["lost_reason"])
        let flag = try #require(Schema.scope.fields["decision_maker"])
        #expect(Schema.checker.checkAssignment(Schema.source("amount * 1.1"), to: amount).diagnostics.isEmpty)
        #expect(Schema.checker.checkAssignment(Schema.source("seats + 1"), to: amount).diagnostics.isEmpty)
        #expect(
            Schema.checker.checkAssignment(Schema.source("amount"), to: seats).diagnostics.map(\.message)
                == ["'seats' is an int, but this value is a decimal"]
        )
        #expect(
            Schema.checker.checkAssignment(Schema.source("null"), to: company).diagnostics.map(\.message)
                == ["'company' is required and cannot be set to null"]
        )
        #expect(
            Schema.checker.checkAssignment(Schema.source("notes"), to: company).diagnostics.map(\.message)
                == ["'company' is required, but this value may be null (when a field it reads is not set)"]
        )
        #expect(
            Schema.checker.checkAssignment(Schema.source("other"), to: reason).diagnostics.map(\.message)
                == ["'other' is not a field or a value; to set the text other, quote it: \"other\""]
        )
        #expect(
            Schema.checker.checkAssignment(Schema.source("yes"), to: flag).diagnostics.map(\.message)
                == ["'yes' is not a boolean: write true or false"]
        )
        let literal = Located("prize", at: Schema.location())
        #expect(
            Schema.checker.checkStringAssignment(literal, to: reason).diagnostics.map(\.message)
                == ["\"prize\" is not a value of field 'lost_reason' (did you mean \"price\"?)"]
        )
        #expect(
            Schema.checker.checkStringAssignment(Located("price", at: Schema.location()), to: reason).compiled != nil
        )
    }

    @Test func pointsIntoTheFileWhereTheExpressionIsWritten() throws {
        let source = ExpressionSource(text: "amout > 0", location: SourceLocation(file: "w.yaml", line: 12, column: 15))
        let diagnostic = try #require(Schema.checker.checkCondition(source).diagnostics.first)
        #expect(diagnostic.location == SourceLocation(file: "w.yaml", line: 12, column: 15, length: 5))
        let folded = ExpressionSource(
            text: "amount > 0 and\nbogus",
            location: SourceLocation(file: "w.yaml", line: 3, column: 7),
            mapsColumnsExactly: false
        )
        #expect(try #require(Schema.checker.checkCondition(folded).diagnostics.first).location.column == 7)
    }
}
