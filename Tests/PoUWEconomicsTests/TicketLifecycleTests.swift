import PoUWCore
import PoUWEconomics
import Testing

@Suite("Ticket purchase, use and expiry")
struct TicketLifecycleTests {
    let params = EconomicsParameters.local
    let price = Amount(units: 30_000_000)

    func buy(
        stake: Amount,
        role: Role = .miner,
        preferences: Preferences = computePreferences()
    ) throws(TicketRejection)
        -> Ticket
    {
        try TicketRules.purchase(
            id: hashOf("t"),
            owner: address(1),
            role: role,
            stake: stake,
            preferences: preferences,
            vrfPublicKey: testVRFPublicKey,
            height: 100,
            price: price,
            parameters: params
        )
    }

    @Test("lots = floor(stake / price)")
    func lots() throws {
        #expect(try buy(stake: price).lots == 1)
        #expect(try buy(stake: Amount(units: price.units * 5 + price.units - 1)).lots == 5)
    }

    @Test("rejections at purchase: stake below price, above the lot cap, wrong preference kind, too many per block")
    func purchaseRejections() {
        #expect(throws: TicketRejection.stakeBelowPrice(stake: Amount(units: price.units - 1), price: price)) {
            try buy(stake: Amount(units: price.units - 1))
        }
        let cap = Amount(units: price.units * UInt64(params.maxLotsPerTicket))
        #expect(throws: TicketRejection.stakeAboveLotCap(stake: Amount(units: cap.units + price.units), cap: cap)) {
            try buy(stake: Amount(units: cap.units + price.units))
        }
        #expect(throws: TicketRejection.preferencesDoNotMatchRole(role: .supervisor, kind: .compute)) {
            try buy(stake: price, role: .supervisor)
        }
        #expect(throws: TicketRejection.tooManyFreshTickets(count: 21, limit: 20)) {
            try TicketRules.checkFreshCount(21, parameters: params)
        }
        #expect(throws: Never.self) { try TicketRules.checkFreshCount(20, parameters: params) }
        #expect(throws: TicketRejection.invalidVRFKey) {
            try TicketRules.purchase(
                id: hashOf("t"),
                owner: address(1),
                role: .miner,
                stake: price,
                preferences: computePreferences(),
                vrfPublicKey: [0x05] + [UInt8](repeating: 2, count: 32),  // not a SEC1 compressed prefix
                height: 100,
                price: price,
                parameters: params
            )
        }
    }

    @Test("lifecycle: immature, live, expired; used wins")
    func lifecycle() throws {
        let t = try buy(stake: price)
        #expect(t.maturityHeight(params) == 108)
        #expect(t.expiryHeight(params) == 108 + 4096)
        #expect(t.status(at: 107, used: false, parameters: params) == .immature)
        #expect(t.status(at: 108, used: false, parameters: params) == .live)
        #expect(t.status(at: 108 + 4095, used: false, parameters: params) == .live)
        #expect(t.status(at: 108 + 4096, used: false, parameters: params) == .expired)
        #expect(t.status(at: 200, used: true, parameters: params) == .used)
    }

    @Test("rejections at use: before maturity, after expiry, double use, wrong role")
    func useRejections() throws {
        let t = try buy(stake: price)
        #expect(throws: TicketRejection.usedBeforeMaturity(ticket: t.id, height: 107, maturesAt: 108)) {
            try TicketRules.checkUse(t, role: .miner, at: 107, usedTickets: [], parameters: params)
        }
        #expect(throws: TicketRejection.usedAfterExpiry(ticket: t.id, height: 108 + 4096, expiredAt: 108 + 4096)) {
            try TicketRules.checkUse(t, role: .miner, at: 108 + 4096, usedTickets: [], parameters: params)
        }
        #expect(throws: TicketRejection.doubleUse(ticket: t.id)) {
            try TicketRules.checkUse(t, role: .miner, at: 200, usedTickets: [t.id], parameters: params)
        }
        #expect(throws: TicketRejection.wrongRole(ticket: t.id, ticketRole: .miner, seatRole: .evaluator)) {
            try TicketRules.checkUse(t, role: .evaluator, at: 200, usedTickets: [], parameters: params)
        }
        #expect(throws: Never.self) {
            try TicketRules.checkUse(t, role: .miner, at: 200, usedTickets: [], parameters: params)
        }
    }

    @Test("stake is returned exactly once, at expiry, and only for unused tickets")
    func releases() throws {
        let a = ticket("a", owner: address(1), purchasedAt: 0)
        let b = ticket("b", owner: address(2), purchasedAt: 0)
        let c = ticket("c", owner: address(3), purchasedAt: 5)
        let all = [a, b, c]
        var released: [Hash256: Int] = [:]
        for height in UInt64(0)..<5000 {
            for r in TicketRules.releases(at: height, tickets: all, usedTickets: [b.id], parameters: params) {
                released[r.ticket, default: 0] += 1
                #expect(r.amount == all.first { $0.id == r.ticket }!.stake)
                #expect(height == all.first { $0.id == r.ticket }!.expiryHeight(params))
            }
        }
        #expect(released == [a.id: 1, c.id: 1])
    }

    @Test("at settlement every seated ticket's stake returns once, except a slashed one")
    func settlementReleases() {
        let a = ticket("a", owner: address(1), lots: 3)
        let b = ticket("b", owner: address(2))
        let c = ticket("c", owner: address(3))
        let released = TicketRules.releasesAtSettlement(seated: [a, b, a, c], slashed: [c.id])
        #expect(Set(released.map(\.ticket)) == [a.id, b.id])
        #expect(released.count == 2)
        #expect(released.first { $0.ticket == a.id }?.amount == a.stake)
    }
}
