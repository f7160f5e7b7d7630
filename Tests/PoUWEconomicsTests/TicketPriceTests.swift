import PoUWCore
import PoUWEconomics
import Testing

@Suite("Ticket price (PAI/Decred DCP0001 rule)")
struct TicketPriceTests {
    let mainnet = EconomicsParameters.paiMainnet
    let supply = Amount(units: 4_000_000_000 * Amount.unitsPerPAI)

    @Test("target pool size is ticketsPerBlock × (poolTarget + maturity)")
    func targetPool() {
        #expect(mainnet.targetPoolSizeAll == 5 * (8192 + 256))
        #expect(EconomicsParameters.local.targetPoolSizeAll == 5 * (64 + 8))
    }

    @Test("worked example: the pool grows 10 % over a window above target, the price rises")
    func workedExample() {
        // cur = 100 PAI, prevPool = 40 000, pool = 44 000, target = 42 240:
        // next = 100e8 × 44 000² / (40 000 × 42 240) = 11 458 333 333 units (114.58333333 PAI).
        let next = TicketPrice.next(
            current: pai(100),
            previousPoolSize: 40_000,
            currentPoolSize: 44_000,
            estimatedSupply: supply,
            parameters: mainnet
        )
        #expect(next == units(11_458_333_333))
    }

    @Test("a pool steady at target keeps the price")
    func equilibrium() {
        let target = mainnet.targetPoolSizeAll
        let next = TicketPrice.next(
            current: pai(50),
            previousPoolSize: target,
            currentPoolSize: target,
            estimatedSupply: supply,
            parameters: mainnet
        )
        #expect(next == pai(50))
    }

    @Test("clamps: never below the minimum, never above supply / poolTarget")
    func clamps() {
        let low = TicketPrice.next(
            current: pai(3),
            previousPoolSize: 40_000,
            currentPoolSize: 100,
            estimatedSupply: supply,
            parameters: mainnet
        )
        #expect(low == mainnet.minimumTicketPrice)
        let high = TicketPrice.next(
            current: Amount(units: UInt64.max / 2),
            previousPoolSize: 1,
            currentPoolSize: UInt64(UInt32.max),
            estimatedSupply: supply,
            parameters: mainnet
        )
        #expect(high == Amount(units: supply.units / 8192))
        // With a tiny supply the maximum falls below the minimum; the minimum wins (paicoin order).
        let crossed = TicketPrice.next(
            current: pai(10),
            previousPoolSize: 10,
            currentPoolSize: 20,
            estimatedSupply: pai(1),
            parameters: mainnet
        )
        #expect(crossed == mainnet.minimumTicketPrice)
    }

    @Test("no previous pool keeps the price; only retarget heights change it")
    func schedule() {
        #expect(
            TicketPrice.next(
                current: pai(7),
                previousPoolSize: 0,
                currentPoolSize: 500,
                estimatedSupply: supply,
                parameters: mainnet
            ) == pai(7)
        )
        func price(at height: UInt64) -> Amount {
            TicketPrice.forBlock(
                height: height,
                previousBlockPrice: pai(7),
                poolSizeAtPreviousRetarget: 40_000,
                poolSizeNow: 44_000,
                estimatedSupply: supply,
                parameters: mainnet
            )
        }
        #expect(price(at: 100) == mainnet.minimumTicketPrice)  // before any ticket can mature
        #expect(price(at: 300) == pai(7))  // not a multiple of 144
        #expect(price(at: 432) > pai(7))  // retarget (3 × 144)
    }

    @Test("extreme inputs never overflow or trap")
    func extremes() {
        for current in [UInt64(0), 1, UInt64.max] {
            for pool in [UInt64(0), 1, UInt64.max] {
                for prev in [UInt64(1), UInt64.max] {
                    let next = TicketPrice.next(
                        current: Amount(units: current),
                        previousPoolSize: prev,
                        currentPoolSize: pool,
                        estimatedSupply: Amount(units: UInt64.max),
                        parameters: mainnet
                    )
                    #expect(next >= mainnet.minimumTicketPrice)
                    #expect(next.units <= max(UInt64.max / 8192, mainnet.minimumTicketPrice.units))
                }
            }
        }
    }

    @Test("block reward halves on schedule and estimated supply sums it")
    func blockReward() {
        let local = EconomicsParameters.local
        #expect(BlockReward.subsidy(height: 0, parameters: local) == pai(1500))
        #expect(BlockReward.subsidy(height: 9_999, parameters: local) == pai(1500))
        #expect(BlockReward.subsidy(height: 10_000, parameters: local) == pai(750))
        #expect(BlockReward.subsidy(height: 64 * 10_000, parameters: local) == .zero)
        #expect(
            BlockReward.coinbaseValue(height: 0, fees: units(5), parameters: local) == units(1500 * 100_000_000 + 5)
        )
        #expect(BlockReward.coinbaseValue(height: 0, fees: Amount(units: UInt64.max), parameters: local) == nil)
        // Blocks 0…10 000: 10 000 at 1500 PAI and one at 750 PAI.
        #expect(BlockReward.estimatedSupply(height: 10_000, parameters: local) == pai(10_000 * 1500 + 750))
    }
}
