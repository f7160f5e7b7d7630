import PoUWCore
import PoUWProtocol

/// Deterministic sample messages for the tests: one miner's chain with distinct, plausible field values.
enum Samples {
    static let task = Hash256.sha256(Array("sample task".utf8))

    static func key(_ n: UInt8) -> MinerKey { try! MinerKey(bytes: [UInt8](repeating: n, count: 32)) }

    static func h(_ label: String) -> Hash256 { Hash256.sha256(Array(label.utf8)) }

    /// The unsigned content of message `sequence` of miner `key`, linked to `previous`.
    static func body(
        sequence: UInt64,
        previous: Hash256 = .zero,
        stateBefore: Hash256? = nil,
        key: MinerKey = key(7),
        commitment: Hash256 = .zero,
        update: SparseUpdateWords? = nil
    ) -> UnsignedIterationMessage {
        try! UnsignedIterationMessage(
            taskID: task,
            minerKey: key,
            epoch: UInt32(sequence / 10),
            sequence: sequence,
            previousMessage: previous,
            batchIndex: UInt32(sequence * 3 % 17),
            batchHash: h("batch \(sequence)"),
            stateHashBefore: stateBefore ?? h("state \(sequence)"),
            appliedPeerMessages: [h("peer a \(sequence)"), h("peer b \(sequence)")],
            update: update ?? (try! SparseUpdateWords(words: [3, 17, 1_000, 0x8000_0004, 0x8000_0010])),
            tau: 0.01,
            learningRate: 0.001,
            loss: 2.302_585,
            accuracy: 0.125,
            overdrive: 2,
            stateHashAfter: h("state \(sequence + 1)"),
            zeroNonceCommitment: commitment,
            startTime: 1_700_000_000_000 + sequence * 100,
            finishTime: 1_700_000_000_050 + sequence * 100
        )
    }
}
