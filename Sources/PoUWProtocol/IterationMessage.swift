public import PoUWCore
import PoUWCrypto

/// The content of one iteration message (IT_RES) before it is signed: everything PROTOCOL.md "Iteration message"
/// lists, in that order.
///
/// Guarantees: a value that exists satisfies the structural rules that need no context (key length, update words
/// strictly increasing with no parameter twice, finite metrics, positive τ, `startTime ≤ finishTime`, limits);
/// its canonical bytes (`canonicalBytes`, tag `iterationMessage` 0x50, version 1) are exactly what the miner
/// signs. Rules that need context (the miner's chain, the task, the batch assignment) are checked elsewhere
/// (`MinerChain`, `ArrivalCheck`).
public struct UnsignedIterationMessage: Sendable, Hashable {
    /// Format version of the canonical record (the byte after the tag).
    public static let formatVersion: UInt8 = 1

    /// The task (id of its PAY_FOR_TASK or filler-task definition).
    public var taskID: Hash256
    /// The miner's Ed25519 public key, 32 bytes.
    public var minerKey: NodeKey
    /// Training epoch the batch belongs to.
    public var epoch: UInt32
    /// Position in this miner's own message chain for the task, 0 for its first message.
    public var sequence: UInt64
    /// Hash of this miner's previous message for the task (`Hash256.zero` when `sequence == 0`).
    public var previousMessage: Hash256
    /// Index of the batch trained on, in the task's dataset order.
    public var batchIndex: UInt32
    /// Hash of that batch's canonical bytes (a leaf of the dataset Merkle tree).
    public var batchHash: Hash256
    /// State hash (weights or counts, optimizer state, residual) at the start of the iteration, before the peer
    /// updates are applied: equal to the `stateHashAfter` of the miner's previous message.
    public var stateHashBefore: Hash256
    /// Hashes of the peer messages whose updates were applied, in the order they were applied.
    public var appliedPeerMessages: [Hash256]
    /// The sparse ±τ update: sorted 32-bit words, bit 31 the sign (1 = −τ), bits 0–30 the flat parameter index.
    public var update: SparseUpdateWords
    /// τ, the magnitude of one update step.
    public var tau: Float
    /// Learning rate used by the optimizer for this step.
    public var learningRate: Float
    /// Training loss on the batch after the step.
    public var loss: Float
    /// Training accuracy on the batch after the step, in [0, 1].
    public var accuracy: Float
    /// Count of entries where the dense delta and the emitted ±τ step differ by more than τ.
    public var overdrive: UInt32
    /// State hash after the iteration (peer updates, own step and own update applied). Also the nonce precursor's
    /// model hash (see `NonceInterval`).
    public var stateHashAfter: Hash256
    /// SHA-256d of the block template (`version‖prev‖txRoot‖time‖bits`) the miner may use at sequence
    /// `sequence + MiningRules.commitmentDistance`; `Hash256.zero` if it commits to none.
    public var zeroNonceCommitment: Hash256
    /// When the iteration started and finished, milliseconds since the Unix epoch.
    public var startTime: UInt64
    public var finishTime: UInt64

    /// Checks the context-free rules; throws `IterationMessageError` naming the first one broken.
    public init(
        taskID: Hash256,
        minerKey: NodeKey,
        epoch: UInt32,
        sequence: UInt64,
        previousMessage: Hash256,
        batchIndex: UInt32,
        batchHash: Hash256,
        stateHashBefore: Hash256,
        appliedPeerMessages: [Hash256],
        update: SparseUpdateWords,
        tau: Float,
        learningRate: Float,
        loss: Float,
        accuracy: Float,
        overdrive: UInt32,
        stateHashAfter: Hash256,
        zeroNonceCommitment: Hash256,
        startTime: UInt64,
        finishTime: UInt64
    ) throws(IterationMessageError) {
        self.taskID = taskID
        self.minerKey = minerKey
        self.epoch = epoch
        self.sequence = sequence
        self.previousMessage = previousMessage
        self.batchIndex = batchIndex
        self.batchHash = batchHash
        self.stateHashBefore = stateHashBefore
        self.appliedPeerMessages = appliedPeerMessages
        self.update = update
        self.tau = tau
        self.learningRate = learningRate
        self.loss = loss
        self.accuracy = accuracy
        self.overdrive = overdrive
        self.stateHashAfter = stateHashAfter
        self.zeroNonceCommitment = zeroNonceCommitment
        self.startTime = startTime
        self.finishTime = finishTime
        try validate()
    }

    /// The context-free rules every message must satisfy.
    public func validate() throws(IterationMessageError) {
        if appliedPeerMessages.count > IterationMessageLimits.maxPeerMessages {
            throw .tooManyPeerMessages(count: appliedPeerMessages.count)
        }
        if (sequence == 0) != (previousMessage == .zero) {
            throw .chainStartMismatch(sequence: sequence, previous: previousMessage)
        }
        guard tau.isFinite, tau > 0 else { throw .invalidFloat(field: "tau", bits: tau.bitPattern) }
        guard learningRate.isFinite, learningRate >= 0 else {
            throw .invalidFloat(field: "learningRate", bits: learningRate.bitPattern)
        }
        guard loss.isFinite else { throw .invalidFloat(field: "loss", bits: loss.bitPattern) }
        guard accuracy.isFinite, accuracy >= 0, accuracy <= 1 else {
            throw .invalidFloat(field: "accuracy", bits: accuracy.bitPattern)
        }
        if startTime > finishTime { throw .timesReversed(start: startTime, finish: finishTime) }
    }
}

/// A signed iteration message: the unsigned content plus the miner's Ed25519 signature over its canonical bytes.
///
/// Guarantees: `canonicalBytes` = the unsigned canonical bytes followed by the 64 signature bytes; `hash` =
/// SHA-256 of those bytes, the message's identity everywhere (history leaves, `msgHash` in block headers, peer
/// lists, the store). Whether the signature verifies is checked by `verifySignature()`, not by construction, so
/// that a forged message can be decoded, inspected and rejected with a reason. Two messages are equal exactly when
/// their hashes are (that is, their canonical bytes).
public struct IterationMessage: Sendable, Hashable, CanonicalCodable {
    /// The signed content.
    public let body: UnsignedIterationMessage
    /// Ed25519 signature (64 bytes) by `body.minerKey` over `body.canonicalBytes`.
    public let signature: MessageSignature
    /// `body.canonicalBytes`, kept so that hashing and signature checks never re-encode.
    public let signedBytes: [UInt8]
    /// The message's identity: SHA-256 of its signed canonical bytes (`signedBytes ‖ signature`), computed once.
    public let hash: Hash256

    /// Pairs content with a signature as received; use `hasValidSignature` before trusting it.
    public init(body: UnsignedIterationMessage, signature: MessageSignature) {
        self.init(body: body, signedBytes: body.canonicalBytes, signature: signature)
    }

    private init(body: UnsignedIterationMessage, signedBytes: [UInt8], signature: MessageSignature) {
        var hasher = SHA256.Hasher()
        hasher.update(signedBytes)
        hasher.update(signature.bytes)
        self.init(body: body, signedBytes: signedBytes, signature: signature, hash: Hash256(hasher.finalize()))
    }

    private init(body: UnsignedIterationMessage, signedBytes: [UInt8], signature: MessageSignature, hash: Hash256) {
        self.body = body
        self.signature = signature
        self.signedBytes = signedBytes
        self.hash = hash
    }

    /// Where the update's words sit in `canonicalBytes`: what a store delta-codes when it keeps the message
    /// (`StoragePreference.smallestWithSparseWords`). In the canonical layout they are followed by exactly the
    /// fixed-size tail (τ, learning rate, loss, accuracy, overdrive, state hash after, zero-nonce commitment, start
    /// and finish times: 100 bytes) and the signature.
    public var updateWordsRange: Range<Int> {
        let end = signedBytes.count - Self.tailAfterUpdate
        return end - 4 * body.update.count..<end
    }

    /// Bytes of the unsigned canonical form after the update's words.
    static let tailAfterUpdate = 4 * 5 + 32 * 2 + 8 * 2

    /// Strictly decodes a complete message whose SHA-256 the caller already holds (bytes a `Store` read, which
    /// re-hashes every object against its key), so the identity is not computed twice.
    init(canonicalBytes bytes: [UInt8], hashedAs hash: Hash256) throws {
        var reader = ByteReader(bytes)
        let (body, signedBytes, signature) = try Self.parts(from: &reader)
        try reader.finish()
        self.init(body: body, signedBytes: signedBytes, signature: signature, hash: hash)
    }

    private static func parts(
        from reader: inout ByteReader
    ) throws -> (UnsignedIterationMessage, [UInt8], MessageSignature) {
        let start = reader.offset
        let body = try UnsignedIterationMessage(from: &reader)
        let signedBytes = Array(reader.bytes[start..<reader.offset])
        let signatureBytes = try reader.raw(MessageSignature.byteCount)
        let signature = try UnsignedIterationMessage.field("signature") { () throws(IterationMessageError) in
            try MessageSignature(bytes: signatureBytes)
        }
        return (body, signedBytes, signature)
    }

    public func encode(to writer: inout ByteWriter) {
        writer.raw(signedBytes)
        writer.raw(signature.bytes)
    }

    public init(from reader: inout ByteReader) throws {
        let (body, signedBytes, signature) = try Self.parts(from: &reader)
        self.init(body: body, signedBytes: signedBytes, signature: signature)
    }

    public static func == (lhs: IterationMessage, rhs: IterationMessage) -> Bool { lhs.hash == rhs.hash }

    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// Decoder limits for iteration messages: no allocation is sized from input beyond these.
public enum IterationMessageLimits {
    /// Most peer updates one iteration may apply.
    public static let maxPeerMessages = 4096
    /// Most update words one message may carry (2^24: far above any model the seed's tasks define).
    public static let maxUpdateWords = 1 << 24
}
