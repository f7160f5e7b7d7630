/// Bitcoin's compact ("nBits") form of a 256-bit target: `bits = exponent << 24 | mantissa`, value
/// `mantissa × 256^(exponent − 3)` with a 23-bit mantissa (bit 23 would be a sign bit and is never set).
///
/// Guarantees: `decode` rejects negative and overflowing encodings and zero targets with a named error;
/// `encode(decode(bits)) == bits` for every bits value that `encode` can produce (the canonical form).
public enum CompactTarget {
    /// Why a `bits` value is not a usable target.
    public enum Error: Swift.Error, Sendable, Equatable {
        case negative(bits: UInt32)
        case overflow(bits: UInt32)
        case zero(bits: UInt32)
        case nonCanonical(bits: UInt32)
    }

    /// The target encoded by `bits`.
    public static func decode(_ bits: UInt32) throws(Error) -> UInt256 {
        let exponent = Int(bits >> 24)
        let mantissa = UInt64(bits & 0x007f_ffff)
        if bits & 0x0080_0000 != 0 && mantissa != 0 { throw .negative(bits: bits) }
        if mantissa == 0 { throw .zero(bits: bits) }
        let value: UInt256
        if exponent <= 3 {
            value = UInt256(mantissa >> UInt64(8 * (3 - exponent)))
        } else {
            let significant = 64 - mantissa.leadingZeroBitCount
            if significant + 8 * (exponent - 3) > 256 { throw .overflow(bits: bits) }
            value = UInt256(mantissa).shiftedLeft(8 * (exponent - 3))
        }
        if value.isZero { throw .zero(bits: bits) }
        if encode(value) != bits { throw .nonCanonical(bits: bits) }
        return value
    }

    /// The canonical compact form of `target` (rounding down to 23 bits of mantissa, as Bitcoin does).
    public static func encode(_ target: UInt256) -> UInt32 {
        var size = (target.bitWidth + 7) / 8
        var mantissa: UInt64
        if size <= 3 {
            mantissa = target[0] << UInt64(8 * (3 - size))
        } else {
            mantissa = target.shiftedRight(8 * (size - 3))[0]
        }
        if mantissa & 0x0080_0000 != 0 {
            mantissa >>= 8
            size += 1
        }
        return UInt32(size) << 24 | UInt32(mantissa & 0x007f_ffff)
    }

    /// Expected number of hashes to find a header at or below `target`: ⌊2^256 ÷ (target + 1)⌋.
    public static func work(forTarget target: UInt256) -> UInt256 {
        // 2^256 / (t+1) == (~t / (t+1)) + 1, which stays within 256 bits.
        if target.isZero { return .max }  // 2^256 saturated; decode never yields a zero target
        let (plusOne, overflow) = target.addingReportingOverflow(.one)
        if overflow { return .one }
        let inverted = UInt256(limbs: ~target[0], ~target[1], ~target[2], ~target[3])
        return inverted.quotientAndRemainder(dividingBy: plusOne).quotient.addingReportingOverflow(.one).partialValue
    }
}
