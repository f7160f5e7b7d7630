/// A quantity of PAI in integer base units (1 PAI = 10^8 units); never a float.
///
/// Guarantees: arithmetic is checked (`adding`/`subtracting` throw `AmountError` instead of wrapping or trapping);
/// `parse` accepts exactly what `description` prints (plus forms without the unit or trailing zeros) and rejects
/// more than 8 decimals, signs, and values above `UInt64.max` units. Canonical form: 8-byte little-endian units
/// (a nested value, no tag).
public struct Amount: Sendable, Hashable, Comparable, CustomStringConvertible, CanonicalCodable {
    /// Base units in one PAI.
    public static let unitsPerPAI: UInt64 = 100_000_000
    /// Decimal places of a PAI.
    public static let decimals = 8

    public static let zero = Amount(units: 0)

    /// The amount in base units.
    public let units: UInt64

    public init(units: UInt64) { self.units = units }

    /// `pai` whole PAI; throws `.overflow` above `UInt64.max` units.
    public init(pai: UInt64) throws(AmountError) {
        let (value, overflow) = pai.multipliedReportingOverflow(by: Amount.unitsPerPAI)
        if overflow { throw .overflow }
        units = value
    }

    /// `self + other`, or `.overflow`.
    public func adding(_ other: Amount) throws(AmountError) -> Amount {
        let (value, overflow) = units.addingReportingOverflow(other.units)
        if overflow { throw .overflow }
        return Amount(units: value)
    }

    /// `self - other`, or `.underflow` when `other` is larger.
    public func subtracting(_ other: Amount) throws(AmountError) -> Amount {
        let (value, overflow) = units.subtractingReportingOverflow(other.units)
        if overflow { throw .underflow }
        return Amount(units: value)
    }

    /// `self × factor`, or `.overflow`.
    public func multiplied(by factor: UInt64) throws(AmountError) -> Amount {
        let (value, overflow) = units.multipliedReportingOverflow(by: factor)
        if overflow { throw .overflow }
        return Amount(units: value)
    }

    /// The sum of `amounts`, or `.overflow`.
    public static func sum(_ amounts: some Sequence<Amount>) throws(AmountError) -> Amount {
        var total = Amount.zero
        for amount in amounts { total = try total.adding(amount) }
        return total
    }

    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.units < rhs.units }

    /// "12.345 PAI": whole PAI, then up to 8 decimals without trailing zeros, then the unit.
    public var description: String { "\(decimalString) PAI" }

    /// "12.345": the amount in PAI without the unit.
    public var decimalString: String {
        let whole = units / Amount.unitsPerPAI
        var fraction = units % Amount.unitsPerPAI
        guard fraction != 0 else { return "\(whole)" }
        var digits = Amount.decimals
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }

    /// Parses "12.345 PAI", "12.345PAI", "12.345" or "12" (at most 8 decimals, ASCII digits only).
    public static func parse(_ text: some StringProtocol) throws(AmountError) -> Amount {
        var body = Substring(text).trimmingSpaces()
        if body.hasSuffix("PAI") { body = body.dropLast(3).trimmingSpaces() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let wholeText = parts.first, !wholeText.isEmpty, wholeText.allSatisfy(\.isASCIIDigitCharacter) else {
            throw .invalidFormat(String(text))
        }
        var fraction: UInt64 = 0
        if parts.count == 2 {
            let fractionText = parts[1]
            guard !fractionText.isEmpty, fractionText.count <= decimals,
                fractionText.allSatisfy(\.isASCIIDigitCharacter)
            else { throw .invalidFormat(String(text)) }
            let padded = fractionText + String(repeating: "0", count: decimals - fractionText.count)
            guard let value = UInt64(padded) else { throw .invalidFormat(String(text)) }
            fraction = value
        }
        guard let whole = UInt64(wholeText) else { throw .overflow }
        return try Amount(pai: whole).adding(Amount(units: fraction))
    }

    public func encode(to writer: inout ByteWriter) { writer.u64(units) }

    public init(from reader: inout ByteReader) throws { units = try reader.u64() }
}

/// Why an amount could not be computed or parsed.
public enum AmountError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The result would exceed `UInt64.max` base units.
    case overflow
    /// The result would be negative.
    case underflow
    /// The text is not an amount such as "12.345 PAI".
    case invalidFormat(String)

    public var description: String {
        switch self {
        case .overflow: "amount overflow: more than \(UInt64.max) base units"
        case .underflow: "amount underflow: the result would be negative"
        case .invalidFormat(let text): "not an amount (expected e.g. \"12.345 PAI\", at most 8 decimals): \"\(text)\""
        }
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isWholeNumber }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
