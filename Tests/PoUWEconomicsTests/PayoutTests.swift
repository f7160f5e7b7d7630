import PoUWCore
import PoUWEconomics
import Testing

@Suite("Payout at TASK_RESULT")
struct PayoutTests {
    let params = EconomicsParameters.local  // quality 50 %, quota 10 %, verifier fee 0.01 PAI per block

    @Test("exact split: largest remainder, ties to the lower key, always adds up")
    func exactSplit() {
        #expect(
            ExactSplit.proportional(10, weights: [(key: 1, weight: 1), (key: 2, weight: 1), (key: 3, weight: 1)]) == [
                1: 4, 2: 3, 3: 3,
            ]
        )
        #expect(
            ExactSplit.proportional(100, weights: [(key: "a", weight: 1), (key: "b", weight: 2)]) == ["a": 33, "b": 67]
        )
        #expect(ExactSplit.proportional(5, weights: [(key: 1, weight: 0)]) == nil)
        #expect(ExactSplit.equal(5, among: [Int]()) == nil)
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let n = Int(rng.next() % 12) + 1
            let total = rng.next() >> (rng.next() % 64)
            let weights = (0..<n).map { (key: $0, weight: rng.next() >> (rng.next() % 64)) }
            guard let parts = ExactSplit.proportional(total, weights: weights) else {
                #expect(weights.allSatisfy { $0.weight == 0 })
                continue
            }
            #expect(parts.values.reduce(UInt128(0)) { $0 + UInt128($1) } == UInt128(total))
        }
    }

    /// The worked example of Docs/economics.md.
    func example() -> SettlementInput {
        SettlementInput(
            client: address(100),
            escrow: units(1_000_003),
            miners: [
                MinerContribution(account: address(1), qualityPPM: 912_000, verifiedIterations: 40),
                MinerContribution(account: address(2), qualityPPM: 887_000, verifiedIterations: 35),
                MinerContribution(account: address(3), qualityPPM: 0, verifiedIterations: 25),
            ],
            supervisors: [address(20), address(21)],
            evaluators: [address(30)],
            verifierCharges: [VerifierCharge(verifier: address(40), miner: address(1), blocksChecked: 2)]
        )
    }

    @Test("worked example: every unit accounted for, remainders by the stated rule")
    func workedExample() throws {
        let small = EconomicsParameters(
            ticketPoolTarget: 64,
            ticketsPerBlock: 5,
            ticketMaturity: 8,
            ticketExpiry: 320,
            priceWindow: 8,
            minimumTicketPrice: units(1),
            maxFreshTicketsPerBlock: 20,
            maxLotsPerTicket: 16,
            qualityWeightBps: 5000,
            supervisorEvaluatorQuotaBps: 1000,
            verifierFeePerBlock: units(1000),
            initialBlockSubsidy: units(1),
            subsidyHalvingInterval: 1
        )
        let table = try PayoutRules.settle(example(), parameters: small)
        try table.validate()
        // Quota = floor(1 000 003 × 0.1) = 100 000 over 3 seats: 33 334 to the lowest account, 33 333 to the others.
        #expect(table.line(for: address(20))?.quota == units(33_334))
        #expect(table.line(for: address(21))?.quota == units(33_333))
        #expect(table.line(for: address(30))?.quota == units(33_333))
        // Miners' pool 900 003: quality 450 001 ∝ (912 000, 887 000, 0), work 450 002 ∝ (40, 35, 25).
        #expect(table.line(for: address(1))?.quality == units(228_127))
        #expect(table.line(for: address(2))?.quality == units(221_874))
        #expect(table.line(for: address(3))?.quality == .zero)
        #expect(table.line(for: address(1))?.work == units(180_001))
        #expect(table.line(for: address(2))?.work == units(157_501))
        #expect(table.line(for: address(3))?.work == units(112_500))
        // Miner 1 pays verifier 40 for 2 blocks at 1000 units.
        #expect(table.line(for: address(1))?.verificationPaid == units(2000))
        #expect(table.line(for: address(40))?.verification == units(2000))
        #expect(table.line(for: address(1))?.net == units(228_127 + 180_001 - 2000))
        #expect(table.totalPaid == 1_000_003)
        #expect(try PayoutTable(canonicalBytes: table.canonicalBytes) == table)
    }

    @Test("property: random settlements always pay exactly the escrow, never a negative line")
    func conservationProperty() throws {
        var rng = SplitMix64(seed: 7)
        for round in 0..<1500 {
            let minerCount = Int(rng.next() % 6)
            let miners = (0..<minerCount).map { i in
                MinerContribution(
                    account: address(UInt8(i + 1)),
                    qualityPPM: rng.next() % 3 == 0 ? 0 : UInt32(rng.next() % 1_000_001),
                    verifiedIterations: rng.next() % 4 == 0 ? 0 : rng.next() % 10_000
                )
            }
            let supervisors = (0..<Int(rng.next() % 4)).map { _ in address(UInt8(20 + rng.next() % 5)) }
            let evaluators = (0..<Int(rng.next() % 3)).map { _ in address(UInt8(30 + rng.next() % 3)) }
            let charges: [VerifierCharge] =
                minerCount == 0
                ? []
                : (0..<Int(rng.next() % 5)).map { _ in
                    VerifierCharge(
                        verifier: address(UInt8(40 + rng.next() % 3)),
                        miner: address(UInt8(1 + rng.next() % UInt64(minerCount))),
                        blocksChecked: rng.next() % 50
                    )
                }
            let escrow = round % 10 == 0 ? rng.next() : rng.next() % 10_000_000
            let input = SettlementInput(
                client: address(100),
                escrow: Amount(units: escrow),
                miners: miners,
                supervisors: supervisors,
                evaluators: evaluators,
                verifierCharges: charges
            )
            let table = try PayoutRules.settle(input, parameters: params)
            #expect(table.totalPaid == UInt128(escrow))
            for line in table.lines {
                #expect(line.verificationPaid.units <= line.quality.units + line.work.units)
            }
            try PayoutRules.check(claimed: table, input: input, parameters: params)
        }
    }

    @Test("nobody to pay: the client is refunded")
    func refund() throws {
        let input = SettlementInput(
            client: address(100),
            escrow: units(999),
            miners: [MinerContribution(account: address(1), qualityPPM: 0, verifiedIterations: 0)],
            supervisors: [],
            evaluators: [],
            verifierCharges: []
        )
        let table = try PayoutRules.settle(input, parameters: params)
        #expect(table.line(for: address(100))?.refund == units(999))
        #expect(table.totalPaid == 999)
    }

    @Test("a miner pays verifiers at most what it earned, split by blocks")
    func verifierCap() throws {
        let input = SettlementInput(
            client: address(100),
            escrow: units(1_000),
            miners: [MinerContribution(account: address(1), qualityPPM: 1, verifiedIterations: 1)],
            supervisors: [],
            evaluators: [],
            verifierCharges: [
                VerifierCharge(verifier: address(40), miner: address(1), blocksChecked: 1),
                VerifierCharge(verifier: address(41), miner: address(1), blocksChecked: 2),
            ]
        )
        let table = try PayoutRules.settle(input, parameters: params)  // fee 1 000 000 units per block ≫ 1 000
        #expect(table.line(for: address(1))?.net == .zero)
        #expect(table.line(for: address(40))?.verification == units(333))
        #expect(table.line(for: address(41))?.verification == units(667))
    }

    @Test(
        "rejections: duplicate miner, quality out of range, charge for a non-miner, table that does not add up, altered table"
    )
    func rejections() throws {
        let m = MinerContribution(account: address(1), qualityPPM: 5, verifiedIterations: 5)
        func input(miners: [MinerContribution], charges: [VerifierCharge] = []) -> SettlementInput {
            SettlementInput(
                client: address(100),
                escrow: units(100),
                miners: miners,
                supervisors: [],
                evaluators: [],
                verifierCharges: charges
            )
        }
        #expect(throws: SettlementError.duplicateMiner(address(1))) {
            try PayoutRules.settle(input(miners: [m, m]), parameters: params)
        }
        let bad = MinerContribution(account: address(1), qualityPPM: 1_000_001, verifiedIterations: 5)
        #expect(throws: SettlementError.qualityOutOfRange(address(1), qualityPPM: 1_000_001)) {
            try PayoutRules.settle(input(miners: [bad]), parameters: params)
        }
        let stray = VerifierCharge(verifier: address(40), miner: address(9), blocksChecked: 1)
        #expect(throws: SettlementError.chargeForUnknownMiner(verifier: address(40), miner: address(9))) {
            try PayoutRules.settle(input(miners: [m], charges: [stray]), parameters: params)
        }
        let good = try PayoutRules.settle(example(), parameters: params)
        var lines = good.lines
        lines[0].quality = Amount(units: lines[0].quality.units + 1)
        let inflated = PayoutTable(escrow: good.escrow, lines: lines)
        #expect(throws: SettlementError.doesNotAddUp(paid: good.totalPaid + 1, escrow: good.escrow)) {
            try PayoutRules.check(claimed: inflated, input: example(), parameters: params)
        }
        // Move one unit between two miners: adds up, but is not what the rules give.
        lines = good.lines
        let i = lines.firstIndex { $0.account == address(1) }!
        let j = lines.firstIndex { $0.account == address(2) }!
        lines[i].work = Amount(units: lines[i].work.units - 1)
        lines[j].work = Amount(units: lines[j].work.units + 1)
        #expect(throws: SettlementError.self) {
            try PayoutRules.check(
                claimed: PayoutTable(escrow: good.escrow, lines: lines),
                input: example(),
                parameters: params
            )
        }
    }
}

@Suite("TASK_RESULT signers")
struct TaskResultTests {
    let seats = [1, 2, 3].map { Seat(ticket: hashOf("e\($0)"), owner: address(UInt8($0)), lot: 0, draw: .zero) }

    @Test("a strict majority of the selected evaluators must sign, and nobody else")
    func signers() {
        #expect(throws: Never.self) {
            try TaskResultRules.checkSigners([address(1), address(3)], evaluatorSeats: seats)
        }
        #expect(throws: TaskResultRejection.tooFewEvaluatorSignatures(signed: 1, needed: 2)) {
            try TaskResultRules.checkSigners([address(2)], evaluatorSeats: seats)
        }
        #expect(throws: TaskResultRejection.signerNotSelected(address(9))) {
            try TaskResultRules.checkSigners([address(1), address(2), address(9)], evaluatorSeats: seats)
        }
        #expect(throws: TaskResultRejection.tooFewEvaluatorSignatures(signed: 0, needed: 1)) {
            try TaskResultRules.checkSigners([], evaluatorSeats: [])
        }
    }
}
