public import PoUWChain
public import PoUWCore
public import PoUWCrypto
public import PoUWEconomics
import PoUWML
public import PoUWProtocol

/// The evaluators' work at the end of a task (PROTOCOL.md "finalisation"): test each selected miner's final model
/// on the revealed test set (the test batches the evaluating node fetched from the client, `Node.testSet(for:)`), turn the results into a `SettlementClaim` (v2: by seat ticket, with the selection's
/// VRF proofs), compute the payouts with the chain's own rule (`EconomicLedgerRules.expectedPayouts`, i.e.
/// economics' `PayoutRules.settle`) and sign the TASK_RESULT that pays them out of the escrow.
///
/// Definitions, all from the task's history and chain: a miner's final model is the state after its last message
/// in the history; its quality is that model's test accuracy in parts per million; its verified work is the
/// number of its messages in the history — zero, with quality zero, for a miner this node has proven a cheat
/// against in the task (`Node.audit.findings`: a block or an audited iteration that does not replay, a double
/// signature), so a cheater earns nothing from the fee; the blocks it mined for the task are the main-chain blocks since the
/// registration whose producing message is its; for each such block the claim carries the attestations of the
/// verifiers drawn for it (those heard, re-drawn with `EconomicLedgerRules.blockDraw`: the lowest draws fill the
/// task's `verifiersPerBlock` seats), and the block's miner pays each of them `verifierFeePerBlock`
/// (`EconomicLedgerRules.verifierCharges`). Guarantees: a pure function of the models, the test set, the history,
/// the chain, the selection and the attestations heard.
public enum TaskSettlement {
    /// One miner's evaluated model.
    public struct Score: Sendable, Hashable {
        public let miner: NodeKey
        public let ticket: Hash256
        public let stateHash: Hash256
        public let accuracy: Double
        public let loss: Double
        public let iterations: UInt64
        public let blocks: UInt64
        /// A cheat by this miner in the task was proven on the evaluating node: it is paid nothing.
        public let provenCheat: Bool
    }

    /// The settlement an evaluator proposes.
    public struct Proposal: Sendable {
        public let scores: [Score]
        public let claim: SettlementClaim
        public let table: PayoutTable
        /// The TASK_RESULT body without evaluator signatures.
        public let result: TaskResult
    }

    /// Why evaluation failed.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case missingModel(miner: NodeKey, state: Hash256)
        case notRegistered(Hash256)
        case testSetUnavailable(Hash256)
        case settlement(String)

        public var description: String {
            switch self {
            case .missingModel(let miner, let state):
                "the final model \(state.short) of miner \(miner.short) is not available"
            case .notRegistered(let id): "task \(id.short) is not registered on this chain"
            case .testSetUnavailable(let id):
                "this node does not hold the test set of task \(id.short) (the client reveals it for evaluation)"
            case .settlement(let reason): "settlement: \(reason)"
            }
        }
    }

    /// Evaluates the task and proposes its settlement, from what `node` holds (its history of the task, its
    /// chain, artefacts reachable from it). `attestationDepth`: only blocks at least this many blocks below the
    /// tip have their attestations claimed (0: all), so a claim made while a fork may still be open does not
    /// name a block a reorganization can remove (the TASK_RESULT would then be refused for good).
    public static func propose(
        task: PreparedTask,
        selection: TaskSelection,
        node: Node,
        attestationDepth: UInt64 = 0
    ) throws -> Proposal {
        guard let escrow = try node.chain.task(task.taskID) else { throw Failure.notRegistered(task.taskID) }
        // Each miner's last message and message count, from the history.
        var last: [NodeKey: UnsignedIterationMessage] = [:]
        var counts: [NodeKey: UInt64] = [:]
        for hash in node.recorders[task.taskID]?.history.messages ?? [] {
            guard let bytes = try node.artefacts.bytes(for: hash) else { continue }
            let body = try IterationMessage(canonicalBytes: bytes).body
            counts[body.minerKey, default: 0] += 1
            if body.sequence >= last[body.minerKey]?.sequence ?? 0 { last[body.minerKey] = body }
        }
        // Blocks per miner since the registration, and the attestations of the verifiers drawn for each.
        var blocks: [NodeKey: UInt64] = [:]
        var attested: [BlockAttestation] = []
        let ledger = node.chain.ledgerView()
        let terms = try EconomicLedgerRules.terms(task: task.taskID, ledger: ledger)
        if node.chain.tip.height > selection.registrationHeight {
            for h in (selection.registrationHeight + 1)...node.chain.tip.height {
                guard let block = try node.chain.block(atHeight: h),
                    let bytes = try node.artefacts.bytes(for: block.header.msgHash)
                else { continue }
                let body = try IterationMessage(canonicalBytes: bytes).body
                guard body.taskID == task.taskID else { continue }
                blocks[body.minerKey, default: 0] += 1
                guard h + attestationDepth <= node.chain.tip.height else { continue }
                // Only attestations the chain can accept take part: signed by the owner of an existing verifier
                // ticket whose stake is locked (a bogus one heard must not void the block's draw).
                let heard = (node.lifecycle.attestations[task.taskID]?[block.id] ?? [:]).values.filter { a in
                    guard let record = try? node.chain.ticket(a.ticket), record.role == .verifier,
                        a.signerAddress == record.owner, a.hasValidSignature
                    else { return false }
                    do { return try ledger.value(forKey: EconomicState.fate(a.ticket)) == nil } catch { return false }
                }
                .sorted { $0.ticket < $1.ticket }
                guard let terms, !heard.isEmpty,
                    let draw = try? node.economics.blockDraw(
                        heard,
                        block: block.id,
                        height: h,
                        taskId: task.taskID,
                        terms: terms,
                        ledger: ledger
                    )
                else { continue }
                let seated = Set(draw.seats.map(\.ticket))
                attested += heard.filter { seated.contains($0.ticket) }
            }
        }
        // The test set this node fetched from the client (each batch re-hashed; their root is the on-chain one).
        guard let testSet = try node.testSet(for: task) else { throw Failure.testSetUnavailable(task.taskID) }
        let cheaters = Set(
            node.audit.findings.filter { $0.evidence.taskId == task.taskID }.map(\.evidence.offender)
        )
        var scores: [Score] = []
        for ticket in selection.seats(.miner) {
            guard let miner = selection.keys[ticket] else { continue }
            let hash = last[miner]?.stateHashAfter ?? .zero
            guard let bytes = try node.artefacts.bytes(for: hash) else {
                throw Failure.missingModel(miner: miner, state: hash)
            }
            let evaluation = try Trainer(task: task.definition, stateBytes: bytes).evaluate(testSet)
            scores.append(
                Score(
                    miner: miner,
                    ticket: ticket,
                    stateHash: hash,
                    accuracy: evaluation.accuracy,
                    loss: evaluation.loss,
                    iterations: counts[miner] ?? 0,
                    blocks: blocks[miner] ?? 0,
                    provenCheat: cheaters.contains(miner.accountAddress)
                )
            )
        }
        let claim = SettlementClaim(
            miners: scores.map {
                .init(
                    ticket: $0.ticket,
                    qualityPPM: $0.provenCheat ? 0 : ppm($0.accuracy),
                    verifiedIterations: $0.provenCheat ? 0 : $0.iterations
                )
            },
            supervisors: selection.seats(.supervisor),
            evaluators: selection.seats(.evaluator),
            selection: selection.selection,
            // A claim carries at most `maxAttestations`: the earliest blocks' are kept.
            attestations: Array(attested.prefix(SettlementClaim.maxAttestations))
        )
        let settled: (table: PayoutTable, payouts: [Payout])
        do {
            let charges = try node.economics.verifierCharges(
                claim,
                taskId: task.taskID,
                task: escrow,
                height: node.chain.tip.height + 1,
                owners: selection.owners,
                ledger: ledger
            )
            settled = try node.economics.expectedPayouts(
                claim,
                task: escrow,
                owners: selection.owners,
                charges: charges
            )
        } catch {
            throw Failure.settlement("\(error)")
        }
        return Proposal(
            scores: scores,
            claim: claim,
            table: settled.table,
            result: TaskResult(taskId: task.taskID, metrics: claim.canonicalBytes, payouts: settled.payouts)
        )
    }

    /// Accuracy in parts per million, clamped to [0, 10⁶].
    public static func ppm(_ accuracy: Double) -> UInt32 {
        UInt32(max(0, min(1_000_000, (accuracy * 1_000_000).rounded())))
    }

    /// The account of a node key (SHA-256 of the key, first 20 bytes).
    public static func account(of key: NodeKey) throws -> Address {
        Address(publicKey: try Ed25519.PublicKey(bytes: key.bytes))
    }

    /// The TASK_RESULT carrying `result` with the evaluator `signatures` gathered (votes), sent by `sender`.
    public static func transaction(
        _ result: TaskResult,
        signatures: [EvaluatorSignature],
        sender: Ed25519.PrivateKey,
        sequence: UInt64
    ) -> Transaction {
        var body = result
        body.evaluatorSignatures = signatures
        return Transaction(body: .taskResult(body), signer: sender.publicKey, sequence: sequence, fee: .zero)
            .signed(with: sender)
    }
}
