/// The TASK_RESULT settlement rule: how a client's escrowed fee is paid out. Integer arithmetic only; every
/// split is an `ExactSplit` (largest remainder, ties to the lower account), so the table always adds up.
///
/// 1. Quota `Q = floor(escrow × supervisorEvaluatorQuotaBps / 10⁴)` if the task has supervisor or evaluator
///    seats (else 0), split equally among those seats.
/// 2. Miners' pool `M = escrow − Q`; quality pool `floor(M × qualityWeightBps / 10⁴)` split ∝ `qualityPPM`;
///    work pool (the rest) split ∝ `verifiedIterations`. A pool whose weights are all zero joins the other;
///    if both are all zero (or there are no miners) `M` is refunded to the client.
/// 3. Verifiers: each miner pays `verifierFeePerBlock × blocksChecked` to each verifier that checked its
///    blocks, capped at the miner's quality + work; when the cap binds, the capped amount is split ∝ blocks.
public enum PayoutRules {
    /// Computes the payout table for `input`.
    public static func settle(
        _ input: SettlementInput,
        parameters: EconomicsParameters
    ) throws(SettlementError) -> PayoutTable {
        var minerSet = Set<AccountID>()
        for miner in input.miners {
            guard minerSet.insert(miner.account).inserted else { throw .duplicateMiner(miner.account) }
            guard miner.qualityPPM <= 1_000_000 else { throw .qualityOutOfRange(miner.account, qualityPPM: miner.qualityPPM) }
        }
        for charge in input.verifierCharges where !minerSet.contains(charge.miner) {
            throw .chargeForUnknownMiner(verifier: charge.verifier, miner: charge.miner)
        }
        var lines: [AccountID: PayoutLine] = [:]
        func credit(_ account: AccountID, _ apply: (inout PayoutLine) -> Void) {
            var line = lines[account] ?? PayoutLine(account: account)
            apply(&line)
            lines[account] = line
        }

        // 1. Supervisor and evaluator quota, one equal share per seat.
        let seats = input.supervisors.map { (account: $0, isSupervisor: true) }
            + input.evaluators.map { (account: $0, isSupervisor: false) }
        // Seats in account order, so the equal split's leftover units go to the lowest accounts.
        let orderedSeats = seats.sorted { $0.account < $1.account }
        var quota: UInt64 = 0
        if !seats.isEmpty {
            quota = BaseUnits.mulDiv(input.escrow, UInt64(parameters.supervisorEvaluatorQuotaBps), 10_000) ?? 0
            let shares = ExactSplit.equal(quota, among: Array(orderedSeats.indices)) ?? [:]
            for (index, seat) in orderedSeats.enumerated() {
                credit(seat.account) { $0.quota += shares[index] ?? 0 }
            }
        }

        // 2. Miners' pool by quality and by verified work.
        let pool = input.escrow - quota
        var qualityPool = BaseUnits.mulDiv(pool, UInt64(parameters.qualityWeightBps), 10_000) ?? 0
        var workPool = pool - qualityPool
        let qualityWeights = input.miners.map { (key: $0.account, weight: UInt64($0.qualityPPM)) }
        let workWeights = input.miners.map { (key: $0.account, weight: $0.verifiedIterations) }
        let hasQuality = qualityWeights.contains { $0.weight > 0 }
        let hasWork = workWeights.contains { $0.weight > 0 }
        if !hasQuality {
            workPool += qualityPool
            qualityPool = 0
        }
        if !hasWork {
            qualityPool += workPool
            workPool = 0
        }
        if !hasQuality && !hasWork {
            credit(input.client) { $0.refund += pool }
        } else {
            for (account, amount) in ExactSplit.proportional(qualityPool, weights: qualityWeights) ?? [:] {
                credit(account) { $0.quality += amount }
            }
            for (account, amount) in ExactSplit.proportional(workPool, weights: workWeights) ?? [:] {
                credit(account) { $0.work += amount }
            }
        }

        // 3. Verifiers, paid by the miners whose blocks they checked.
        let chargesByMiner = Dictionary(grouping: input.verifierCharges, by: \.miner)
        for miner in chargesByMiner.keys.sorted() {
            let charges = chargesByMiner[miner] ?? []
            var owedByVerifier: [AccountID: UInt128] = [:]
            for charge in charges {
                owedByVerifier[charge.verifier, default: 0] +=
                    UInt128(charge.blocksChecked) * UInt128(parameters.verifierFeePerBlock)
            }
            let owed = owedByVerifier.values.reduce(UInt128(0), +)
            let earned = (lines[miner]?.quality ?? 0) + (lines[miner]?.work ?? 0)
            let paid = UInt64(min(owed, UInt128(earned)))
            let blocks = Dictionary(grouping: charges, by: \.verifier).mapValues { $0.reduce(0) { $0 + $1.blocksChecked } }
            let weights = blocks.keys.sorted().map { (key: $0, weight: blocks[$0] ?? 0) }
            let split: [AccountID: UInt64]
            if UInt128(paid) == owed {
                split = owedByVerifier.mapValues { UInt64($0) }
            } else {
                split = ExactSplit.proportional(paid, weights: weights) ?? [:]
            }
            credit(miner) { $0.verificationPaid += paid }
            for (verifier, amount) in split { credit(verifier) { $0.verification += amount } }
        }

        let table = PayoutTable(escrow: input.escrow, lines: Array(lines.values))
        try table.validate()
        return table
    }

    /// Validates a claimed table (e.g. carried by TASK_RESULT): it must add up to the escrow and equal the
    /// table the rules give for `input`.
    public static func check(
        claimed: PayoutTable,
        input: SettlementInput,
        parameters: EconomicsParameters
    ) throws(SettlementError) {
        try claimed.validate()
        guard claimed.escrow == input.escrow else {
            throw .doesNotAddUp(paid: claimed.totalPaid, escrow: input.escrow)
        }
        let expected = try settle(input, parameters: parameters)
        if expected != claimed { throw .differs(expected: expected, claimed: claimed) }
    }
}
