public import PoUWCore
public import PoUWCrypto

/// A supervisor's signed statement "the history of task T had `size` messages with root R at `time`".
///
/// Canonical form (tag `historyCheckpoint` 0x51, version 1): `taskID(32) supervisor(32) size u64 root(32)
/// time u64`, then the 64-byte Ed25519 signature by `supervisor` over everything before it. Guarantees: decoding
/// is strict; `hasValidSignature` checks the signature; two checkpoints of one supervisor for one task are
/// consistent exactly when a `MerkleConsistencyProof` between their sizes verifies (see `isConsistent`).
public struct HistoryCheckpoint: Sendable, Hashable, CanonicalCodable {
    /// Format version of the canonical record.
    public static let formatVersion: UInt8 = 1

    public let taskID: Hash256
    public let supervisor: NodeKey
    public let size: UInt64
    public let root: Hash256
    /// Milliseconds since the Unix epoch.
    public let time: UInt64
    public let signature: MessageSignature

    /// Signs the current state of `history` with `key`.
    public init(history: MessageHistory, time: UInt64, key: Ed25519.PrivateKey) {
        let supervisor = NodeKey(key.publicKey)
        let body = Self.bodyBytes(
            taskID: history.taskID,
            supervisor: supervisor,
            size: UInt64(history.count),
            root: history.root,
            time: time
        )
        guard let signature = try? MessageSignature(bytes: key.sign(body)) else {
            preconditionFailure("Ed25519 signature length")
        }
        self.init(
            taskID: history.taskID,
            supervisor: supervisor,
            size: UInt64(history.count),
            root: history.root,
            time: time,
            signature: signature
        )
    }

    /// A checkpoint from its fields as received; check `hasValidSignature` before trusting it.
    public init(
        taskID: Hash256,
        supervisor: NodeKey,
        size: UInt64,
        root: Hash256,
        time: UInt64,
        signature: MessageSignature
    ) {
        self.taskID = taskID
        self.supervisor = supervisor
        self.size = size
        self.root = root
        self.time = time
        self.signature = signature
    }

    static func bodyBytes(taskID: Hash256, supervisor: NodeKey, size: UInt64, root: Hash256, time: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: 2 + 32 + 32 + 8 + 32 + 8)
        writer.header(tag: .historyCheckpoint, version: formatVersion)
        writer.hash(taskID)
        writer.raw(supervisor.bytes)
        writer.u64(size)
        writer.hash(root)
        writer.u64(time)
        return writer.bytes
    }

    /// The signed bytes (everything but the signature).
    public var signedBytes: [UInt8] {
        Self.bodyBytes(taskID: taskID, supervisor: supervisor, size: size, root: root, time: time)
    }

    /// Whether the signature is the supervisor's over `signedBytes`.
    public var hasValidSignature: Bool {
        guard let key = try? Ed25519.PublicKey(bytes: supervisor.bytes) else { return false }
        return key.isValidSignature(signature.bytes, for: signedBytes)
    }

    /// Whether `history` (the verifier's copy) had exactly this root at this size.
    public func matches(_ history: MessageHistory) -> Bool {
        guard history.taskID == taskID, size <= UInt64(history.count) else { return false }
        return (try? history.root(size: Int(size))) == root
    }

    /// Whether `later` (same task and supervisor) extends this checkpoint, as shown by `proof`.
    public func isConsistent(with later: HistoryCheckpoint, proof: MerkleConsistencyProof) -> Bool {
        guard later.taskID == taskID, later.supervisor == supervisor, later.size >= size,
            proof.oldSize == Int(size), proof.newSize == Int(later.size)
        else { return false }
        return proof.verify(oldRoot: root, newRoot: later.root)
    }

    public func encode(to writer: inout ByteWriter) {
        writer.raw(signedBytes)
        writer.raw(signature.bytes)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .historyCheckpoint, versions: Self.formatVersion...Self.formatVersion)
        taskID = try reader.hash()
        let keyBytes = try reader.raw(NodeKey.byteCount)
        supervisor = try UnsignedIterationMessage.field("supervisor") { () throws(IterationMessageError) in
            try NodeKey(bytes: keyBytes)
        }
        size = try reader.u64()
        guard size <= UInt64(MerkleInclusionProof.maxTreeSize) else {
            throw CanonicalDecodingError.invalidValue(field: "size", reason: "\(size) exceeds 2^48")
        }
        root = try reader.hash()
        time = try reader.u64()
        let signatureBytes = try reader.raw(MessageSignature.byteCount)
        signature = try UnsignedIterationMessage.field("signature") { () throws(IterationMessageError) in
            try MessageSignature(bytes: signatureBytes)
        }
    }
}
