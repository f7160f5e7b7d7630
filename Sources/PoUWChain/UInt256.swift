public import PoUWCore

/// A fixed-width 256-bit unsigned integer for proof-of-work targets and cumulative chain work.
///
/// Guarantees: value semantics; arithmetic that can overflow says so (`addingReportingOverflow`,
/// `multipliedReportingOverflow`) instead of wrapping silently; ordering is numeric. A `Hash256` read as a number
/// is big-endian: its first byte is the most significant.
public struct UInt256: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Limbs, least significant first.
    public private(set) var limbs: (UInt64, UInt64, UInt64, UInt64)

    public init(limbs l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) {
        limbs = (l0, l1, l2, l3)
    }

    public init(_ value: UInt64) { self.init(limbs: value, 0, 0, 0) }

    public static let zero = UInt256(0)
    public static let one = UInt256(1)
    public static let max = UInt256(limbs: .max, .max, .max, .max)

    /// The hash's 32 bytes as a big-endian number.
    public init(_ hash: Hash256) { self.init(limbs: hash.w3, hash.w2, hash.w1, hash.w0) }

    /// The number as a big-endian `Hash256` (for storage and display).
    public var hash256: Hash256 { Hash256(w0: limbs.3, w1: limbs.2, w2: limbs.1, w3: limbs.0) }

    /// 32 big-endian bytes.
    public var bigEndianBytes: [UInt8] { hash256.bytes }

    /// Parses 32 big-endian bytes; `nil` for any other length.
    public init?(bigEndianBytes bytes: [UInt8]) {
        guard let h = Hash256(bytes: bytes) else { return nil }
        self.init(h)
    }

    subscript(index: Int) -> UInt64 {
        get {
            switch index {
            case 0: limbs.0
            case 1: limbs.1
            case 2: limbs.2
            default: limbs.3
            }
        }
        set {
            switch index {
            case 0: limbs.0 = newValue
            case 1: limbs.1 = newValue
            case 2: limbs.2 = newValue
            default: limbs.3 = newValue
            }
        }
    }

    public var isZero: Bool { limbs.0 | limbs.1 | limbs.2 | limbs.3 == 0 }

    /// Number of significant bits (0 for zero).
    public var bitWidth: Int {
        for i in stride(from: 3, through: 0, by: -1) where self[i] != 0 {
            return i * 64 + (64 - self[i].leadingZeroBitCount)
        }
        return 0
    }

    public static func == (lhs: UInt256, rhs: UInt256) -> Bool {
        lhs.limbs.0 == rhs.limbs.0 && lhs.limbs.1 == rhs.limbs.1 && lhs.limbs.2 == rhs.limbs.2
            && lhs.limbs.3 == rhs.limbs.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(limbs.0)
        hasher.combine(limbs.1)
        hasher.combine(limbs.2)
        hasher.combine(limbs.3)
    }

    public static func < (lhs: UInt256, rhs: UInt256) -> Bool {
        (lhs.limbs.3, lhs.limbs.2, lhs.limbs.1, lhs.limbs.0) < (rhs.limbs.3, rhs.limbs.2, rhs.limbs.1, rhs.limbs.0)
    }

    public func addingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        var out = UInt256.zero
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (s1, o1) = self[i].addingReportingOverflow(other[i])
            let (s2, o2) = s1.addingReportingOverflow(carry)
            out[i] = s2
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        return (out, carry != 0)
    }

    public func subtractingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        var out = UInt256.zero
        var borrow: UInt64 = 0
        for i in 0..<4 {
            let (d1, o1) = self[i].subtractingReportingOverflow(other[i])
            let (d2, o2) = d1.subtractingReportingOverflow(borrow)
            out[i] = d2
            borrow = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        return (out, borrow != 0)
    }

    /// `self × factor`; `overflow` when the product needs more than 256 bits.
    public func multipliedReportingOverflow(by factor: UInt64) -> (partialValue: UInt256, overflow: Bool) {
        var out = UInt256.zero
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (hi, lo) = self[i].multipliedFullWidth(by: factor)
            let (sum, o) = lo.addingReportingOverflow(carry)
            out[i] = sum
            carry = hi &+ (o ? 1 : 0)
        }
        return (out, carry != 0)
    }

    /// `self ÷ divisor` and the remainder. Traps on a zero divisor (a programmer error).
    public func quotientAndRemainder(dividingBy divisor: UInt64) -> (quotient: UInt256, remainder: UInt64) {
        precondition(divisor != 0, "division by zero")
        var out = UInt256.zero
        var rem: UInt64 = 0
        for i in stride(from: 3, through: 0, by: -1) {
            let (q, r) = divisor.dividingFullWidth((rem, self[i]))
            out[i] = q
            rem = r
        }
        return (out, rem)
    }

    /// `self ÷ divisor` for a 256-bit divisor (binary long division). Traps on zero (a programmer error).
    public func quotientAndRemainder(dividingBy divisor: UInt256) -> (quotient: UInt256, remainder: UInt256) {
        precondition(!divisor.isZero, "division by zero")
        if self < divisor { return (.zero, self) }
        var quotient = UInt256.zero
        var remainder = UInt256.zero
        for bit in stride(from: bitWidth - 1, through: 0, by: -1) {
            remainder = remainder.shiftedLeft(1)
            if self.bit(bit) { remainder[0] |= 1 }
            if remainder >= divisor {
                remainder = remainder.subtractingReportingOverflow(divisor).partialValue
                quotient[bit / 64] |= 1 << UInt64(bit % 64)
            }
        }
        return (quotient, remainder)
    }

    func bit(_ index: Int) -> Bool { (self[index / 64] >> UInt64(index % 64)) & 1 == 1 }

    /// Logical shift left; bits shifted past 255 are lost.
    public func shiftedLeft(_ count: Int) -> UInt256 {
        if count <= 0 { return count == 0 ? self : shiftedRight(-count) }
        if count >= 256 { return .zero }
        var out = UInt256.zero
        let limbShift = count / 64
        let bitShift = UInt64(count % 64)
        for i in stride(from: 3, through: limbShift, by: -1) {
            var v = self[i - limbShift] << bitShift
            if bitShift > 0 && i - limbShift - 1 >= 0 { v |= self[i - limbShift - 1] >> (64 - bitShift) }
            out[i] = v
        }
        return out
    }

    /// Logical shift right.
    public func shiftedRight(_ count: Int) -> UInt256 {
        if count <= 0 { return count == 0 ? self : shiftedLeft(-count) }
        if count >= 256 { return .zero }
        var out = UInt256.zero
        let limbShift = count / 64
        let bitShift = UInt64(count % 64)
        for i in 0..<(4 - limbShift) {
            var v = self[i + limbShift] >> bitShift
            if bitShift > 0 && i + limbShift + 1 < 4 { v |= self[i + limbShift + 1] << (64 - bitShift) }
            out[i] = v
        }
        return out
    }

    /// Lowercase hex, 64 digits, most significant first.
    public var hex: String { hash256.hex }

    public var description: String { "0x" + hex }

    /// The value as a `Double` (for display only; never in consensus).
    public var approximateDouble: Double {
        var d = 0.0
        for i in stride(from: 3, through: 0, by: -1) { d = d * 18_446_744_073_709_551_616.0 + Double(self[i]) }
        return d
    }
}
