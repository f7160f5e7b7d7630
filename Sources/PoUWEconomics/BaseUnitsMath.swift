/// Checked base-unit arithmetic the rules share (amounts are `Amount`, integer base units). Nothing here rounds
/// silently: every division states where its remainder goes.
enum BaseUnits {
    /// `value × numerator / denominator`, floored, computed in 128 bits so the product cannot overflow.
    /// Returns `nil` when the quotient does not fit 64 bits or the denominator is zero.
    static func mulDiv(_ value: UInt64, _ numerator: UInt64, _ denominator: UInt64) -> UInt64? {
        guard denominator != 0 else { return nil }
        let quotient = UInt128(value) * UInt128(numerator) / UInt128(denominator)
        return quotient > UInt128(UInt64.max) ? nil : UInt64(quotient)
    }

    /// The sum of `values`, or `nil` on overflow.
    static func sum(_ values: some Sequence<UInt64>) -> UInt64? {
        var total: UInt64 = 0
        for value in values {
            let (next, overflow) = total.addingReportingOverflow(value)
            if overflow { return nil }
            total = next
        }
        return total
    }
}
