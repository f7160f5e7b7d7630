import Foundation
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import Testing

@testable import PoUWChain

/// Proven iff the payload says "cheat" (the protocol's replay checker is injected the same way).
struct PayloadChecker: EvidenceChecker, Sendable {
    func check(_ evidence: PoUWEconomics.Evidence) -> EvidenceVerdict {
        evidence.payload == Array("cheat".utf8) ? .proven : .notProven(reason: "replay matches the claim")
    }
}

/// A chain running `EconomicLedgerRules`, with per-key sequences, that checks supply conservation after every block.
final class EconomicChain {
    static let parameters: EconomicsParameters = {
        var p = EconomicsParameters.local
        p.ticketMaturity = 3
        p.ticketExpiry = 10
        p.priceWindow = 4
        return p
    }()
    let rules = EconomicLedgerRules(parameters: EconomicChain.parameters, checker: PayloadChecker())
    let t: TestChain
    var sequences: [Int: UInt64] = [:]
    var supplyChecks = 0

    init(storage: any ChainStorage = MemoryChainStorage()) throws { t = try TestChain(rules: rules, storage: storage) }

    var chain: Blockchain { t.chain }
    var price: Amount { get throws { try rules.price(at: chain.tip.height + 1, ledger: chain.ledgerView()) } }

    func signed(_ body: Transaction.Body, by i: Int) -> Transaction {
        let seq = sequences[i, default: 0]
        sequences[i] = seq + 1
        return Transaction(body: body, signer: TestChain.key(i).publicKey, sequence: seq, fee: Amount(units: 1_000))
            .signed(with: TestChain.key(i))
    }

    /// Undoes the sequence bump of a transaction that was rejected.
    func unsign(_ i: Int) { sequences[i, default: 1] -= 1 }

    @discardableResult
    func extend(_ txs: [Transaction] = []) throws -> Block {
        let b = try t.extend(txs)
        try checkSupply()
        return b
    }

    func checkSupply(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let s = try chain.supply()
        #expect(
            s.held == s.expected,
            "height \(s.height): held \(s.held) expected \(s.expected)",
            sourceLocation: sourceLocation
        )
        supplyChecks += 1
    }

    static func compute() throws -> [UInt8] {
        Preferences.compute(
            try ComputePreferences(modelTypes: ["mlp"], gpuCount: 1, gpuMemoryMiB: 8192, maxDatasetBytes: 1 << 30)
        ).canonicalBytes
    }

    static func storage() throws -> [UInt8] {
        Preferences.storage(
            try StoragePreferences(storageBytes: 1 << 30, bandwidthMbps: 1000, redundancy: .replication(copies: 3))
        ).canonicalBytes
    }

    static func vrfKey(_ i: Int, _ role: TicketRole) throws -> VRF.SecretKey {
        try VRF.SecretKey(bytes: SHA256.hash(Array("vrf \(i) \(role)".utf8)).bytes)
    }

    /// Requirements every ticket bought with `compute()` / `storage()` fits exactly (score 1: always eligible).
    static func requirements() throws -> TaskRequirements {
        try TaskRequirements(
            modelType: "mlp",
            datasetBytes: 1 << 30,
            minGPUCount: 0,
            minGPUMemoryMiB: 0,
            storageBytes: (1 << 30) / 3,
            minBandwidthMbps: 0,
            minFaultsTolerated: 0
        )
    }

    /// The VRF proofs of `holders` (purchase, buyer) for `task` over `selectionHash`.
    static func selection(
        task: Hash256,
        selectionHash: Hash256,
        _ holders: [(Transaction, Int)]
    ) throws -> SelectionClaim {
        let proofs = try holders.map { tx, i in
            guard case .buyTickets(let b) = tx.body, let role = Role(rawValue: b.role.rawValue) else {
                throw ChainError.storage("not a purchase")
            }
            return SelectionClaim.Proof.prove(
                ticket: tx.id,
                role: role,
                task: task,
                selectionHash: selectionHash,
                key: try vrfKey(i, b.role)
            )
        }
        return SelectionClaim(requirements: try requirements(), proofs: proofs)
    }

    /// The VRF proofs of `holders` for `task` over its selection hash on the best chain.
    func selection(task: Hash256, _ holders: [(Transaction, Int)]) throws -> SelectionClaim {
        let hash = try #require(try chain.selectionHash(task: task))
        return try Self.selection(task: task, selectionHash: hash, holders)
    }

    func buy(
        _ role: TicketRole,
        by i: Int,
        lots: UInt32 = 1,
        stake: Amount? = nil,
        preferences: [UInt8]? = nil
    ) throws -> Transaction {
        let vrf = try Self.vrfKey(i, role).publicKey.bytes
        let units = try stake ?? Amount(units: price.units * UInt64(lots))
        return signed(
            .buyTickets(
                BuyTickets(
                    role: role,
                    count: lots,
                    stake: units,
                    preferences: try preferences ?? (role == .supervisor ? Self.storage() : Self.compute()),
                    vrfPublicKey: vrf
                )
            ),
            by: i
        )
    }

    /// One seat per role and one verifier per block, with `requirements()`.
    static func terms() throws -> TaskTerms {
        try TaskTerms(miners: 1, supervisors: 1, evaluators: 1, verifiersPerBlock: 1, requirements: requirements())
    }

    /// A PAY_FOR_TASK carrying `terms` (default `terms()`; `withTerms: false` leaves them out: a v1 transaction).
    func payForTask(by i: Int, escrow: UInt64, terms: TaskTerms? = nil, withTerms: Bool = true) -> Transaction {
        signed(
            .payForTask(
                PayForTask(
                    taskDefinition: Array("mlp task \(sequences[i, default: 0])".utf8),
                    datasetRoot: Hash256.sha256([1]),
                    testSetRoot: Hash256.sha256([2]),
                    escrow: Amount(units: escrow),
                    terms: withTerms ? (terms ?? (try? Self.terms()))?.canonicalBytes : nil
                )
            ),
            by: i
        )
    }

    /// Mines an empty block whose coinbase pays account `i`.
    @discardableResult
    func mine(by i: Int) throws -> Block {
        let b = try t.block([], miner: TestChain.address(i))
        try chain.process(b)
        try checkSupply()
        return b
    }

    /// Ticket `ticket` (bought by `owner`, role verifier unless `role` says otherwise) attests `block` of `task`:
    /// its VRF proof over `proofBlock` (default: the block itself), signed by `signer` (default: the owner).
    static func attestation(
        task: Hash256,
        block: Hash256,
        ticket: Hash256,
        owner: Int,
        role: TicketRole = .verifier,
        proofBlock: Hash256? = nil,
        signer: Int? = nil
    ) throws -> BlockAttestation {
        let alpha = SelectionContext.blockVerifiers(blockHash: proofBlock ?? block, taskId: task).alpha
        return BlockAttestation.sign(
            task: task,
            block: block,
            ticket: ticket,
            proof: try vrfKey(owner, role).prove(alpha: alpha).bytes,
            key: TestChain.key(signer ?? owner)
        )
    }

    /// A TASK_RESULT for `claim`, with the rules' payouts unless `payouts` is given, signed by evaluator keys.
    func result(
        task: Hash256,
        claim: SettlementClaim,
        evaluatorKeys: [Int],
        by i: Int,
        payouts: (([Payout]) -> [Payout])? = nil
    ) throws -> Transaction {
        let escrow = try #require(try chain.task(task))
        var owners: [Hash256: Address] = [:]
        for (id, _) in claim.seats { owners[id] = try chain.ticket(id)?.owner }
        // Charges from the attestations when they pass (a claim built to be rejected gets none).
        let charges = try? rules.verifierCharges(
            claim,
            taskId: task,
            task: escrow,
            height: chain.tip.height + 1,
            owners: owners,
            ledger: chain.ledgerView()
        )
        let expected = try rules.expectedPayouts(claim, task: escrow, owners: owners, charges: charges ?? []).payouts
        var r = TaskResult(taskId: task, metrics: claim.canonicalBytes, payouts: payouts?(expected) ?? expected)
        r.evaluatorSignatures = evaluatorKeys.map {
            let k = TestChain.key($0)
            return EvaluatorSignature(publicKey: k.publicKey.bytes, signature: k.sign(r.evaluatorMessage))
        }
        return signed(.taskResult(r), by: i)
    }

    func evidence(
        offender: Int,
        ticket: Hash256,
        task: Hash256,
        slash: Amount,
        payload: String,
        by i: Int
    )
        -> Transaction
    {
        let proof = PoUWEconomics.Evidence(
            kind: .failedReplay,
            taskId: task,
            offender: TestChain.address(offender),
            offenderTicket: ticket,
            payload: Array(payload.utf8)
        )
        return signed(
            .evidence(
                PoUWChain.Evidence(
                    kind: 0,
                    offender: TestChain.address(offender),
                    taskId: task,
                    slash: slash,
                    proof: proof.canonicalBytes
                )
            ),
            by: i
        )
    }

    /// Processing a block with `txs` fails with a rule rejection whose reason contains `reason`; tip and state
    /// hash are unchanged; the signer's sequence is rolled back.
    func expectRuleRejected(
        _ txs: [Transaction],
        signers: [Int],
        _ reason: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let block = try t.block(txs)
        let before = (chain.tip, try chain.stateHash())
        do {
            try chain.process(block)
            Issue.record("accepted; expected a rejection containing \"\(reason)\"", sourceLocation: sourceLocation)
        } catch {
            guard case .invalidBlock(_, .ruleRejected(_, let found)) = error else {
                Issue.record("wrong error \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(found.contains(reason), "\(found)", sourceLocation: sourceLocation)
        }
        #expect(chain.tip == before.0, sourceLocation: sourceLocation)
        #expect(try chain.stateHash() == before.1, sourceLocation: sourceLocation)
        for s in signers { unsign(s) }
    }
}

@Suite("Economic rules enforced by chain validation")
struct EconomicRulesTests {
    @Test("every rejection path of issue 6, and conservation with tasks, tickets, slashing and expiry")
    func lifecycle() throws {
        let e = try EconomicChain()
        let price = try e.price
        #expect(price == EconomicChain.parameters.minimumTicketPrice)

        // Stake below price; a count that is not the stake's lots.
        try e.expectRuleRejected(
            [try e.buy(.miner, by: 1, stake: Amount(units: price.units - 1))],
            signers: [1],
            "below the ticket price"
        )
        try e.expectRuleRejected(
            [try e.buy(.miner, by: 1, lots: 2, stake: price)],
            signers: [1],
            "is not the stake's lots"
        )

        // Height 1: one ticket per role (miner 1 with 2 lots, evaluator 2, supervisor 3, verifier 0) and a miner
        // ticket of account 3 that offers only `cnn` (it can never match an `mlp` task).
        let miner = try e.buy(.miner, by: 1, lots: 2)
        let evaluator = try e.buy(.evaluator, by: 2)
        let supervisor = try e.buy(.supervisor, by: 3)
        let verifier = try e.buy(.verifier, by: 0)
        let cnnOnly = Preferences.compute(
            try ComputePreferences(modelTypes: ["cnn"], gpuCount: 1, gpuMemoryMiB: 8192, maxDatasetBytes: 1 << 30)
        ).canonicalBytes
        let mismatched = try e.buy(.miner, by: 3, preferences: cnnOnly)
        try e.extend([miner, evaluator, supervisor, verifier, mismatched])
        #expect(try e.chain.ticket(miner.id)?.count == 2)
        #expect(try e.chain.account(TestChain.address(1)).locked.units == 2 * price.units)
        let holders = [(miner, 1), (evaluator, 2), (supervisor, 3), (verifier, 0), (mismatched, 3)]

        // Height 2: a task registered before the tickets mature (at 4): its selection can seat none of them.
        let early = e.payForTask(by: 0, escrow: 1_000_003)
        try e.extend([early])
        let earlyClaim = SettlementClaim(
            miners: [.init(ticket: miner.id, qualityPPM: 900_000, verifiedIterations: 12)],
            supervisors: [supervisor.id],
            evaluators: [evaluator.id],
            selection: try e.selection(task: early.id, holders),
            attestations: []
        )
        try e.expectRuleRejected(
            [try e.result(task: early.id, claim: earlyClaim, evaluatorKeys: [2], by: 2)],
            signers: [2],
            "before maturity"
        )
        try e.extend()  // tip 3; the task registered next (height 4) may seat them.
        let task = e.payForTask(by: 0, escrow: 1_000_003)
        try e.extend([task])
        let selection = try e.selection(task: task.id, holders)
        // Heights 5, 6: two blocks of the task mined by its miner (account 1); the verifier ticket attests both.
        let blocks = [try e.mine(by: 1).id, try e.mine(by: 1).id]
        let attestations = try blocks.map {
            try EconomicChain.attestation(task: task.id, block: $0, ticket: verifier.id, owner: 0)
        }
        let claim = SettlementClaim(
            miners: [.init(ticket: miner.id, qualityPPM: 900_000, verifiedIterations: 12)],
            supervisors: [supervisor.id],
            evaluators: [evaluator.id],
            selection: selection,
            attestations: attestations
        )
        // Claims of the per-task verifier design (v1 without proofs, v2 with them) are refused.
        for old in [
            SettlementClaim(
                miners: claim.miners,
                supervisors: claim.supervisors,
                evaluators: claim.evaluators,
                charges: [.init(verifierTicket: verifier.id, minerTicket: miner.id, blocksChecked: 2)]
            ),
            SettlementClaim(
                miners: claim.miners,
                supervisors: claim.supervisors,
                evaluators: claim.evaluators,
                charges: [.init(verifierTicket: verifier.id, minerTicket: miner.id, blocksChecked: 2)],
                selection: selection
            ),
        ] {
            try e.expectRuleRejected(
                [try e.result(task: task.id, claim: old, evaluatorKeys: [2], by: 2)],
                signers: [2],
                "v3 (verifiers drawn per block) is required"
            )
        }
        // A seat the VRF selection did not give, a forged proof.
        let wrongSeat = SettlementClaim(
            miners: [.init(ticket: mismatched.id, qualityPPM: 900_000, verifiedIterations: 12)],
            supervisors: [supervisor.id],
            evaluators: [evaluator.id],
            selection: selection,
            attestations: []
        )
        try e.expectRuleRejected(
            [try e.result(task: task.id, claim: wrongSeat, evaluatorKeys: [2], by: 2)],
            signers: [2],
            "preferences do not meet the task's requirements"
        )
        let otherProof = try #require(selection.proofs.first { $0.ticket == evaluator.id }).proof
        let forged = SettlementClaim(
            miners: claim.miners,
            supervisors: claim.supervisors,
            evaluators: claim.evaluators,
            selection: SelectionClaim(
                requirements: selection.requirements,
                proofs: selection.proofs.map { $0.ticket == miner.id ? .init(ticket: miner.id, proof: otherProof) : $0 }
            ),
            attestations: attestations
        )
        try e.expectRuleRejected(
            [try e.result(task: task.id, claim: forged, evaluatorKeys: [2], by: 2)],
            signers: [2],
            "VRF proof does not verify"
        )

        // Not signed by the selected evaluator (key 0 holds no evaluator seat).
        try e.expectRuleRejected(
            [try e.result(task: task.id, claim: claim, evaluatorKeys: [0], by: 2)],
            signers: [2],
            "not a selected evaluator"
        )
        // Payouts one unit short of the escrow.
        try e.expectRuleRejected(
            [
                try e.result(task: task.id, claim: claim, evaluatorKeys: [2], by: 2) { p in
                    var p = p
                    p[0].amount = Amount(units: p[0].amount.units - 1)
                    return p
                }
            ],
            signers: [2],
            "but the escrow is 0.01000003 PAI"
        )
        // Adds up but is not the rules' split (two recipients' amounts moved by one unit).
        try e.expectRuleRejected(
            [
                try e.result(task: task.id, claim: claim, evaluatorKeys: [2], by: 2) { p in
                    var p = p
                    p[0].amount = Amount(units: p[0].amount.units - 1)
                    p[1].amount = Amount(units: p[1].amount.units + 1)
                    return p
                }
            ],
            signers: [2],
            "differs"
        )
        // One ticket named twice in one claim.
        let twice = SettlementClaim(
            miners: claim.miners,
            supervisors: [supervisor.id],
            evaluators: [evaluator.id, evaluator.id],
            selection: selection,
            attestations: attestations
        )
        try e.expectRuleRejected(
            [try e.result(task: task.id, claim: twice, evaluatorKeys: [2], by: 2)],
            signers: [2],
            "already used"
        )

        // The right result settles: Σ payouts = escrow; the miner paid the verifier for the two blocks (capped at
        // what it earned: the fee of 0.01 PAI per block exceeds this small escrow's miner pool).
        let good = try e.result(task: task.id, claim: claim, evaluatorKeys: [2], by: 2)
        let owners = [
            miner.id: TestChain.address(1), supervisor.id: TestChain.address(3), evaluator.id: TestChain.address(2),
        ]
        let charges = try e.rules.verifierCharges(
            claim,
            taskId: task.id,
            task: try #require(try e.chain.task(task.id)),
            height: e.chain.tip.height + 1,
            owners: owners,
            ledger: e.chain.ledgerView()
        )
        #expect(
            charges
                == blocks.map { _ in
                    VerifierCharge(verifier: TestChain.address(0), miner: TestChain.address(1), blocksChecked: 1)
                }
        )
        let table = try e.rules.expectedPayouts(
            claim,
            task: try #require(try e.chain.task(task.id)),
            owners: owners,
            charges: charges
        ).table
        let minerLine = try #require(table.line(for: TestChain.address(1)))
        let fee = EconomicChain.parameters.verifierFeePerBlock.units
        #expect(minerLine.verificationPaid.units == min(2 * fee, minerLine.quality.units + minerLine.work.units))
        #expect(table.line(for: TestChain.address(0))?.verification == minerLine.verificationPaid)
        try e.extend([good])
        #expect(try e.chain.task(task.id)?.settled == true)
        // The verifier ticket is recorded with the task's seats but stays usable for later blocks.
        #expect(try e.chain.tickets().first { $0.id == verifier.id }?.usedIn == nil)

        // Double use: a second task offered the same tickets.
        let task2 = e.payForTask(by: 0, escrow: 500_000)
        try e.extend([task2])
        try e.expectRuleRejected(
            [try e.result(task: task2.id, claim: claim, evaluatorKeys: [2], by: 2)],
            signers: [2],
            "already used"
        )

        // Evidence that does not prove a cheat.
        let minerStake = Amount(units: 2 * price.units)
        try e.expectRuleRejected(
            [e.evidence(offender: 1, ticket: miner.id, task: task.id, slash: minerStake, payload: "honest", by: 3)],
            signers: [3],
            "evidence not proven"
        )
        // Proven evidence: the miner's stake goes to the task's honest seat holders (accounts 0, 2, 3).
        let before = try [0, 2, 3].map { try e.chain.account(TestChain.address($0)).balance.units }
        let burnedBefore = try e.chain.supply().burned
        let proven = e.evidence(
            offender: 1,
            ticket: miner.id,
            task: task.id,
            slash: minerStake,
            payload: "cheat",
            by: 3
        )
        try e.extend([proven])
        let after = try [0, 2, 3].map { try e.chain.account(TestChain.address($0)).balance.units }
        // Account 3 paid the 1000-unit fee and mined the block (subsidy + that fee).
        let subsidy = e.chain.parameters.subsidy(atHeight: e.chain.tip.height)
        let shares = [after[0] - before[0], after[1] - before[1], after[2] + 1_000 - before[2] - subsidy - 1_000]
        #expect(shares.reduce(0, +) == minerStake.units)
        #expect(shares.sorted() == [minerStake.units / 3, minerStake.units / 3, minerStake.units / 3 + 1])
        #expect(try e.chain.supply().burned == burnedBefore)
        #expect(try e.chain.account(TestChain.address(1)).locked == .zero)
        #expect(try e.chain.tickets().first { $0.id == miner.id }?.fate == .slashed)
        // The offender stakes again, so the chain's locked-stake check passes and the rules see the reuse.
        try e.extend([try e.buy(.miner, by: 1, lots: 2)])
        // The same evidence again (another reporter, another transaction): rejected.
        try e.expectRuleRejected(
            [e.evidence(offender: 1, ticket: miner.id, task: task.id, slash: minerStake, payload: "cheat", by: 2)],
            signers: [2],
            "already used"
        )

        // Expiry: a fresh miner ticket bought now expires at h + 3 + 10; its stake returns then, and it cannot be
        // used at that height.
        let late = try e.buy(.miner, by: 1)
        let bought = e.chain.tip.height + 1
        try e.extend([late])
        let lateStake = try #require(try e.chain.ticket(late.id)).stake
        while e.chain.tip.height + 1 < bought + 13 { try e.extend() }
        let lockedBeforeExpiry = try e.chain.account(TestChain.address(1)).locked
        #expect(lockedBeforeExpiry.units >= lateStake.units)
        let lateClaim = SettlementClaim(
            miners: [.init(ticket: late.id, qualityPPM: 500_000, verifiedIterations: 1)],
            supervisors: [],
            evaluators: [],
            selection: try e.selection(task: task2.id, [(late, 1)]),
            attestations: []
        )
        try e.expectRuleRejected(
            [try e.result(task: task2.id, claim: lateClaim, evaluatorKeys: [2], by: 2)],
            signers: [2],
            "after expiry"
        )
        try e.extend()
        #expect(try e.chain.account(TestChain.address(1)).locked.units == lockedBeforeExpiry.units - lateStake.units)
        #expect(try e.chain.tickets().first { $0.id == late.id }?.fate == .released)
        #expect(e.supplyChecks > 20)
    }
}

@Suite("Verifiers drawn per block; seats and requirements bound to the PAY_FOR_TASK")
struct VerifierDrawTests {
    @Test(
        "rejections: a verifier not drawn, a proof over the wrong block, a double attestation, a block not of the task, an unsigned attestation; terms missing or differing"
    )
    func rejections() throws {
        let e = try EconomicChain()
        let miner = try e.buy(.miner, by: 1)
        let evaluator = try e.buy(.evaluator, by: 2)
        let supervisor = try e.buy(.supervisor, by: 3)
        let verifierA = try e.buy(.verifier, by: 0)
        let verifierB = try e.buy(.verifier, by: 3)
        // A generalist verifier (4 model types, 1 TiB datasets): match score ≈ 0.42, so many of its draws are
        // above its score and it is not drawn.
        let generalist = Preferences.compute(
            try ComputePreferences(
                modelTypes: ["cnn", "mlp", "resnet", "rnn"],
                gpuCount: 1,
                gpuMemoryMiB: 8192,
                maxDatasetBytes: 1 << 40
            )
        ).canonicalBytes
        let verifierC = try e.buy(.verifier, by: 2, preferences: generalist)
        try e.extend([miner, evaluator, supervisor, verifierA, verifierB, verifierC])  // height 1; live from 4
        // Transaction version 2 is only for a PAY_FOR_TASK with terms: a v1 PAY_FOR_TASK or a transfer relabelled
        // v2 does not decode; a PAY_FOR_TASK with terms round-trips as v2.
        let withTerms = e.payForTask(by: 0, escrow: 1_000)
        e.unsign(0)
        #expect(withTerms.canonicalBytes[1] == Transaction.termsVersion)
        #expect(try Transaction(canonicalBytes: withTerms.canonicalBytes) == withTerms)
        let plain = e.payForTask(by: 0, escrow: 1_000, withTerms: false)
        e.unsign(0)
        let transfer = e.signed(
            .transfer(Transfer(to: TestChain.address(1), amount: Amount(units: 1), memo: [])),
            by: 0
        )
        e.unsign(0)
        for tx in [plain, transfer] {
            var bytes = tx.canonicalBytes
            #expect(bytes[1] == Transaction.formatVersion)
            bytes[1] = Transaction.termsVersion
            #expect(throws: CanonicalDecodingError.self) { try Transaction(canonicalBytes: bytes) }
        }
        // A PAY_FOR_TASK without terms is refused.
        try e.expectRuleRejected([e.payForTask(by: 0, escrow: 1_000, withTerms: false)], signers: [0], "no task terms")
        try e.extend()
        let before = try e.mine(by: 3)  // height 3: before the task
        let task = e.payForTask(by: 0, escrow: 100_000_000)
        try e.extend([task])  // height 4
        let own = try e.mine(by: 1)  // height 5: the task's miner
        let foreign = try e.mine(by: 3)  // height 6: mined by an account holding no miner seat
        let selection = try e.selection(task: task.id, [(miner, 1), (evaluator, 2), (supervisor, 3)])
        func claim(_ attestations: [BlockAttestation], selection other: SelectionClaim? = nil) -> SettlementClaim {
            SettlementClaim(
                miners: [.init(ticket: miner.id, qualityPPM: 900_000, verifiedIterations: 12)],
                supervisors: [supervisor.id],
                evaluators: [evaluator.id],
                selection: other ?? selection,
                attestations: attestations
            )
        }
        func rejected(_ c: SettlementClaim, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws
        {
            try e.expectRuleRejected(
                [try e.result(task: task.id, claim: c, evaluatorKeys: [2], by: 2)],
                signers: [2],
                reason,
                sourceLocation: sourceLocation
            )
        }
        func attest(
            _ block: Block,
            _ ticket: Transaction,
            _ owner: Int,
            proofBlock: Hash256? = nil,
            signer: Int? = nil
        )
            throws -> BlockAttestation
        {
            try EconomicChain.attestation(
                task: task.id,
                block: block.id,
                ticket: ticket.id,
                owner: owner,
                proofBlock: proofBlock,
                signer: signer
            )
        }
        let a = try attest(own, verifierA, 0)
        let b = try attest(own, verifierB, 3)
        // Both verifier tickets are eligible (score 1); with one seat per block only the lower draw is drawn.
        let draw = try e.rules.blockDraw(
            [a, b],
            block: own.id,
            height: 5,
            taskId: task.id,
            terms: try EconomicChain.terms(),
            ledger: e.chain.ledgerView()
        )
        try #require(draw.seats.count == 1 && draw.candidates.count == 2)
        let (drawn, other) = draw.seats[0].ticket == verifierA.id ? (a, b) : (b, a)
        // Anyone re-checks the draw from chain data and the proofs: the lower VRF output wins.
        let outputs = try [a, b].map { x in
            let record = try #require(try e.chain.ticket(x.ticket))
            return try #require(
                ECVRFVerifier().verifiedOutput(publicKey: record.vrfPublicKey, alpha: x.context.alpha, proof: x.proof)
            )
        }
        #expect((outputs[0].lexicographicallyPrecedes(outputs[1])) == (drawn.ticket == verifierA.id))

        // A verifier not drawn for the block.
        try rejected(claim([a, b]), "\(other.ticket.short) was not drawn for block \(own.id.short)")
        // A proof over another block (the foreign one) for this block.
        let ownerOfDrawn = drawn.ticket == verifierA.id ? 0 : 3
        let drawnTicket = drawn.ticket == verifierA.id ? verifierA : verifierB
        try rejected(
            claim([try attest(own, drawnTicket, ownerOfDrawn, proofBlock: foreign.id)]),
            "VRF proof does not verify"
        )
        // The same attestation twice: the claim does not decode.
        try rejected(claim([drawn, drawn]), "attests block \(own.id.short) twice")
        // Blocks not of the task: mined by an account without a miner seat; mined before the registration.
        try rejected(claim([try attest(foreign, drawnTicket, ownerOfDrawn)]), "holds none of its miner seats")
        // (no task was open at height 3, so the chain recorded nothing for that block: "not on this chain")
        try rejected(claim([try attest(before, drawnTicket, ownerOfDrawn)]), "which is not of task \(task.id.short)")
        // Signed by another key than the ticket owner's.
        try rejected(claim([try attest(own, drawnTicket, ownerOfDrawn, signer: 2)]), "is not signed by its owner")
        // A ticket of another role attesting.
        try rejected(
            claim([
                try EconomicChain.attestation(
                    task: task.id,
                    block: own.id,
                    ticket: evaluator.id,
                    owner: 2,
                    role: .evaluator
                )
            ]),
            "was not drawn"
        )

        // Seats and requirements come from the PAY_FOR_TASK: other requirements, or fewer seats than its terms
        // give, are refused.
        let otherRequirements = try TaskRequirements(
            modelType: "mlp",
            datasetBytes: 1 << 20,
            minGPUCount: 0,
            minGPUMemoryMiB: 0,
            storageBytes: 1 << 20,
            minBandwidthMbps: 0,
            minFaultsTolerated: 0
        )
        try rejected(
            claim([drawn], selection: SelectionClaim(requirements: otherRequirements, proofs: selection.proofs)),
            "differ from the ones its PAY_FOR_TASK committed to"
        )
        try rejected(
            SettlementClaim(
                miners: [.init(ticket: miner.id, qualityPPM: 900_000, verifiedIterations: 12)],
                supervisors: [],
                evaluators: [evaluator.id],
                selection: selection,
                attestations: [drawn]
            ),
            "supervisor seats [] are not the VRF selection"
        )

        // A reorg that replaces the attested block: its record is undone, so its attestation is "not on this
        // chain" (a heavier branch from height 4 replaces blocks 5 and 6).
        var parent = try #require(try e.chain.mainChainId(atHeight: 4))
        for i in 0..<3 {
            let side = try e.t.block(parent: parent, miner: TestChain.address(1), extra: [0xc0, UInt8(i)])
            try e.chain.process(side)
            parent = side.id
        }
        #expect(e.chain.tip.id == parent && e.chain.tip.height == 7)
        #expect(try EconomicLedgerRules.minedBlock(own.id, ledger: e.chain.ledgerView()) == nil)
        try rejected(claim([drawn]), "which is not of task \(task.id.short): not on this chain")
        // Back to the original branch (two more blocks on it) for the rest of the test.
        var back = foreign.id
        for i in 0..<2 {
            let b = try e.t.block(parent: back, miner: TestChain.address(3), extra: [0xd0, UInt8(i)])
            try e.chain.process(b)
            back = b.id
        }
        #expect(e.chain.tip.id == back && e.chain.tip.height == 8)
        #expect(try EconomicLedgerRules.minedBlock(own.id, ledger: e.chain.ledgerView())?.height == 5)

        // A draw above the ticket's match score is not drawn, even alone (mine task blocks until C's draw is one).
        var ineligible: BlockAttestation?
        for _ in 0..<4 where ineligible == nil {
            let block = try e.mine(by: 1)
            let attestation = try attest(block, verifierC, 2)
            let alone = try e.rules.blockDraw(
                [attestation],
                block: block.id,
                height: e.chain.tip.height,
                taskId: task.id,
                terms: try EconomicChain.terms(),
                ledger: e.chain.ledgerView()
            )
            if alone.seats.isEmpty && alone.excluded.isEmpty { ineligible = attestation }
        }
        let aboveScore = try #require(ineligible, "no ineligible draw in 4 blocks")
        try rejected(claim([aboveScore]), "\(verifierC.id.short) was not drawn for block \(aboveScore.block.short)")

        // The drawn verifier's attestation settles; its owner is paid by the block's miner.
        let owners = [
            miner.id: TestChain.address(1), supervisor.id: TestChain.address(3), evaluator.id: TestChain.address(2),
        ]
        let escrow = try #require(try e.chain.task(task.id))
        let charges = try e.rules.verifierCharges(
            claim([drawn]),
            taskId: task.id,
            task: escrow,
            height: e.chain.tip.height + 1,
            owners: owners,
            ledger: e.chain.ledgerView()
        )
        #expect(
            charges == [
                VerifierCharge(verifier: TestChain.address(ownerOfDrawn), miner: TestChain.address(1), blocksChecked: 1)
            ]
        )
        let table = try e.rules.expectedPayouts(claim([drawn]), task: escrow, owners: owners, charges: charges).table
        let fee = EconomicChain.parameters.verifierFeePerBlock
        #expect(table.line(for: TestChain.address(ownerOfDrawn))?.verification == fee)
        #expect(table.line(for: TestChain.address(1))?.verificationPaid == fee)
        try e.extend([try e.result(task: task.id, claim: claim([drawn]), evaluatorKeys: [2], by: 2)])
        #expect(try e.chain.task(task.id)?.settled == true)
        #expect(try e.chain.tickets().filter { $0.usedIn == task.id }.count == 3)
    }
}

@Suite("Ticket price from chain state")
struct TicketPriceChainTests {
    @Test("the pool's growth raises the price at the retarget (PAI rule); fresh tickets per block are capped")
    func retarget() throws {
        let e = try EconomicChain()
        let minimum = EconomicChain.parameters.minimumTicketPrice
        // Height 1: one ticket; height 4 (first retarget, no previous pool) keeps the price and records pool 1.
        try e.extend([try e.buy(.miner, by: 0)])
        try e.extend()
        try e.extend()
        try e.extend()
        #expect(try e.price == minimum)
        // Heights 5–7: 19 more tickets (pool 20). 21 in one block would exceed the cap of 20.
        try e.expectRuleRejected(
            try (0..<21).map { _ in try e.buy(.miner, by: 1) },
            signers: Array(repeating: 1, count: 21),
            "tickets in one block (limit 20)"
        )
        try e.extend(try (0..<10).map { _ in try e.buy(.miner, by: 1) })
        try e.extend(try (0..<9).map { _ in try e.buy(.evaluator, by: 2) })
        try e.extend()
        // Height 8: 0.2 PAI × 20² / (1 × 5 × (64 + 3)) = 23 880 597 units.
        #expect(try e.price == Amount(units: 23_880_597))
        try e.expectRuleRejected([try e.buy(.miner, by: 3, stake: minimum)], signers: [3], "below the ticket price")
        try e.extend([try e.buy(.miner, by: 3)])
        #expect(try e.chain.ticket(e.chain.block(atHeight: 8)!.transactions[1].id)?.stake.units == 23_880_597)
    }
}

@Suite("Economic state across reorgs")
struct EconomicReorgTests {
    @Test("a reorg across an expiry height returns each stake exactly once and equals a fresh replay")
    func reorgAcrossExpiry() throws {
        let storage = MemoryChainStorage()
        let e = try EconomicChain(storage: storage)
        let tickets = [try e.buy(.miner, by: 1, lots: 3), try e.buy(.verifier, by: 2)]
        try e.extend(tickets)  // height 1: expiry at 1 + 3 + 10 = 14
        while e.chain.tip.height < 15 { try e.extend() }
        #expect(try e.chain.account(TestChain.address(1)).locked == .zero)
        // A heavier branch from height 12 undoes 13–15 (including the release at 14) and connects 13–16.
        var parent = try #require(try e.chain.mainChainId(atHeight: 12))
        for i in 0..<4 {
            let b = try e.t.block(parent: parent, extra: [0xb0, UInt8(i)])
            try e.chain.process(b)
            parent = b.id
        }
        #expect(e.chain.tip.id == parent && e.chain.tip.height == 16)
        try e.checkSupply()
        #expect(try e.chain.account(TestChain.address(1)).locked == .zero)
        #expect(try e.chain.tickets().allSatisfy { $0.fate == .released })
        let report = try ChainVerifier.reindex(source: storage, rules: e.rules)
        #expect(report.ok && report.replayedStateHash == report.storedStateHash, "\(report.failure ?? "")")
        let basic = try ChainVerifier.reindex(source: storage)
        #expect(!basic.ok)  // the basic rules keep no economic state: replaying under them differs
    }
}

@Suite("Economic state values: canonical encoding")
struct EconomicStateEncodingTests {
    static var fixture: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/economics/economic-state-golden.txt").path
    }

    static func samples() -> [(String, EconomicStateValue)] {
        let task = Hash256.sha256(Array("task 7".utf8))
        let a = Hash256.sha256(Array("ticket a".utf8))
        let b = Hash256.sha256(Array("ticket b".utf8))
        return [
            ("usedBy", .usedBy(task: task)),
            ("stakeFate.released", .stakeFate(.released)),
            ("stakeFate.slashed", .stakeFate(.slashed)),
            ("tickets.two", .tickets([a, b])),
            ("tickets.empty", .tickets([])),
            ("evidenceUsed", .evidenceUsed),
            ("price", .price(Amount(units: 20_000_000), height: 16)),
            ("counter", .counter(12)),
            ("fresh", .fresh(height: 3, count: 5)),
            ("block", .block(Hash256.sha256(Array("block 9".utf8)))),
            ("terms", .terms(try! EconomicChain.terms())),
            ("minedBlock", .minedBlock(height: 17, miner: TestChain.address(1))),
        ]
    }

    /// `POUW_REGENERATE_GOLDEN=1 swift test --filter EconomicStateEncodingTests` rewrites the fixture.
    @Test("every kind matches its golden bytes and round-trips")
    func golden() throws {
        if ProcessInfo.processInfo.environment["POUW_REGENERATE_GOLDEN"] == "1" {
            var text = "# EconomicStateValue (record 0x77 v1) golden encodings: name hex. See Fixtures/README.md.\n"
            for (name, value) in Self.samples() { text += "\(name) \(Hex.encode(value.canonicalBytes))\n" }
            try text.write(toFile: Self.fixture, atomically: true, encoding: .utf8)
        }
        var golden: [String: [UInt8]] = [:]
        for line in try String(contentsOfFile: Self.fixture, encoding: .utf8).split(separator: "\n")
        where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            golden[String(parts[0])] = Hex.decode(parts[1])
        }
        #expect(golden.count == Self.samples().count)
        for (name, value) in Self.samples() {
            #expect(golden[name] == value.canonicalBytes, "\(name): \(Hex.encode(value.canonicalBytes))")
            #expect(try EconomicStateValue(canonicalBytes: value.canonicalBytes) == value)
        }
    }

    @Test("strict decoding: wrong tag or version, unknown kind or fate, truncation, trailing bytes")
    func strict() throws {
        let bytes = EconomicStateValue.price(Amount(units: 5), height: 9).canonicalBytes
        #expect(bytes[0] == 0x77 && bytes[1] == 1)
        let bad: [[UInt8]] = [
            [0x76] + Array(bytes.dropFirst()), [0x77, 2] + Array(bytes.dropFirst(2)), [0x77, 1, 9], [0x77, 1, 2, 3],
            Array(bytes.dropLast()), bytes + [0],
        ]
        for b in bad {
            #expect(throws: (any Error).self) { try EconomicStateValue(canonicalBytes: b) }
        }
        // A raw (untagged) value in the state is reported as corrupt state, not read as a number.
        #expect(throws: ChainError.self) {
            try EconomicState.counter([1, 0, 0, 0, 0, 0, 0, 0], key: EconomicState.pool)
        }
    }
}
