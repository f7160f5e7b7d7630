public import PoUWCore

/// The coinbase rule: block subsidy (halving schedule) plus the block's fees go to the block's miner.
/// Pure functions of height and parameters; overflow is reported, never wrapped.
public enum BlockReward {
    /// Subsidy at `height`: `initialBlockSubsidy >> (height / subsidyHalvingInterval)`, zero after 64 halvings.
    public static func subsidy(height: UInt64, parameters: EconomicsParameters) -> Amount {
        let halvings = height / parameters.subsidyHalvingInterval
        return Amount(units: halvings >= 64 ? 0 : parameters.initialBlockSubsidy.units >> halvings)
    }

    /// What the coinbase of the block at `height` may claim: subsidy + fees; `nil` if that overflows.
    public static func coinbaseValue(height: UInt64, fees: Amount, parameters: EconomicsParameters) -> Amount? {
        try? subsidy(height: height, parameters: parameters).adding(fees)
    }

    /// Total subsidy of blocks 0…height (PAI's `EstimateSupply`), saturating at `UInt64.max` units; the ticket
    /// price's upper clamp divides this by the pool target. Add any genesis allocation before passing it on.
    public static func estimatedSupply(height: UInt64, parameters: EconomicsParameters) -> Amount {
        let interval = parameters.subsidyHalvingInterval
        var supply = UInt128(0)
        var subsidy = UInt128(parameters.initialBlockSubsidy.units)
        var remaining = UInt128(height) + 1
        while remaining > 0 && subsidy > 0 {
            let blocks = min(remaining, UInt128(interval))
            supply += blocks * subsidy
            remaining -= blocks
            subsidy >>= 1
        }
        return Amount(units: supply > UInt128(UInt64.max) ? UInt64.max : UInt64(supply))
    }
}
