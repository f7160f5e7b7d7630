/// The ticket price rule: Project PAI's port of Decred's DCP0001 stake difficulty (`CalcNextStakeDiffV2` in
/// `projectpai/paicoin` `src/pow.cpp`), in integer arithmetic.
///
/// At each retarget height (a multiple of `priceWindow`):
///
///     next = cur × pool² / (prevPool × ticketsPerBlock × (poolTarget + maturity))
///
/// where `pool` is the number of live + immature tickets now and `prevPool` the same count at the previous
/// retarget. The result is clamped to `[minimumTicketPrice, estimatedSupply / poolTarget]` (upper clamp first, so
/// the minimum wins if they cross, as in paicoin). Intermediates are 128-bit, so no input can overflow.
public enum TicketPrice {
    /// One retarget step. `previousPoolSize == 0` keeps the current price (paicoin: "avoid division by zero and
    /// encourage initial pool population").
    public static func next(
        current: UInt64,
        previousPoolSize: UInt64,
        currentPoolSize: UInt64,
        estimatedSupply: UInt64,
        parameters: EconomicsParameters
    ) -> UInt64 {
        guard previousPoolSize > 0 else { return current }
        let pool = UInt128(currentPoolSize)
        let raw =
            UInt128(current) * pool * pool / UInt128(previousPoolSize)
            / UInt128(parameters.targetPoolSizeAll)
        let maximum = UInt128(estimatedSupply / UInt64(parameters.ticketPoolTarget))
        var price = min(raw, maximum)
        price = max(price, UInt128(parameters.minimumTicketPrice))
        // price ≤ max(maximum, minimum), both of which fit 64 bits.
        return UInt64(price)
    }

    /// The price in force for the block at `height`, given the price of the block before it.
    ///
    /// Heights below `ticketMaturity + 1` use the minimum (no ticket can be live yet); heights that are not a
    /// multiple of `priceWindow` keep the previous price; retarget heights apply `next`.
    public static func forBlock(
        height: UInt64,
        previousBlockPrice: UInt64,
        poolSizeAtPreviousRetarget: UInt64,
        poolSizeNow: UInt64,
        estimatedSupply: UInt64,
        parameters: EconomicsParameters
    ) -> UInt64 {
        if height < UInt64(parameters.ticketMaturity) + 1 { return parameters.minimumTicketPrice }
        if height % UInt64(parameters.priceWindow) != 0 { return previousBlockPrice }
        return next(
            current: previousBlockPrice,
            previousPoolSize: poolSizeAtPreviousRetarget,
            currentPoolSize: poolSizeNow,
            estimatedSupply: estimatedSupply,
            parameters: parameters
        )
    }
}
