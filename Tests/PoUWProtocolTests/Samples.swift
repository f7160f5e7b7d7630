import PoUWCore
import PoUWCrypto
import PoUWProtocol

/// Deterministic sample keys and messages for the tests: distinct, plausible field values, real signatures.
enum Samples {
    static let task = Hash256.sha256(Array("sample task".utf8))

    /// The Ed25519 key whose seed is 32 bytes of `n`.
    static func signer(_ n: UInt8) -> Ed25519.PrivateKey {
        try! Ed25519.PrivateKey(seed: [UInt8](repeating: n, count: 32))
    }

    static func key(_ n: UInt8) -> NodeKey { NodeKey(signer(n).publicKey) }

    static func h(_ label: String) -> Hash256 { Hash256.sha256(Array(label.utf8)) }

    static let defaultUpdate = try! SparseUpdateWords(words: [3, 17, 1_000, 0x8000_0004, 0x8000_0010])

    /// The unsigned content of message `sequence` of miner `n`, linked to `previous`.
    static func body(
        sequence: UInt64,
        previous: Hash256 = .zero,
        stateBefore: Hash256? = nil,
        miner n: UInt8 = 7,
        commitment: Hash256 = .zero,
        update: SparseUpdateWords = defaultUpdate,
        peers: [Hash256]? = nil
    ) -> UnsignedIterationMessage {
        try! UnsignedIterationMessage(
            taskID: task,
            minerKey: key(n),
            epoch: UInt32(sequence / 10),
            sequence: sequence,
            previousMessage: previous,
            batchIndex: UInt32(sequence * 3 % 17),
            batchHash: h("batch \(sequence)"),
            stateHashBefore: stateBefore ?? h("state \(sequence)"),
            appliedPeerMessages: peers ?? [h("peer a \(sequence)"), h("peer b \(sequence)")],
            update: update,
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

    /// `body(…)` signed by miner `n`.
    static func message(
        sequence: UInt64,
        previous: Hash256 = .zero,
        miner n: UInt8 = 7,
        commitment: Hash256 = .zero,
        peers: [Hash256]? = nil
    )
        -> IterationMessage
    {
        try! body(sequence: sequence, previous: previous, miner: n, commitment: commitment, peers: peers)
            .signed(with: signer(n))
    }
}
