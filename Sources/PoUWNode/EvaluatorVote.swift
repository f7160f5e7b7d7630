public import PoUWChain
public import PoUWCore
public import PoUWCrypto

/// A seated evaluator's signature on the TASK_RESULT it would submit for a task (Docs/protocol.md "End of
/// training"): evaluators that reach the same result gather each other's votes until a quorum of the evaluator
/// seats' holders signed it, and the first of them by seat submits it.
///
/// Canonical bytes (tag `evaluatorVote` 0x83, version 1): `task id (32 bytes) ‖ SHA-256 of the result's
/// evaluatorMessage (32 bytes) ‖ evaluator's Ed25519 public key (32 bytes) ‖ signature (64 bytes)`. The signature
/// is exactly the `EvaluatorSignature` the TASK_RESULT carries: over the result's `evaluatorMessage`.
///
/// Guarantees: strict decoding (truncation and trailing bytes are `CanonicalDecodingError`s); a decoded vote
/// re-encodes to the same bytes. `verifies(message:)` is true only for the message whose hash the vote names,
/// validly signed by the vote's key.
public struct EvaluatorVote: Sendable, Equatable, CanonicalCodable {
    public static let version: UInt8 = 1

    public let taskID: Hash256
    /// SHA-256 of the TASK_RESULT's `evaluatorMessage` the signature covers.
    public let messageHash: Hash256
    public let signature: EvaluatorSignature

    public init(taskID: Hash256, messageHash: Hash256, signature: EvaluatorSignature) {
        self.taskID = taskID
        self.messageHash = messageHash
        self.signature = signature
    }

    /// `key`'s vote for `result`.
    public static func sign(_ result: TaskResult, key: Ed25519.PrivateKey) -> EvaluatorVote {
        let message = result.evaluatorMessage
        return EvaluatorVote(
            taskID: result.taskId,
            messageHash: Hash256.sha256(message),
            signature: EvaluatorSignature(publicKey: key.publicKey.bytes, signature: key.sign(message))
        )
    }

    /// Whether this vote signs `message` (an `evaluatorMessage`): its hash is the one named and the signature
    /// verifies under the vote's key.
    public func verifies(message: [UInt8]) -> Bool {
        guard Hash256.sha256(message) == messageHash, let key = try? Ed25519.PublicKey(bytes: signature.publicKey)
        else { return false }
        return key.isValidSignature(signature.signature, for: message)
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .evaluatorVote, version: Self.version)
        writer.hash(taskID)
        writer.hash(messageHash)
        writer.raw(signature.publicKey)
        writer.raw(signature.signature)
    }

    public init(from reader: inout ByteReader) throws {
        _ = try reader.header(tag: .evaluatorVote, versions: Self.version...Self.version)
        taskID = try reader.hash()
        messageHash = try reader.hash()
        signature = EvaluatorSignature(
            publicKey: try reader.raw(Ed25519.publicKeyByteCount),
            signature: try reader.raw(Ed25519.signatureByteCount)
        )
    }
}
