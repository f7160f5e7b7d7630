public import PoUWCore

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
        current: Amount,
        previousPoolSize: UInt64,
        currentPoolSize: UInt64,
        estimatedSupply: Amount,
        parameters: EconomicsParameters
    ) -> Amount {
        guard previousPoolSize > 0 else { return current }
        let maximum = UInt128(estimatedSupply.units / UInt64(parameters.ticketPoolTarget))
        let raw = scaled(current.units, currentPoolSize, previousPoolSize) / UInt128(parameters.targetPoolSizeAll)
        var price = min(raw, maximum)
        price = max(price, UInt128(parameters.minimumTicketPrice.units))
        // price ≤ max(maximum, minimum), both of which fit 64 bits.
        return Amount(units: UInt64(price))
    }

    /// The price in force for the block at `height`, given the price of the block before it.
    ///
    /// Heights below `ticketMaturity + 1` use the minimum (no ticket can be live yet); heights that are not a
    /// multiple of `priceWindow` keep the previous price; retarget heights apply `next`.
    public static func forBlock(
        height: UInt64,
        previousBlockPrice: Amount,
        poolSizeAtPreviousRetarget: UInt64,
        poolSizeNow: UInt64,
        estimatedSupply: Amount,
        parameters: EconomicsParameters
    ) -> Amount {
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

    /// `floor(cur × pool² / prev)` exactly, saturating at `UInt128.max` (which the upper clamp then caps):
    /// `cur × pool = q·prev + r`, so `cur × pool² / prev = pool·q + pool·r / prev` with every product < 2¹²⁸
    /// except `pool·q`, whose overflow means the true value is beyond any clamp anyway.
    static func scaled(_ current: UInt64, _ pool: UInt64, _ previous: UInt64) -> UInt128 {
        let x = UInt128(current) * UInt128(pool)
        let (q, r) = x.quotientAndRemainder(dividingBy: UInt128(previous))
        let (high, overflow) = q.multipliedReportingOverflow(by: UInt128(pool))
        if overflow { return .max }
        let (sum, carry) = high.addingReportingOverflow(UInt128(pool) * r / UInt128(previous))
        return carry ? .max : sum
    }
}
