/// Amounts are integer base units (1 PAI = 10^8 base units); this namespace holds the checked arithmetic the
/// rules share. Nothing here rounds silently: every division states where its remainder goes.
public enum BaseUnits {
    /// Base units in one PAI.
    public static let perCoin: UInt64 = 100_000_000

    /// `value × numerator / denominator`, floored, computed in 128 bits so the product cannot overflow.
    /// Returns `nil` when the quotient does not fit 64 bits or the denominator is zero.
    public static func mulDiv(_ value: UInt64, _ numerator: UInt64, _ denominator: UInt64) -> UInt64? {
        guard denominator != 0 else { return nil }
        let quotient = UInt128(value) * UInt128(numerator) / UInt128(denominator)
        return quotient > UInt128(UInt64.max) ? nil : UInt64(quotient)
    }

    /// The sum of `values`, or `nil` on overflow.
    public static func sum(_ values: some Sequence<UInt64>) -> UInt64? {
        var total: UInt64 = 0
        for value in values {
            let (next, overflow) = total.addingReportingOverflow(value)
            if overflow { return nil }
            total = next
        }
        return total
    }
}
