public import PoUWCore
public import PoUWCrypto

/// A supervisor's signed statement "in task T, miner M's log (its messages in sequence order, `CanonicalHistory`)
/// had `size` messages with RFC 6962 root R at `time`". Canonical per-miner state: two honest supervisors holding
/// the same messages sign the same (task, miner, size, root), whatever order the messages reached them in.
///
/// Canonical form (tag `historyCheckpoint` 0x51, version 2): `taskID(32) supervisor(32) miner(32) size u64
/// root(32) time u64`, then the 64-byte Ed25519 signature by `supervisor` over everything before it. (Version 1
/// signed the arrival-order history of the whole task and had no miner field.) Guarantees: decoding is strict;
/// `hasValidSignature` checks the signature; two checkpoints of one supervisor for one task and miner are
/// consistent exactly when a `MerkleConsistencyProof` between their sizes verifies (see `isConsistent`).
public struct HistoryCheckpoint: Sendable, Hashable, CanonicalCodable {
    /// Format version of the canonical record.
    public static let formatVersion: UInt8 = 2

    public let taskID: Hash256
    public let supervisor: NodeKey
    /// The miner whose log this checkpoint states.
    public let miner: NodeKey
    public let size: UInt64
    public let root: Hash256
    /// Milliseconds since the Unix epoch.
    public let time: UInt64
    public let signature: MessageSignature

    /// Signs the current state of `log`, miner `miner`'s log (`CanonicalHistory.log(of:)`), with `key`.
    public init(log history: MessageHistory, miner: NodeKey, time: UInt64, key: Ed25519.PrivateKey) {
        let supervisor = NodeKey(key.publicKey)
        let body = Self.bodyBytes(
            taskID: history.taskID,
            supervisor: supervisor,
            miner: miner,
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
            miner: miner,
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
        miner: NodeKey,
        size: UInt64,
        root: Hash256,
        time: UInt64,
        signature: MessageSignature
    ) {
        self.taskID = taskID
        self.supervisor = supervisor
        self.miner = miner
        self.size = size
        self.root = root
        self.time = time
        self.signature = signature
    }

    static func bodyBytes(
        taskID: Hash256,
        supervisor: NodeKey,
        miner: NodeKey,
        size: UInt64,
        root: Hash256,
        time: UInt64
    ) -> [UInt8] {
        var writer = ByteWriter(capacity: 2 + 32 + 32 + 32 + 8 + 32 + 8)
        writer.header(tag: .historyCheckpoint, version: formatVersion)
        writer.hash(taskID)
        writer.raw(supervisor.bytes)
        writer.raw(miner.bytes)
        writer.u64(size)
        writer.hash(root)
        writer.u64(time)
        return writer.bytes
    }

    /// The signed bytes (everything but the signature).
    public var signedBytes: [UInt8] {
        Self.bodyBytes(taskID: taskID, supervisor: supervisor, miner: miner, size: size, root: root, time: time)
    }

    /// Whether the signature is the supervisor's over `signedBytes`.
    public var hasValidSignature: Bool {
        guard let key = try? Ed25519.PublicKey(bytes: supervisor.bytes) else { return false }
        return key.isValidSignature(signature.bytes, for: signedBytes)
    }

    /// Whether `history` (the receiver's canonical copy) has this miner's log at this size with exactly this
    /// root; `nil` when the receiver's log is shorter than `size` (it cannot tell yet).
    public func matches(_ history: CanonicalHistory) -> Bool? {
        guard history.taskID == taskID else { return false }
        let log = history.log(of: miner)
        guard size <= UInt64(log.count) else { return nil }
        return (try? log.root(size: Int(size))) == root
    }

    /// Whether `later` (same task, supervisor and miner) extends this checkpoint, as shown by `proof`.
    public func isConsistent(with later: HistoryCheckpoint, proof: MerkleConsistencyProof) -> Bool {
        guard later.taskID == taskID, later.supervisor == supervisor, later.miner == miner, later.size >= size,
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
        let minerBytes = try reader.raw(NodeKey.byteCount)
        miner = try UnsignedIterationMessage.field("miner") { () throws(IterationMessageError) in
            try NodeKey(bytes: minerBytes)
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
