/// The coinbase rule: block subsidy (halving schedule) plus the block's fees go to the block's miner.
/// Pure functions of height and parameters; overflow is reported, never wrapped.
public enum BlockReward {
    /// Subsidy at `height`: `initialBlockSubsidy >> (height / subsidyHalvingInterval)`, zero after 64 halvings.
    public static func subsidy(height: UInt64, parameters: EconomicsParameters) -> UInt64 {
        let halvings = height / parameters.subsidyHalvingInterval
        return halvings >= 64 ? 0 : parameters.initialBlockSubsidy >> halvings
    }

    /// What the coinbase of the block at `height` may claim: subsidy + fees; `nil` if that overflows.
    public static func coinbaseValue(height: UInt64, fees: UInt64, parameters: EconomicsParameters) -> UInt64? {
        BaseUnits.sum([subsidy(height: height, parameters: parameters), fees])
    }

    /// Total subsidy of blocks 0…height (PAI's `EstimateSupply`), saturating at `UInt64.max`; the ticket price's
    /// upper clamp divides this by the pool target. Add any genesis allocation before passing it on.
    public static func estimatedSupply(height: UInt64, parameters: EconomicsParameters) -> UInt64 {
        let interval = parameters.subsidyHalvingInterval
        var supply = UInt128(0)
        var subsidy = UInt128(parameters.initialBlockSubsidy)
        var remaining = UInt128(height) + 1
        while remaining > 0 && subsidy > 0 {
            let blocks = min(remaining, UInt128(interval))
            supply += blocks * subsidy
            remaining -= blocks
            subsidy >>= 1
        }
        return supply > UInt128(UInt64.max) ? UInt64.max : UInt64(supply)
    }
}
