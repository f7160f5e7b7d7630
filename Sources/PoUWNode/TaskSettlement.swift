public import PoUWChain
public import PoUWCore
public import PoUWCrypto
public import PoUWEconomics
import PoUWML
public import PoUWProtocol

/// The evaluators' work at the end of a task (PROTOCOL.md "finalisation"): test each miner's final model on the
/// revealed test set, turn the accuracies into the economics module's payout table (`PayoutRules.settle`), and
/// sign the TASK_RESULT that pays it out of the escrow.
///
/// Definitions: a miner's quality is its model's test accuracy in parts per million; its verified work is the
/// number of its messages in the supervisors' history; the metrics bytes are `count, (miner key 32B, accuracy
/// ppm u32le)…` in miner-key order. Guarantees: a pure function of the models, the test set and the history.
public enum TaskSettlement {
    /// One miner's evaluated model.
    public struct Score: Sendable, Hashable {
        public let miner: NodeKey
        public let stateHash: Hash256
        public let accuracy: Double
        public let loss: Double
        public let iterations: UInt64
    }

    /// Why evaluation failed.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case missingModel(miner: NodeKey, state: Hash256)
        case settlement(String)

        public var description: String {
            switch self {
            case .missingModel(let miner, let state):
                "the final model \(state.short) of miner \(miner.short) is not available"
            case .settlement(let reason): "settlement: \(reason)"
            }
        }
    }

    /// Tests every miner's final model (`finalStates`, fetched from `artefacts`) on the task's test set.
    public static func evaluate(
        task: PreparedTask,
        finalStates: [NodeKey: Hash256],
        iterations: [NodeKey: UInt64],
        artefacts: any ArtefactSource
    ) throws -> [Score] {
        try finalStates.keys.sorted().map { miner in
            let hash = finalStates[miner] ?? .zero
            guard let bytes = try artefacts.bytes(for: hash) else {
                throw Failure.missingModel(miner: miner, state: hash)
            }
            let trainer = try Trainer(task: task.definition, stateBytes: bytes)
            let evaluation = try trainer.evaluate(task.test)
            return Score(
                miner: miner,
                stateHash: hash,
                accuracy: evaluation.accuracy,
                loss: evaluation.loss,
                iterations: iterations[miner] ?? 0
            )
        }
    }

    /// The payout table for `scores`.
    public static func payoutTable(
        task: PreparedTask,
        client: Address,
        scores: [Score],
        supervisors: [Address],
        evaluators: [Address],
        parameters: EconomicsParameters = .local
    ) throws -> PayoutTable {
        let miners = try scores.map {
            MinerContribution(
                account: try account(of: $0.miner),
                qualityPPM: UInt32(max(0, min(1_000_000, ($0.accuracy * 1_000_000).rounded()))),
                verifiedIterations: $0.iterations
            )
        }
        let input = SettlementInput(
            client: client,
            escrow: task.escrow,
            miners: miners,
            supervisors: supervisors,
            evaluators: evaluators,
            verifierCharges: []
        )
        do { return try PayoutRules.settle(input, parameters: parameters) } catch {
            throw Failure.settlement("\(error)")
        }
    }

    /// The account of a node key (SHA-256 of the key, first 20 bytes).
    public static func account(of key: NodeKey) throws -> Address {
        Address(publicKey: try Ed25519.PublicKey(bytes: key.bytes))
    }

    /// The metrics bytes of `scores`.
    public static func metrics(_ scores: [Score]) -> [UInt8] {
        var writer = ByteWriter(capacity: 8 + 36 * scores.count)
        writer.length(scores.count)
        for score in scores.sorted(by: { $0.miner < $1.miner }) {
            writer.raw(score.miner.bytes)
            writer.u32(UInt32(max(0, min(1_000_000, (score.accuracy * 1_000_000).rounded()))))
        }
        return writer.bytes
    }

    /// The TASK_RESULT paying `table` (the client's refund is left to the chain), signed by `evaluators` and
    /// sent by the first of them.
    public static func result(
        task: PreparedTask,
        client: Address,
        scores: [Score],
        table: PayoutTable,
        evaluators: [Ed25519.PrivateKey],
        sequence: UInt64
    ) -> Transaction? {
        guard let sender = evaluators.first else { return nil }
        let payouts = table.lines.compactMap { line -> Payout? in
            let amount =
                line.account == client ? line.net.units - min(line.net.units, line.refund.units) : line.net.units
            return amount == 0 ? nil : Payout(to: line.account, amount: Amount(units: amount))
        }
        var body = TaskResult(taskId: task.taskID, metrics: metrics(scores), payouts: payouts)
        let message = body.evaluatorMessage
        body.evaluatorSignatures = evaluators.map {
            EvaluatorSignature(publicKey: $0.publicKey.bytes, signature: $0.sign(message))
        }
        return Transaction(body: .taskResult(body), signer: sender.publicKey, sequence: sequence, fee: .zero)
            .signed(with: sender)
    }
}
