import DealFlowCore
import Foundation
import Testing

@Suite("Exact decimals")
struct ExactDecimalTests {
    func d(_ text: String) -> ExactDecimal { ExactDecimal(parsing: text)! }

    @Test(arguments: [
        ("12", "12"), ("12.50", "12.5"), ("-0.5", "-0.5"), ("+3", "3"), ("0.000", "0"), ("-0", "0"),
        ("007.100", "7.1"), ("99999999999999999999999999999999999999", "99999999999999999999999999999999999999"),
        ("0.00000000000000000000000000000000000001", "0.00000000000000000000000000000000000001"),
    ])
    func readsAndPrintsExactly(_ text: String, _ expected: String) {
        #expect(ExactDecimal(parsing: text)?.description == expected)
    }

    @Test(arguments: [
        "12abc", "1e5", ".5", "5.", "1,000", "", "-", "1.2.3", "--1", "1-", String(repeating: "9", count: 39),
    ])
    func refusesWhatALenientParserWouldHalfRead(_ text: String) {
        #expect(ExactDecimal(parsing: text) == nil)
    }

    @Test func addsAndSubtractsExactly() {
        #expect(d("0.1").adding(d("0.2")) == d("0.3"))
        #expect(d("100").subtracting(d("0.01")) == d("99.99"))
        #expect(d("-1.5").adding(d("1.5")) == .zero)
        #expect(d("12.345").adding(d("-12.3")) == d("0.045"))
    }

    @Test func roundsSumsThatNeedMoreThan38Digits() {
        // 10^20 + 10^-20 needs 41 digits: the small part rounds away.
        #expect(d("100000000000000000000").adding(d("0.00000000000000000001")) == d("100000000000000000000"))
        #expect(
            d("99999999999999999999999999999999999999").adding(d("1"))?.description == "1"
                + String(repeating: "0", count: 38)
        )
        #expect(d("99999999999999999999999999999999999999").adding(d("99999999999999999999999999999999999999")) == nil)
    }

    @Test func multipliesAndRoundsHalfToEven() {
        #expect(d("8500").multiplied(by: d("1.1")) == d("9350"))
        #expect(d("-2.5").multiplied(by: d("4")) == d("-10"))
        #expect(d("0.0000000000000000005").multiplied(by: d("0.00000000000000000001"))?.description == "0")
        #expect(
            d("1.00000000000000000001").multiplied(by: d("1.00000000000000000001"))
                == d("1.0000000000000000000200000000000000000")
        )
        // 38 nines squared needs 76 digits; its integer part alone needs 76: overflow.
        #expect(d("99999999999999999999999999999999999999").multiplied(by: d("10")) == nil)
    }

    @Test func dividesToTwentyMoreDigits() {
        #expect(d("10").divided(by: d("4")) == d("2.5"))
        #expect(d("1").divided(by: d("3"))?.description == "0.33333333333333333333")
        #expect(d("2").divided(by: d("3"))?.description == "0.66666666666666666667")
        #expect(d("-1").divided(by: d("8")) == d("-0.125"))
        #expect(d("1").divided(by: .zero) == nil)
        #expect(d("123456789012345678901234567890").divided(by: d("0.001")) == d("123456789012345678901234567890000"))
    }

    @Test func takesRemaindersWithTheSignOfTheDividend() {
        #expect(d("7.5").remainder(dividingBy: d("2")) == d("1.5"))
        #expect(d("-7.5").remainder(dividingBy: d("2")) == d("-1.5"))
        #expect(d("7").remainder(dividingBy: d("-3")) == d("1"))
        #expect(d("1").remainder(dividingBy: .zero) == nil)
    }

    @Test func comparesAcrossScales() {
        #expect(d("1.10") == d("1.1"))
        #expect(d("1.09") < d("1.1"))
        #expect(d("-1.1") < d("-1.09"))
        #expect(d("-0.5") < .zero)
        #expect(d("99999999999999999999999999999999999999") > d("0.00000000000000000000000000000000000001"))
        #expect(d("-99999999999999999999999999999999999999") < d("0.00000000000000000000000000000000000001"))
        #expect(Set([d("2.50"), d("2.5")]).count == 1)
    }

    /// Against Foundation's Decimal on numbers where both are exact: the same digits every time.
    @Test func agreesWithFoundationWhereBothAreExact() {
        var generator = SystemRandomNumberGenerator()
        func random() -> (ExactDecimal, Decimal) {
            let digits = Int.random(in: 1...15, using: &generator)
            var text = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            let scale = Int.random(in: 0...min(6, digits - 1), using: &generator)
            if scale > 0 { text.insert(".", at: text.index(text.endIndex, offsetBy: -scale)) }
            if Bool.random(using: &generator) { text = "-" + text }
            return (ExactDecimal(parsing: text)!, Decimal(string: text)!)
        }
        for _ in 0..<2_000 {
            let (a, fa) = random()
            let (b, fb) = random()
            #expect(a.adding(b)! == ExactDecimal(parsing: (fa + fb).description)!, "\(a) + \(b)")
            #expect(a.subtracting(b)! == ExactDecimal(parsing: (fa - fb).description)!, "\(a) - \(b)")
            #expect(a.multiplied(by: b)! == ExactDecimal(parsing: (fa * fb).description)!, "\(a) * \(b)")
            #expect((a < b) == (fa < fb), "\(a) < \(b)")
        }
    }
}
