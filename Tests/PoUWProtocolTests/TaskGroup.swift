import PoUWCore
import PoUWCrypto
import PoUWProtocol

/// A small task for recorder tests: three miners (seeds 1, 2, 3), twelve batches, the v1 seeded assignment, and
/// helpers that build each miner's next correctly linked, correctly assigned, signed message.
struct TaskGroup {
    static let tau: Float = 0.01
    let batchHashes = (0..<12).map { Samples.h("batch \($0)") }
    let signers = [Samples.signer(1), Samples.signer(2), Samples.signer(3)]
    var keys: [NodeKey] { signers.map { NodeKey($0.publicKey) } }
    let assignment: SeededBatchAssignment
    let rules: TaskRules
    /// Each miner's last message.
    var tips: [IterationMessage?] = [nil, nil, nil]

    init() {
        let keys = signers.map { NodeKey($0.publicKey) }
        assignment = try! SeededBatchAssignment(seed: Samples.h("task seed"), miners: keys, batchCount: 12)
        rules = try! TaskRules(
            taskID: Samples.task,
            miners: Set(keys),
            assignment: assignment,
            batchHashes: batchHashes,
            datasetRoot: TaskRules.datasetRoot(batchHashes: batchHashes),
            parameterCount: 5_000,
            tau: Self.tau
        )
    }

    /// Miner `m`'s next message applying `peers`; `edit` may change the content before signing.
    func next(
        _ m: Int,
        peers: [IterationMessage] = [],
        edit: (inout UnsignedIterationMessage) -> Void = { _ in }
    ) -> IterationMessage {
        let tip = tips[m]
        let sequence = tip.map { $0.body.sequence + 1 } ?? 0
        let before = tip?.body.stateHashAfter ?? Samples.h("initial model")
        let batch = assignment.batch(miner: keys[m], sequence: sequence)!
        var body = try! UnsignedIterationMessage(
            taskID: Samples.task,
            minerKey: keys[m],
            epoch: batch.epoch,
            sequence: sequence,
            previousMessage: tip?.hash ?? .zero,
            batchIndex: batch.index,
            batchHash: batchHashes[Int(batch.index)],
            stateHashBefore: before,
            appliedPeerMessages: peers.map(\.hash),
            update: try! SparseUpdateWords(words: [UInt32(m), UInt32(100 + sequence)]),
            tau: Self.tau,
            learningRate: 0.001,
            loss: 1.5,
            accuracy: 0.5,
            overdrive: 0,
            stateHashAfter: Samples.h("state \(m) \(sequence)"),
            zeroNonceCommitment: .zero,
            startTime: 1_000 * (sequence + 1),
            finishTime: 1_000 * (sequence + 1) + 500
        )
        edit(&body)
        return try! body.signed(with: signers[m])
    }

    /// Builds miner `m`'s next message and makes it the tip.
    mutating func advance(_ m: Int, peers: [IterationMessage] = []) -> IterationMessage {
        let message = next(m, peers: peers)
        tips[m] = message
        return message
    }
}
