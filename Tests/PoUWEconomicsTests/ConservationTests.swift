import PoUWCore
import PoUWEconomics
import Testing

/// A miniature ledger driven only by the economics rules: balances, locked ticket stakes and task escrows.
/// Every step must keep `Σ balances + Σ locked + Σ escrow = genesis + subsidies − burns`.
private struct MiniLedger {
    var balances: [Address: UInt64] = [:]
    var locked: [Hash256: (ticket: Ticket, stake: UInt64)] = [:]
    var escrows: [Hash256: (client: Address, amount: UInt64)] = [:]
    var used: Set<Hash256> = []
    var usedEvidence: Set<Hash256> = []
    var minted: UInt64 = 0
    var burned: UInt64 = 0
    let genesis: UInt64

    init(accounts: [Address], each: UInt64) {
        for a in accounts { balances[a] = each }
        genesis = each * UInt64(accounts.count)
    }

    var supply: UInt64 {
        balances.values.reduce(0, +) + locked.values.reduce(0) { $0 + $1.stake }
            + escrows.values.reduce(0) { $0 + $1.amount }
    }

    var expected: UInt64 { genesis + minted - burned }
}

@Suite("Conservation over a simulated chain")
struct ConservationTests {
    @Test("tickets, tasks, settlements, slashing, expiries and subsidies never create or lose a unit")
    func simulatedChain() throws {
        let params = EconomicsParameters.local
        let accounts = (1...12).map { address(UInt8($0)) }
        var ledger = MiniLedger(accounts: accounts, each: 1_000 * Amount.unitsPerPAI)
        var rng = SplitMix64(seed: 2026)
        var price = params.minimumTicketPrice
        var poolAtRetarget: UInt64 = 0
        var counter = 0
        for height in UInt64(1)...600 {
            // Coinbase to a random miner.
            let subsidy = BlockReward.subsidy(height: height, parameters: params).units
            ledger.balances[accounts[Int(rng.next() % 12)], default: 0] += subsidy
            ledger.minted += subsidy
            // Ticket price at retarget heights.
            let pool = UInt64(ledger.locked.count)
            let next = TicketPrice.forBlock(
                height: height,
                previousBlockPrice: price,
                poolSizeAtPreviousRetarget: poolAtRetarget,
                poolSizeNow: pool,
                estimatedSupply: BlockReward.estimatedSupply(height: height, parameters: params),
                parameters: params
            )
            if height % UInt64(params.priceWindow) == 0 { poolAtRetarget = pool }
            price = next
            // A few purchases; rejected ones change nothing.
            for _ in 0..<Int(rng.next() % 3) {
                let buyer = accounts[Int(rng.next() % 12)]
                let stake = price.units * (rng.next() % 4) + rng.next() % price.units
                counter += 1
                guard (ledger.balances[buyer] ?? 0) >= stake,
                    let t = try? TicketRules.purchase(
                        id: hashOf("ticket \(counter)"),
                        owner: buyer,
                        role: Role.allCases[Int(rng.next() % 4)] == .supervisor ? .evaluator : .miner,
                        stake: Amount(units: stake),
                        preferences: computePreferences(),
                        vrfPublicKey: testVRFPublicKey,
                        height: height,
                        price: price,
                        parameters: params
                    )
                else { continue }
                ledger.balances[buyer]! -= stake
                ledger.locked[t.id] = (t, stake)
            }
            // Expiries return stakes.
            let releases = TicketRules.releases(
                at: height,
                tickets: ledger.locked.values.map(\.ticket),
                usedTickets: ledger.used,
                parameters: params
            )
            for r in releases {
                ledger.balances[r.owner, default: 0] += r.amount.units
                ledger.locked[r.ticket] = nil
            }
            // Sometimes a client posts a task; sometimes a task settles; sometimes a cheat is slashed.
            if rng.next() % 10 == 0 {
                let client = accounts[Int(rng.next() % 12)]
                let fee = min(ledger.balances[client] ?? 0, rng.next() % (50 * Amount.unitsPerPAI))
                ledger.balances[client]! -= fee
                ledger.escrows[hashOf("task \(height)")] = (client, fee)
            }
            if rng.next() % 7 == 0, let (taskId, escrow) = ledger.escrows.min(by: { $0.key < $1.key }) {
                let live = ledger.locked.values.map(\.ticket).filter {
                    $0.status(at: height, used: ledger.used.contains($0.id), parameters: params) == .live
                }
                let miners = live.filter { $0.role == .miner }.prefix(3)
                let evaluators = live.filter { $0.role == .evaluator }.prefix(1)
                let input = SettlementInput(
                    client: escrow.client,
                    escrow: Amount(units: escrow.amount),
                    miners: miners.map {
                        MinerContribution(
                            account: $0.owner,
                            qualityPPM: UInt32(rng.next() % 1_000_000),
                            verifiedIterations: rng.next() % 100
                        )
                    },
                    supervisors: [],
                    evaluators: evaluators.map(\.owner),
                    verifierCharges: []
                )
                guard let table = try? PayoutRules.settle(input, parameters: params) else { continue }
                for line in table.lines { ledger.balances[line.account, default: 0] += line.net.units }
                ledger.escrows[taskId] = nil
                // Used tickets' stakes return at settlement, except a proven cheat's, which is slashed.
                let seated = Array(miners) + Array(evaluators)
                for (index, t) in seated.enumerated() {
                    ledger.used.insert(t.id)
                    guard let stake = ledger.locked[t.id]?.stake else { continue }
                    ledger.locked[t.id] = nil
                    if index == 0 && rng.next() % 3 == 0 {
                        let evidence = Evidence(
                            kind: .failedReplay,
                            taskId: taskId,
                            offender: t.owner,
                            offenderTicket: t.id,
                            payload: Array("cheat \(t.id)".utf8)
                        )
                        let honest = seated.dropFirst().map(\.owner).filter { $0 != t.owner }
                        let outcome = try SlashingRules.confiscate(
                            evidence,
                            usedEvidence: ledger.usedEvidence,
                            offenderTicketStake: Amount(units: stake),
                            honestParticipants: honest,
                            checker: ReplayTable(cheats: [Hash256.sha256(evidence.payload)])
                        )
                        ledger.usedEvidence.insert(outcome.evidenceId)
                        for share in outcome.shares { ledger.balances[share.account, default: 0] += share.amount.units }
                        ledger.burned += outcome.burned.units
                        // The same evidence again is refused.
                        #expect(throws: SlashingRejection.evidenceReused(evidence.id)) {
                            try SlashingRules.confiscate(
                                evidence,
                                usedEvidence: ledger.usedEvidence,
                                offenderTicketStake: Amount(units: stake),
                                honestParticipants: honest,
                                checker: ReplayTable(cheats: [Hash256.sha256(evidence.payload)])
                            )
                        }
                    } else {
                        ledger.balances[t.owner, default: 0] += stake
                    }
                }
            }
            #expect(ledger.supply == ledger.expected, "height \(height)")
        }
        #expect(ledger.usedEvidence.count > 0)
        #expect(ledger.minted > 0)
    }
}
