/// An exact decimal number of up to 38 significant digits: what `decimal` fields and amounts are.
///
/// The value is `significand × 10^-scale`, kept in a 128-bit integer, so additions, comparisons and
/// sums of money are exact and never allocate (Foundation's `Decimal` allocates on every
/// multiplication and on comparisons of differently scaled numbers). Results that need more than 38
/// digits are rounded half to even, as decimal arithmetic usually does; a result whose integer part
/// needs more than 38 digits is an overflow (`nil`).
///
/// ```swift
/// let price = ExactDecimal(parsing: "0.1")! + ExactDecimal(parsing: "0.2")!
/// price == ExactDecimal(parsing: "0.3")!   // true
/// ```
public struct ExactDecimal: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The digits as an integer; never a multiple of 10 unless `scale` is 0 (one spelling per value).
    public let significand: Int128
    /// How many of the digits are after the decimal point, 0 through ``maximumScale``.
    public let scale: Int

    /// The most digits after the decimal point a value keeps.
    public static let maximumScale = 38
    /// How many digits after the point a division keeps beyond its operands' (at most ``maximumScale``).
    public static let divisionDigits = 20

    private static let powersOfTen: [UInt128] = (0...38).map { exponent in
        var value: UInt128 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
    private static let largestMagnitude = UInt128(Int128.max)

    /// Zero.
    public static let zero = ExactDecimal(normalizedSignificand: 0, scale: 0)

    private init(normalizedSignificand: Int128, scale: Int) {
        self.significand = normalizedSignificand
        self.scale = scale
    }

    /// A whole number.
    public init(_ value: Int) {
        self = ExactDecimal.make(negative: value < 0, magnitude: UInt128(value.magnitude), scale: 0)!
    }

    /// Parses `-?digits(.digits)?` exactly, with at most 38 significant digits; refuses `12abc`, `1e5`,
    /// `.5`, `5.` and anything else a lenient parser would half-read.
    @_specialize(exported:true,where Text == String)
    @_specialize(exported:true,where Text == Substring)
    public init?<Text: StringProtocol>(parsing text: Text) {
        var magnitude: UInt128 = 0
        var digits = 0
        var significantDigits = 0
        var scale = 0
        var sawPoint = false
        var negative = false
        for (index, scalar) in text.unicodeScalars.enumerated() {
            switch scalar {
            case "-", "+":
                guard index == 0 else { return nil }
                negative = scalar == "-"
            case ".":
                guard !sawPoint, digits > 0 else { return nil }
                sawPoint = true
            case "0"..."9":
                digits += 1
                if sawPoint { scale += 1 }
                if magnitude > 0 || scalar != "0" { significantDigits += 1 }
                guard significantDigits <= 38, scale <= ExactDecimal.maximumScale else { return nil }
                magnitude = magnitude * 10 + UInt128(scalar.value - 48)
            default:
                return nil
            }
        }
        guard digits > 0, !sawPoint || scale > 0,
            let value = ExactDecimal.make(negative: negative, magnitude: magnitude, scale: scale)
        else { return nil }
        self = value
    }

    /// The exact digits, such as `-1234.5` or `0.001`; no exponent, no trailing zeros.
    public var description: String {
        let digits = String(significand.magnitude)
        let sign = significand < 0 ? "-" : ""
        guard scale > 0 else { return sign + digits }
        let padded = digits.count <= scale ? String(repeating: "0", count: scale - digits.count + 1) + digits : digits
        let point = padded.index(padded.endIndex, offsetBy: -scale)
        return sign + padded[..<point] + "." + padded[point...]
    }

    /// Whether the value is zero.
    public var isZero: Bool { significand == 0 }
    /// Whether the value is below zero.
    public var isNegative: Bool { significand < 0 }
    /// The value with its sign flipped.
    public static prefix func - (value: ExactDecimal) -> ExactDecimal {
        ExactDecimal(normalizedSignificand: -value.significand, scale: value.scale)
    }
    /// The absolute value.
    public var magnitude: ExactDecimal { isNegative ? -self : self }

    // MARK: - Building values

    /// A value from a sign, a magnitude and a scale; trailing zeros are removed. `nil` when the magnitude
    /// does not fit.
    private static func make(negative: Bool, magnitude: UInt128, scale: Int) -> ExactDecimal? {
        guard magnitude <= largestMagnitude else { return nil }
        var magnitude = magnitude
        var scale = scale
        while scale > 0, magnitude % 10 == 0 {
            magnitude /= 10
            scale -= 1
        }
        if magnitude == 0 { return .zero }
        let significand = Int128(magnitude)
        return ExactDecimal(normalizedSignificand: negative ? -significand : significand, scale: scale)
    }

    /// Rounds a 256-bit magnitude at `scale` to the nearest value that fits, half to even. `inexact`
    /// says a remainder was already dropped below the last digit (so an exact half is more than half).
    private static func rounded(
        negative: Bool,
        high: UInt128,
        low: UInt128,
        scale: Int,
        inexact: Bool = false
    ) -> ExactDecimal? {
        var dropped = max(0, scale - maximumScale)
        while dropped <= scale {
            guard dropped <= 38 else { return nil }
            let divisor = powersOfTen[dropped]
            let quotientHigh = high / divisor
            let (quotientLow, remainder) = divisor.dividingFullWidth((high: high % divisor, low: low))
            if quotientHigh == 0, quotientLow <= largestMagnitude {
                var quotient = quotientLow
                if dropped > 0 {
                    let half = divisor / 2
                    if remainder > half || (remainder == half && (inexact || quotient % 2 == 1)) { quotient += 1 }
                }
                if let value = make(negative: negative, magnitude: quotient, scale: scale - dropped) { return value }
            }
            dropped += 1
        }
        return nil
    }

    /// The magnitude at another scale: exact when the scale grows (or `nil` on overflow), rounded half
    /// to even when it shrinks.
    private func magnitude(atScale target: Int) -> UInt128? {
        let magnitude = significand.magnitude
        if target >= scale {
            let (product, overflow) = magnitude.multipliedReportingOverflow(
                by: ExactDecimal.powersOfTen[target - scale]
            )
            return overflow || product > ExactDecimal.largestMagnitude ? nil : product
        }
        let divisor = ExactDecimal.powersOfTen[scale - target]
        var (quotient, remainder) = magnitude.quotientAndRemainder(dividingBy: divisor)
        let half = divisor / 2
        if remainder > half || (remainder == half && quotient % 2 == 1) { quotient += 1 }
        return quotient
    }

    // MARK: - Arithmetic

    /// The sum, rounded to 38 significant digits if it needs more; `nil` on overflow.
    public func adding(_ other: ExactDecimal) -> ExactDecimal? {
        var target = max(scale, other.scale)
        while target >= 0 {
            if let left = magnitude(atScale: target), let right = other.magnitude(atScale: target) {
                let leftValue = isNegative ? -Int128(left) : Int128(left)
                let rightValue = other.isNegative ? -Int128(right) : Int128(right)
                let (sum, overflow) = leftValue.addingReportingOverflow(rightValue)
                if !overflow, sum != .min {
                    return ExactDecimal.make(negative: sum < 0, magnitude: sum.magnitude, scale: target)
                }
            }
            // Too many digits at this scale: give up the least significant one and round.
            target -= 1
        }
        return nil
    }

    /// The difference; `nil` on overflow.
    public func subtracting(_ other: ExactDecimal) -> ExactDecimal? { adding(-other) }

    /// The product, rounded half to even to 38 significant digits if it needs more; `nil` on overflow.
    public func multiplied(by other: ExactDecimal) -> ExactDecimal? {
        let (high, low) = significand.magnitude.multipliedFullWidth(by: other.significand.magnitude)
        return ExactDecimal.rounded(
            negative: isNegative != other.isNegative,
            high: high,
            low: low,
            scale: scale + other.scale
        )
    }

    /// The quotient to ``divisionDigits`` more digits than the operands have after the point (at most
    /// 38), rounded half to even; `nil` when dividing by zero or on overflow.
    public func divided(by other: ExactDecimal) -> ExactDecimal? {
        guard !other.isZero else { return nil }
        let target = min(
            max(scale, other.scale) + ExactDecimal.divisionDigits,
            ExactDecimal.maximumScale,
            38 + scale - other.scale
        )
        // 0...38 by the choice of target, so the numerator fits in 256 bits.
        let exponent = target - scale + other.scale
        let (numeratorHigh, numeratorLow) = significand.magnitude.multipliedFullWidth(
            by: ExactDecimal.powersOfTen[exponent]
        )
        let divisor = other.significand.magnitude
        let quotientHigh = numeratorHigh / divisor
        let (quotientLow, remainder) = divisor.dividingFullWidth((high: numeratorHigh % divisor, low: numeratorLow))
        let negative = isNegative != other.isNegative
        if quotientHigh == 0, quotientLow <= ExactDecimal.largestMagnitude {
            var quotient = quotientLow
            let rest = divisor - remainder
            if remainder > rest || (remainder == rest && quotient % 2 == 1) { quotient += 1 }
            return ExactDecimal.make(negative: negative, magnitude: quotient, scale: target)
        }
        return ExactDecimal.rounded(
            negative: negative,
            high: quotientHigh,
            low: quotientLow,
            scale: target,
            inexact: remainder != 0
        )
    }

    /// The value rounded half to even to `digits` places after the point (no change if it has fewer).
    public func rounded(toPlaces digits: Int) -> ExactDecimal {
        guard digits >= 0, scale > digits, let magnitude = magnitude(atScale: digits) else { return self }
        return ExactDecimal.make(negative: isNegative, magnitude: magnitude, scale: digits) ?? self
    }

    /// The digits with exactly `places` after the point and thousands grouped: `1,234,567.50`.
    public func formatted(places: Int = 2) -> String {
        let rounded = rounded(toPlaces: places)
        let digits = String(rounded.significand.magnitude)
        let padded = String(repeating: "0", count: max(0, rounded.scale + 1 - digits.count)) + digits
        let integerPart = String(padded.dropLast(rounded.scale))
        var fraction = String(padded.suffix(rounded.scale))
        fraction += String(repeating: "0", count: max(0, places - fraction.count))
        var grouped = ""
        for (index, character) in integerPart.reversed().enumerated() {
            if index > 0, index % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        let sign = rounded.isNegative ? "-" : ""
        return sign + String(grouped.reversed()) + (places > 0 ? "." + fraction : "")
    }

    /// The remainder of dividing by `other`, with the sign of `self` (`-7.5 % 2` is `-1.5`); `nil` when
    /// dividing by zero or when the operands cannot be aligned in 38 digits.
    public func remainder(dividingBy other: ExactDecimal) -> ExactDecimal? {
        guard !other.isZero else { return nil }
        let target = max(scale, other.scale)
        guard let left = magnitude(atScale: target), let right = other.magnitude(atScale: target) else { return nil }
        return ExactDecimal.make(negative: isNegative, magnitude: left % right, scale: target)
    }

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
        if lhs.scale == rhs.scale { return lhs.significand < rhs.significand }
        let target = max(lhs.scale, rhs.scale)
        // A magnitude that overflows at the common scale is larger than any that fits.
        let left = lhs.magnitude(atScale: target)
        let right = rhs.magnitude(atScale: target)
        let magnitudeIsLess: Bool
        switch (left, right) {
        case (let l?, let r?): magnitudeIsLess = l < r
        case (nil, _?): magnitudeIsLess = false
        case (_?, nil): magnitudeIsLess = true
        case (nil, nil): magnitudeIsLess = false
        }
        let magnitudeIsEqual = left != nil && left == right
        if magnitudeIsEqual { return false }
        return lhs.isNegative ? !magnitudeIsLess : magnitudeIsLess
    }
}

extension ExactDecimal: ExpressibleByIntegerLiteral {
    /// A whole number written as a literal: `let percent: ExactDecimal = 100`.
    public init(integerLiteral value: Int) {
        self.init(value)
    }
}
