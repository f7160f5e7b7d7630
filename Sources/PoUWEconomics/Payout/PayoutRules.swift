import PoUWCore

/// The TASK_RESULT settlement rule: how a client's escrowed fee is paid out. Integer arithmetic only; every
/// split is an `ExactSplit` (largest remainder, ties to the lower account), so the table always adds up.
///
/// 1. Quota `Q = floor(escrow × supervisorEvaluatorQuotaBps / 10⁴)` if the task has supervisor or evaluator
///    seats (else 0), split equally among those seats (leftover units to the lowest accounts).
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
        var minerSet = Set<Address>()
        for miner in input.miners {
            guard minerSet.insert(miner.account).inserted else { throw .duplicateMiner(miner.account) }
            guard miner.qualityPPM <= 1_000_000 else {
                throw .qualityOutOfRange(miner.account, qualityPPM: miner.qualityPPM)
            }
        }
        for charge in input.verifierCharges where !minerSet.contains(charge.miner) {
            throw .chargeForUnknownMiner(verifier: charge.verifier, miner: charge.miner)
        }
        // Per account: quality, work, quota, verification, verificationPaid, refund (base units).
        var units: [Address: [UInt64]] = [:]
        func credit(_ account: Address, _ field: Int, _ amount: UInt64) {
            units[account, default: [0, 0, 0, 0, 0, 0]][field] += amount
        }
        let escrow = input.escrow.units

        // 1. Supervisor and evaluator quota, one equal share per seat.
        let seats = (input.supervisors + input.evaluators).sorted()
        var quota: UInt64 = 0
        if !seats.isEmpty {
            quota = BaseUnits.mulDiv(escrow, UInt64(parameters.supervisorEvaluatorQuotaBps), 10_000) ?? 0
            let shares = ExactSplit.equal(quota, among: Array(seats.indices)) ?? [:]
            for (index, account) in seats.enumerated() { credit(account, 2, shares[index] ?? 0) }
        }

        // 2. Miners' pool by quality and by verified work.
        let pool = escrow - quota
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
            credit(input.client, 5, pool)
        } else {
            for (account, amount) in ExactSplit.proportional(qualityPool, weights: qualityWeights) ?? [:] {
                credit(account, 0, amount)
            }
            for (account, amount) in ExactSplit.proportional(workPool, weights: workWeights) ?? [:] {
                credit(account, 1, amount)
            }
        }

        // 3. Verifiers, paid by the miners whose blocks they checked.
        let chargesByMiner = Dictionary(grouping: input.verifierCharges, by: \.miner)
        for miner in chargesByMiner.keys.sorted() {
            var blocksByVerifier: [Address: UInt64] = [:]
            for charge in chargesByMiner[miner] ?? [] {
                let (sum, overflow) = blocksByVerifier[charge.verifier, default: 0]
                    .addingReportingOverflow(charge.blocksChecked)
                blocksByVerifier[charge.verifier] = overflow ? UInt64.max : sum
            }
            let fee = UInt128(parameters.verifierFeePerBlock.units)
            let owed = blocksByVerifier.values.reduce(UInt128(0)) { $0 + UInt128($1) * fee }
            let earned = (units[miner]?[0] ?? 0) + (units[miner]?[1] ?? 0)
            let paid = UInt64(min(owed, UInt128(earned)))
            let split: [Address: UInt64]
            if UInt128(paid) == owed {
                split = blocksByVerifier.mapValues { UInt64(UInt128($0) * fee) }
            } else {
                let weights = blocksByVerifier.keys.sorted().map { (key: $0, weight: blocksByVerifier[$0] ?? 0) }
                split = ExactSplit.proportional(paid, weights: weights) ?? [:]
            }
            credit(miner, 4, paid)
            for (verifier, amount) in split { credit(verifier, 3, amount) }
        }

        let lines = units.map { account, u in
            PayoutLine(
                account: account,
                quality: Amount(units: u[0]),
                work: Amount(units: u[1]),
                quota: Amount(units: u[2]),
                verification: Amount(units: u[3]),
                verificationPaid: Amount(units: u[4]),
                refund: Amount(units: u[5])
            )
        }
        let table = PayoutTable(escrow: input.escrow, lines: lines)
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
        guard claimed.escrow == input.escrow else {
            throw .doesNotAddUp(paid: claimed.totalPaid, escrow: input.escrow)
        }
        try claimed.validate()
        let expected = try settle(input, parameters: parameters)
        if expected != claimed { throw .differs(expected: expected, claimed: claimed) }
    }
}
