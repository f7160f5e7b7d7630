public import PoUWCore
import PoUWCrypto
public import PoUWEconomics

/// Grows a local chain that runs `EconomicLedgerRules` through one task's whole economic life, with the
/// `DevKeys` accounts: one ticket per role (miner: dev 1 with 2 lots, evaluator: dev 2, supervisor: dev 3,
/// verifier: dev 0) in one block; empty blocks until they mature; a PAY_FOR_TASK (dev 0) whose terms ask for one
/// seat per role and one verifier per block; two blocks mined by the miner (dev 1), each attested by the verifier
/// ticket drawn for it; the TASK_RESULT that settles the task by `PayoutRules.settle` (signed by the evaluator); a
/// second miner ticket (dev 1); then `blocksAfter` empty blocks (enough of them pass the expiry height, when the
/// stakes return). For demos and the inspect tests.
///
/// Guarantees: every block is processed by the chain's own validation (a rejection throws); deterministic.
public enum DemoEconomyBuilder {
    /// What the scenario created.
    public struct Outcome: Sendable {
        public let task: Hash256
        public let tickets: [Hash256]
        public let result: Hash256
    }

    public static func run(_ chain: Blockchain, rules: EconomicLedgerRules, blocksAfter: Int = 0) throws -> Outcome {
        var sequences: [Int: UInt64] = [:]
        for i in 0..<DevKeys.count { sequences[i] = try chain.account(DevKeys.address(i)).sequence }
        func signed(_ body: Transaction.Body, by i: Int) -> Transaction {
            let key = DevKeys.privateKey(i)
            let seq = sequences[i, default: 0]
            sequences[i] = seq + 1
            return Transaction(body: body, signer: key.publicKey, sequence: seq, fee: Amount(units: 1_000))
                .signed(with: key)
        }
        @discardableResult
        func mine(_ txs: [Transaction], by minerIndex: Int? = nil) throws -> Hash256 {
            let block = BlockAssembler.assemble(
                context: try chain.nextBlockContext(),
                transactions: txs,
                miner: DevKeys.address(minerIndex ?? Int(chain.tip.height + 1) % DevKeys.count),
                time: chain.tip.time + chain.parameters.targetSpacing,
                parameters: chain.parameters
            )
            guard let mined = BlockAssembler.grindTargetOnly(block) else {
                throw ChainError.invalidBlock(id: block.id, .workRejected(reason: "no nonce found below the target"))
            }
            try chain.process(mined)
            return mined.id
        }
        let compute = Preferences.compute(
            try ComputePreferences(modelTypes: ["mlp"], gpuCount: 1, gpuMemoryMiB: 8192, maxDatasetBytes: 1 << 30)
        ).canonicalBytes
        let storage = Preferences.storage(
            try StoragePreferences(storageBytes: 1 << 30, bandwidthMbps: 1000, redundancy: .replication(copies: 3))
        ).canonicalBytes
        func vrfKey(_ i: Int, _ role: TicketRole) throws -> VRF.SecretKey {
            try VRF.SecretKey(bytes: SHA256.hash(Array("pouw/demo-vrf/\(i)/\(role)".utf8)).bytes)
        }
        func buy(_ role: TicketRole, by i: Int, lots: UInt32) throws -> Transaction {
            let price = try rules.price(at: chain.tip.height + 1, ledger: chain.ledgerView())
            let vrf = try vrfKey(i, role)
            return signed(
                .buyTickets(
                    BuyTickets(
                        role: role,
                        count: lots,
                        stake: Amount(units: price.units * UInt64(lots)),
                        preferences: role == .supervisor ? storage : compute,
                        vrfPublicKey: vrf.publicKey.bytes
                    )
                ),
                by: i
            )
        }
        let miner = try buy(.miner, by: 1, lots: 2)
        let evaluator = try buy(.evaluator, by: 2, lots: 1)
        let supervisor = try buy(.supervisor, by: 3, lots: 1)
        let verifier = try buy(.verifier, by: 0, lots: 1)
        try mine([miner, evaluator, supervisor, verifier])
        for _ in 1..<rules.parameters.ticketMaturity { try mine([]) }
        // Requirements the tickets' preferences fit exactly (score 1): every ticket is eligible.
        let requirements = try TaskRequirements(
            modelType: "mlp",
            datasetBytes: 1 << 30,
            minGPUCount: 0,
            minGPUMemoryMiB: 0,
            storageBytes: (1 << 30) / 3,
            minBandwidthMbps: 0,
            minFaultsTolerated: 0
        )
        let terms = try TaskTerms(
            miners: 1,
            supervisors: 1,
            evaluators: 1,
            verifiersPerBlock: 1,
            requirements: requirements
        )
        let pay = signed(
            .payForTask(
                PayForTask(
                    taskDefinition: Array("demo: mlp 784-100-10".utf8),
                    datasetRoot: Hash256.sha256(Array("demo dataset".utf8)),
                    testSetRoot: Hash256.sha256(Array("demo test set".utf8)),
                    escrow: Amount(units: 100_000_000),
                    terms: terms.canonicalBytes
                )
            ),
            by: 0
        )
        try mine([pay])
        // Two blocks of the task, mined by its miner (dev 1); the verifier ticket attests each.
        let blocks = [try mine([], by: 1), try mine([], by: 1)]
        let attestations = try blocks.map { block in
            BlockAttestation.sign(
                task: pay.id,
                block: block,
                ticket: verifier.id,
                proof: try vrfKey(0, .verifier).prove(
                    alpha: SelectionContext.blockVerifiers(blockHash: block, taskId: pay.id).alpha
                ).bytes,
                key: DevKeys.privateKey(0)
            )
        }

        let holders: [(Transaction, TicketRole, Int)] = [
            (miner, .miner, 1), (evaluator, .evaluator, 2), (supervisor, .supervisor, 3),
        ]
        guard let selectionHash = try chain.selectionHash(task: pay.id) else {
            throw ChainError.storage("demo task \(pay.id) has no selection block")
        }
        let proofs = try holders.map { tx, role, i in
            SelectionClaim.Proof.prove(
                ticket: tx.id,
                role: Role(rawValue: role.rawValue) ?? .miner,
                task: pay.id,
                selectionHash: selectionHash,
                key: try vrfKey(i, role)
            )
        }
        let claim = SettlementClaim(
            miners: [.init(ticket: miner.id, qualityPPM: 912_000, verifiedIterations: 40)],
            supervisors: [supervisor.id],
            evaluators: [evaluator.id],
            selection: SelectionClaim(requirements: requirements, proofs: proofs),
            attestations: attestations
        )
        guard let escrow = try chain.task(pay.id) else { throw ChainError.storage("demo task \(pay.id) missing") }
        var owners: [Hash256: Address] = [:]
        for (i, t) in [(1, miner), (2, evaluator), (3, supervisor), (0, verifier)] { owners[t.id] = DevKeys.address(i) }
        let charges = try rules.verifierCharges(
            claim,
            taskId: pay.id,
            task: escrow,
            height: chain.tip.height + 1,
            owners: owners,
            ledger: chain.ledgerView()
        )
        var result = TaskResult(
            taskId: pay.id,
            metrics: claim.canonicalBytes,
            payouts: try rules.expectedPayouts(claim, task: escrow, owners: owners, charges: charges).payouts
        )
        let evaluatorKey = DevKeys.privateKey(2)
        result.evaluatorSignatures = [
            EvaluatorSignature(
                publicKey: evaluatorKey.publicKey.bytes,
                signature: evaluatorKey.sign(result.evaluatorMessage)
            )
        ]
        let settle = signed(.taskResult(result), by: 2)
        let second = try buy(.miner, by: 1, lots: 1)
        try mine([settle, second])
        for _ in 0..<blocksAfter { try mine([]) }
        return Outcome(
            task: pay.id,
            tickets: [miner.id, evaluator.id, supervisor.id, verifier.id, second.id],
            result: settle.id
        )
    }
}

/// The evidence checker for tools that cannot replay (no protocol module): every EVIDENCE is not proven, so
/// nothing is slashed without a real replay.
public struct UnavailableEvidenceChecker: EvidenceChecker, Sendable {
    public init() {}
    public func check(_ evidence: PoUWEconomics.Evidence) -> EvidenceVerdict {
        .notProven(reason: "no evidence checker is installed in this tool")
    }
}
