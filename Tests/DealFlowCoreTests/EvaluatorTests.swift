import DealFlowCore
import Foundation
import Testing

@Suite("Evaluation")
struct EvaluatorTests {
    struct Case: Sendable, CustomStringConvertible {
        var text: String
        var expected: Value
        var fields: [String: Value] = [:]
        var now = "2026-01-31T15:00:00Z"
        var description: String { text }
    }

    static let deal: [String: Value] = [
        "company": .string("Acme"), "amount": Schema.decimal("8500"), "seats": .int(10), "currency": .string("USD"),
        "close_date": Schema.date("2026-01-31"), "decision_maker": .bool(true),
        "met_at": Schema.datetime("2026-01-29T14:00:00Z"),
    ]

    @Test(arguments: [
        // Comparisons and decimal arithmetic, exact.
        Case(text: "amount > 10000", expected: .bool(false), fields: deal),
        Case(text: "amount >= 8500.00", expected: .bool(true), fields: deal),
        Case(text: "amount * 1.1", expected: Schema.decimal("9350"), fields: deal),
        Case(text: "0.1 + 0.2 == 0.3", expected: .bool(true)),
        Case(text: "seats / 4", expected: Schema.decimal("2.5"), fields: deal),
        Case(text: "seats % 3", expected: .int(1), fields: deal),
        Case(text: "-7 % 3", expected: .int(-1)),
        Case(text: "7.5 % 2", expected: Schema.decimal("1.5")),
        Case(text: "-7.5 % 2", expected: Schema.decimal("-1.5")),
        Case(text: "seats + 1.25", expected: Schema.decimal("11.25"), fields: deal),
        Case(text: "seats == 10.0", expected: .bool(true), fields: deal),
        Case(text: "-amount", expected: Schema.decimal("-8500"), fields: deal),
        Case(text: "min(amount, 100)", expected: Schema.decimal("100"), fields: deal),
        Case(text: "min(seats, 3.5)", expected: Schema.decimal("3.5"), fields: deal),
        Case(text: "max(seats, 3)", expected: .int(10), fields: deal),
        Case(text: "abs(-5)", expected: .int(5)),
        Case(text: "abs(100 - amount)", expected: Schema.decimal("8400"), fields: deal),
        // Null: it propagates, except through ==, !=, has() and three-valued and / or.
        Case(text: "amount > 3", expected: .null),
        Case(text: "amount * 2", expected: .null),
        Case(text: "amount == null", expected: .bool(true)),
        Case(text: "amount != null", expected: .bool(false)),
        Case(text: "null == null", expected: .bool(true)),
        Case(text: "has(amount)", expected: .bool(false)),
        Case(text: "has(amount)", expected: .bool(true), fields: deal),
        Case(text: "false and decision_maker", expected: .bool(false)),
        Case(text: "decision_maker and false", expected: .bool(false)),
        Case(text: "true and decision_maker", expected: .null),
        Case(text: "true or decision_maker", expected: .bool(true)),
        Case(text: "decision_maker or true", expected: .bool(true)),
        Case(text: "false or decision_maker", expected: .null),
        Case(text: "not decision_maker", expected: .null),
        Case(text: "len(notes)", expected: .null),
        Case(text: "lower(notes) == null", expected: .bool(true)),
        Case(text: "currency in [\"USD\"]", expected: .null),
        Case(text: "min(amount, 1)", expected: .null),
        Case(text: "close_date + 1 day", expected: .null),
        // Strings and enums.
        Case(text: "len(company)", expected: .int(4), fields: deal),
        Case(text: "lower(company) + \"!\"", expected: .string("acme!"), fields: deal),
        Case(text: "upper(company)", expected: .string("ACME"), fields: deal),
        Case(text: "contains(company, \"cm\")", expected: .bool(true), fields: deal),
        Case(text: "starts_with(company, \"Ac\") and ends_with(company, \"me\")", expected: .bool(true), fields: deal),
        Case(text: "matches(company, \"^a\")", expected: .bool(false), fields: deal),
        Case(text: "matches(company, \"(?i)^a\")", expected: .bool(true), fields: deal),
        Case(text: "currency in [\"USD\", \"EUR\"]", expected: .bool(true), fields: deal),
        Case(text: "currency not in [\"USD\", \"EUR\"]", expected: .bool(false), fields: deal),
        Case(text: "company < \"Zeta\"", expected: .bool(true), fields: deal),
        // Dates across month ends, leap days and time zones (the zone is America/Bogota, UTC-5).
        Case(text: "today", expected: Schema.date("2026-01-31")),
        Case(text: "today", expected: Schema.date("2026-01-31"), now: "2026-02-01T03:00:00Z"),
        Case(text: "today", expected: Schema.date("2026-02-01"), now: "2026-02-01T05:00:00Z"),
        Case(text: "close_date + 1 day", expected: Schema.date("2026-02-01"), fields: deal),
        Case(text: "close_date + 30 days", expected: Schema.date("2026-03-02"), fields: deal),
        Case(text: "close_date - 31 days", expected: Schema.date("2025-12-31"), fields: deal),
        Case(text: "close_date + 1 week", expected: Schema.date("2026-02-07"), fields: deal),
        Case(text: "close_date + 2 business days", expected: Schema.date("2026-02-03"), fields: deal),
        Case(text: "close_date + 9 hours", expected: Schema.datetime("2026-01-31T14:00:00Z"), fields: deal),
        Case(text: "close_date + 1 day at 09:00", expected: Schema.datetime("2026-02-01T14:00:00Z"), fields: deal),
        Case(text: "days_between(close_date, today + 29 days)", expected: .int(29), fields: deal),
        Case(text: "days_between(today, close_date)", expected: .int(-1), fields: deal, now: "2026-02-01T06:00:00Z"),
        Case(text: "business_days_between(met_at, now)", expected: .int(1), fields: deal),
        Case(text: "now + 2 hours", expected: Schema.datetime("2026-01-31T17:00:00Z")),
        Case(text: "now - 1 week", expected: Schema.datetime("2026-01-24T15:00:00Z")),
        Case(text: "met_at < now - 2 days", expected: .bool(true), fields: deal),
        Case(text: "met_at < now - 3 days", expected: .bool(false), fields: deal),
        Case(text: "today + 1 business day at 09:00", expected: Schema.datetime("2026-02-02T14:00:00Z")),
        Case(text: "2 days + today", expected: Schema.date("2026-02-02")),
        Case(text: "2028-02-28 + 1 day", expected: Schema.date("2028-02-29")),
        Case(text: "close_date < 2026-02-01", expected: .bool(true), fields: deal),
        // Deal facts.
        Case(text: "stage == \"proposal\"", expected: .bool(true)),
        Case(text: "days_in_stage", expected: .int(4)),
        Case(text: "actor.role == \"rep\" and actor.id == owner", expected: .bool(true)),
        Case(text: "created_at < entered_stage_at", expected: .bool(true)),
    ])
    func evaluates(_ testCase: Case) throws {
        let compiled = try #require(
            Schema.checker.check(Schema.source(testCase.text)).compiled,
            "\(testCase.text) does not type-check"
        )
        let value = try compiled.evaluate(in: Schema.environment(testCase.fields, now: testCase.now))
        #expect(value == testCase.expected)
    }

    @Test(arguments: [
        ("9223372036854775807 + 1", "integer overflow in '+'"),
        ("seats % 0", "division by zero in '%'"),
        ("amount / 0", "division by zero in '/'"),
        ("seats / 0.0", "division by zero in '/'"),
    ])
    func reportsErrors(_ text: String, _ message: String) throws {
        let compiled = try #require(Schema.checker.check(Schema.source(text)).compiled)
        #expect(throws: EvaluationError(message: message)) {
            try compiled.evaluate(in: Schema.environment(EvaluatorTests.deal))
        }
    }

    @Test func actorRoleIsNullForTheSystem() throws {
        let compiled = try #require(Schema.checker.check(Schema.source("actor.role == null")).compiled)
        #expect(try compiled.evaluate(in: Schema.environment(role: nil)) == .bool(true))
    }
}

@Suite("Guard failures")
struct GuardFailureTests {
    func guardFor(_ text: String, message: String? = nil) throws -> Guard {
        var guardValue = Guard(expression: Schema.source(text), message: message)
        guardValue.compiled = try #require(Schema.checker.checkCondition(Schema.source(text)).compiled)
        return guardValue
    }

    @Test func explainsWhatTheGuardSaw() throws {
        let failure = try #require(
            try guardFor("amount >= 10000", message: "Big deals only.").failure(
                in: Schema.environment(EvaluatorTests.deal)
            )
        )
        #expect(failure.explanation == "amount >= 10000 failed: amount = 8500")
        #expect(failure.message == "Big deals only.")
        #expect(failure.reason == .isFalse)
    }

    @Test func namesTheFieldsThatAreNotSet() throws {
        let failure = try #require(try guardFor("amount > 0 and seats > 1").failure(in: Schema.environment()))
        #expect(failure.explanation == "amount > 0 and seats > 1 failed: amount is not set, seats is not set")
        #expect(failure.reason == .unset(["amount", "seats"]))
        #expect(failure.values.map(\.name) == ["amount", "seats"])
        // `currency == "USD"` is false, not null, when currency is unset: the guard is false, and says why.
        let equality = try #require(try guardFor("currency == \"USD\"").failure(in: Schema.environment()))
        #expect(equality.reason == .isFalse)
        #expect(equality.explanation == "currency == \"USD\" failed: currency is not set")
    }

    @Test func showsEveryValueOfAFalseGuard() throws {
        let failure = try #require(
            try guardFor("currency == \"EUR\" and company != \"Acme\"").failure(
                in: Schema.environment(EvaluatorTests.deal)
            )
        )
        #expect(
            failure.explanation
                == "currency == \"EUR\" and company != \"Acme\" failed: currency = \"USD\", company = \"Acme\""
        )
    }

    @Test func reportsEvaluationErrors() throws {
        let failure = try #require(try guardFor("seats % 0 == 1").failure(in: Schema.environment(EvaluatorTests.deal)))
        #expect(failure.explanation == "seats % 0 == 1 failed: division by zero in '%'")
    }

    @Test func passesWhenTrue() throws {
        #expect(try guardFor("amount > 0").failure(in: Schema.environment(EvaluatorTests.deal)) == nil)
    }
}
