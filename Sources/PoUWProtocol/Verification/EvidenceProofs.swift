public import PoUWCore
import PoUWCrypto
public import PoUWEconomics

/// The payload of EVIDENCE of kind `failedReplay`: the signed iteration message (IT_RES) that does not replay to
/// what it claims. Everything else the replay needs (the task's PAY_FOR_TASK, the state before, the peers'
/// messages, the batch) is fetched by hash from the checking node's artefacts.
///
/// Canonical record `failedReplayProof` (0x58) v1: `messageHash 32 B`. Guarantees: strict decoding.
public struct FailedReplayProof: Sendable, Hashable, CanonicalCodable {
    public static let formatVersion: UInt8 = 1

    /// The hash of the offending IT_RES (SHA-256 of its signed canonical bytes).
    public let messageHash: Hash256

    public init(messageHash: Hash256) { self.messageHash = messageHash }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .failedReplayProof, version: Self.formatVersion)
        writer.hash(messageHash)
    }

    public init(from reader: inout ByteReader) throws {
        _ = try reader.header(tag: .failedReplayProof, versions: Self.formatVersion...Self.formatVersion)
        messageHash = try reader.hash()
    }
}

/// The payload of EVIDENCE of kind `doubleSignature`: two different IT_RES messages signed by one miner key for
/// the same slot (task, miner, sequence), in one of two forms chosen by size (one encoding per pair):
///
/// - **Embedded** (record `doubleSignatureProof` 0x59 **v1**, unchanged): `first (LEB128 length + IT_RES bytes)`,
///   `second (same)`, ordered so that `first.hash < second.hash` (bytewise). Self-contained: the checker needs no
///   artefact. Used when both messages together take at most `maxEmbeddedBytes`, so the EVIDENCE fits the
///   chain's 128 KiB proof cap (`TransactionLimits.evidenceProofBytes`).
/// - **By hash** (0x59 **v2**): `taskID 32 B, minerKey 32 B, sequence u64, firstHash 32 B, secondHash 32 B`
///   (136 bytes whatever the update size), `firstHash < secondHash`. The checker fetches both messages by hash (an
///   IT_RES is content-addressed: the hash covers its signed bytes and signature), checks each signature and that
///   both bodies are for the stated slot. A node that reports one keeps both messages in its artefact store so
///   others can fetch them; a node missing one gets `notProven("unavailable: …")`, never `proven`.
///
/// Decoding rejects equal or misordered messages and a v1 proof larger than `maxEmbeddedBytes` (which must be v2).
public struct DoubleSignatureProof: Sendable, Hashable, CanonicalCodable {
    /// The newest version (by hash); v1 (embedded) still decodes and is still produced for small messages.
    public static let formatVersion: UInt8 = 2
    public static let maxMessageBytes = 1 << 20
    /// Both messages' bytes together at most this: embedded (v1); above: by hash (v2).
    public static let maxEmbeddedBytes = 120 << 10

    /// The slot both messages claim.
    public let taskID: Hash256
    public let minerKey: NodeKey
    public let sequence: UInt64
    /// The two messages' hashes, `firstHash < secondHash` bytewise.
    public let firstHash: Hash256
    public let secondHash: Hash256
    /// `[first, second]` (hash order) when the proof carries them (built from messages, or decoded from v1);
    /// empty for a by-hash proof decoded from v2.
    public let messages: [IterationMessage]

    /// Whether the canonical form embeds the messages (v1).
    public var isEmbedded: Bool {
        messages.count == 2
            && messages[0].canonicalBytes.count + messages[1].canonicalBytes.count <= Self.maxEmbeddedBytes
    }

    /// Why two messages do not make a double-signature proof.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case sameMessage
        case differentSlot

        public var description: String {
            switch self {
            case .sameMessage: "the two messages are the same message"
            case .differentSlot: "the messages are not for the same task, miner and sequence"
            }
        }
    }

    /// The proof for `a` and `b` (either order); they must be distinct and for the same (task, miner, sequence).
    /// Signatures are not checked here (the checker does).
    public init(_ a: IterationMessage, _ b: IterationMessage) throws(Failure) {
        guard a.hash != b.hash else { throw .sameMessage }
        guard a.body.taskID == b.body.taskID, a.body.minerKey == b.body.minerKey, a.body.sequence == b.body.sequence
        else { throw .differentSlot }
        let ordered = a.hash.bytes.lexicographicallyPrecedes(b.hash.bytes)
        let (first, second) = ordered ? (a, b) : (b, a)
        self.init(
            taskID: a.body.taskID,
            minerKey: a.body.minerKey,
            sequence: a.body.sequence,
            firstHash: first.hash,
            secondHash: second.hash,
            messages: [first, second]
        )
    }

    private init(
        taskID: Hash256,
        minerKey: NodeKey,
        sequence: UInt64,
        firstHash: Hash256,
        secondHash: Hash256,
        messages: [IterationMessage]
    ) {
        self.taskID = taskID
        self.minerKey = minerKey
        self.sequence = sequence
        self.firstHash = firstHash
        self.secondHash = secondHash
        self.messages = messages
    }

    public static func == (lhs: DoubleSignatureProof, rhs: DoubleSignatureProof) -> Bool {
        lhs.canonicalBytes == rhs.canonicalBytes
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalBytes) }

    public func encode(to writer: inout ByteWriter) {
        if isEmbedded {
            writer.header(tag: .doubleSignatureProof, version: 1)
            writer.lengthPrefixed(messages[0].canonicalBytes)
            writer.lengthPrefixed(messages[1].canonicalBytes)
            return
        }
        writer.header(tag: .doubleSignatureProof, version: 2)
        writer.hash(taskID)
        writer.raw(minerKey.bytes)
        writer.u64(sequence)
        writer.hash(firstHash)
        writer.hash(secondHash)
    }

    public init(from reader: inout ByteReader) throws {
        let version = try reader.header(tag: .doubleSignatureProof, versions: 1...Self.formatVersion)
        func misordered(_ field: String) -> CanonicalDecodingError {
            .invalidValue(field: field, reason: "messages must be distinct and in hash order")
        }
        if version == 2 {
            let taskID = try reader.hash()
            let key = try NodeKey(bytes: try reader.raw(NodeKey.byteCount))
            let sequence = try reader.u64()
            let firstHash = try reader.hash()
            let secondHash = try reader.hash()
            guard firstHash.bytes.lexicographicallyPrecedes(secondHash.bytes) else {
                throw misordered("doubleSignature.secondHash")
            }
            self.init(
                taskID: taskID,
                minerKey: key,
                sequence: sequence,
                firstHash: firstHash,
                secondHash: secondHash,
                messages: []
            )
            return
        }
        let aBytes = try reader.lengthPrefixed(field: "doubleSignature.first", limit: Self.maxMessageBytes)
        let bBytes = try reader.lengthPrefixed(field: "doubleSignature.second", limit: Self.maxMessageBytes)
        guard aBytes.count + bBytes.count <= Self.maxEmbeddedBytes else {
            throw CanonicalDecodingError.invalidValue(
                field: "doubleSignature",
                reason: "messages of \(aBytes.count + bBytes.count) bytes must be referenced by hash (v2)"
            )
        }
        let a = try IterationMessage(canonicalBytes: aBytes)
        let b = try IterationMessage(canonicalBytes: bBytes)
        guard a.hash.bytes.lexicographicallyPrecedes(b.hash.bytes) else { throw misordered("doubleSignature.second") }
        // The slot is the first message's; the checker requires the second to claim the same one.
        self.init(
            taskID: a.body.taskID,
            minerKey: a.body.minerKey,
            sequence: a.body.sequence,
            firstHash: a.hash,
            secondHash: b.hash,
            messages: [a, b]
        )
    }
}

/// The payload of EVIDENCE of kind `equivocatingCheckpoint`: two signed history checkpoints of one supervisor for
/// one task and one miner's log (`HistoryCheckpoint` v2) that no single log can satisfy. Self-contained: the
/// checker needs no artefact.
///
/// - Same size, different roots: nothing else is needed.
/// - Different sizes `m < n`: `prefixRoot` is the root of the first `m` leaves of the size-`n` history, and
///   `consistency` an RFC 6962 consistency proof from `m` to `n` that verifies `prefixRoot` against the larger
///   checkpoint's root. Such a proof binds `prefixRoot` to the larger tree (SHA-256 collision resistance), so
///   `prefixRoot ≠ smaller.root` shows the supervisor signed two incompatible histories.
///
/// Canonical record `equivocationProof` (0x5a) v1: `smaller (HistoryCheckpoint 0x51)`, `larger (0x51)`, then
/// `u8 0` when the sizes are equal, or `u8 1, prefixRoot 32 B, MerkleConsistencyProof (0xe1)` when they differ.
/// Order: `smaller.size < larger.size`, or equal sizes with `smaller.root < larger.root` bytewise — one encoding
/// per pair; decoding rejects anything else.
public struct EquivocationProof: Sendable, Hashable, CanonicalCodable {
    public static let formatVersion: UInt8 = 1

    public let smaller: HistoryCheckpoint
    public let larger: HistoryCheckpoint
    /// Present iff the sizes differ.
    public let prefix: (root: Hash256, consistency: MerkleConsistencyProof)?

    /// Why a proof could not be built.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case differentTaskOrSupervisor
        case differentMiner
        case identical
        case historyDoesNotMatch
        case consistent

        public var description: String {
            switch self {
            case .differentTaskOrSupervisor: "the checkpoints are not of one task by one supervisor"
            case .differentMiner: "the checkpoints state different miners' logs"
            case .identical: "the checkpoints state the same size and root"
            case .historyDoesNotMatch: "the history given does not have the larger checkpoint's root at its size"
            case .consistent: "the checkpoints are consistent: no equivocation"
            }
        }
    }

    /// The proof for two checkpoints (either order). When their sizes differ, `history` must be the miner's log the
    /// larger checkpoint signed (its root at the larger size equals that checkpoint's root).
    public init(_ a: HistoryCheckpoint, _ b: HistoryCheckpoint, history: MessageHistory?) throws(Failure) {
        guard a.taskID == b.taskID, a.supervisor == b.supervisor else { throw .differentTaskOrSupervisor }
        guard a.miner == b.miner else { throw .differentMiner }
        let aFirst = a.size < b.size || (a.size == b.size && a.root.bytes.lexicographicallyPrecedes(b.root.bytes))
        let (small, large) = aFirst ? (a, b) : (b, a)
        guard small.size != large.size || small.root != large.root else { throw .identical }
        smaller = small
        larger = large
        guard small.size != large.size else {
            prefix = nil
            return
        }
        guard let history, history.taskID == large.taskID, large.size <= UInt64(history.count),
            (try? history.root(size: Int(large.size))) == large.root,
            let root = try? history.root(size: Int(small.size)),
            let proof = try? history.consistencyProof(from: Int(small.size), to: Int(large.size))
        else { throw .historyDoesNotMatch }
        guard root != small.root else { throw .consistent }
        prefix = (root, proof)
    }

    public static func == (lhs: EquivocationProof, rhs: EquivocationProof) -> Bool {
        lhs.canonicalBytes == rhs.canonicalBytes
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalBytes) }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .equivocationProof, version: Self.formatVersion)
        smaller.encode(to: &writer)
        larger.encode(to: &writer)
        if let prefix {
            writer.u8(1)
            writer.hash(prefix.root)
            prefix.consistency.encode(to: &writer)
        } else {
            writer.u8(0)
        }
    }

    public init(from reader: inout ByteReader) throws {
        _ = try reader.header(tag: .equivocationProof, versions: Self.formatVersion...Self.formatVersion)
        smaller = try HistoryCheckpoint(from: &reader)
        larger = try HistoryCheckpoint(from: &reader)
        let ordered =
            smaller.size < larger.size
            || (smaller.size == larger.size && smaller.root.bytes.lexicographicallyPrecedes(larger.root.bytes))
        guard ordered else {
            throw CanonicalDecodingError.invalidValue(
                field: "equivocation.larger",
                reason: "checkpoints must differ and be in (size, root) order"
            )
        }
        let flag = try reader.u8()
        switch (flag, smaller.size == larger.size) {
        case (0, true): prefix = nil
        case (1, false): prefix = (try reader.hash(), try MerkleConsistencyProof(from: &reader))
        default:
            throw CanonicalDecodingError.invalidValue(
                field: "equivocation.prefix",
                reason: "flag \(flag) does not fit sizes \(smaller.size) and \(larger.size)"
            )
        }
    }
}

extension NodeKey {
    /// The account address of this key: the first 20 bytes of SHA-256 of the key bytes (PROTOCOL.md "Primitives").
    public var accountAddress: Address {
        guard let address = Address(bytes: SHA256.hash(bytes).bytes.prefix(Address.byteCount)) else {
            preconditionFailure("SHA-256 is 32 bytes")
        }
        return address
    }
}

extension PoUWEconomics.Evidence {
    /// EVIDENCE that `message` does not replay; the offender is the message's miner.
    public static func failedReplay(_ message: IterationMessage, ticket: Hash256) -> PoUWEconomics.Evidence {
        PoUWEconomics.Evidence(
            kind: .failedReplay,
            taskId: message.body.taskID,
            offender: message.body.minerKey.accountAddress,
            offenderTicket: ticket,
            payload: FailedReplayProof(messageHash: message.hash).canonicalBytes
        )
    }

    /// EVIDENCE that one miner signed two messages for one slot.
    public static func doubleSignature(_ proof: DoubleSignatureProof, ticket: Hash256) -> PoUWEconomics.Evidence {
        PoUWEconomics.Evidence(
            kind: .doubleSignature,
            taskId: proof.taskID,
            offender: proof.minerKey.accountAddress,
            offenderTicket: ticket,
            payload: proof.canonicalBytes
        )
    }

    /// EVIDENCE that a supervisor signed two inconsistent checkpoints of one history.
    public static func equivocatingCheckpoint(_ proof: EquivocationProof, ticket: Hash256) -> PoUWEconomics.Evidence {
        PoUWEconomics.Evidence(
            kind: .equivocatingCheckpoint,
            taskId: proof.smaller.taskID,
            offender: proof.smaller.supervisor.accountAddress,
            offenderTicket: ticket,
            payload: proof.canonicalBytes
        )
    }
}
