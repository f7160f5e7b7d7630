public import PoUWCore
public import PoUWProtocol

/// What nodes send each other over a `Transport`: one canonical record (tag `wireMessage`, version 1, a kind
/// byte, then the kind's fields). The same bytes will travel over TCP later.
///
/// Guarantees: strict decoding (unknown kind, truncation, trailing bytes and over-limit lengths are
/// `CanonicalDecodingError`s); a decoded message re-encodes to the same bytes.
public enum WireMessage: Sendable, Equatable, CanonicalCodable {
    /// An iteration message (IT_RES), its canonical bytes.
    case iteration([UInt8])
    /// A block, its canonical bytes.
    case block([UInt8])
    /// A transaction (PAY_FOR_TASK, TASK_RESULT, …), its canonical bytes.
    case transaction([UInt8])
    /// A miner's model state after its message `sequence` (for archival nodes).
    case checkpoint(task: Hash256, miner: NodeKey, sequence: UInt64, state: [UInt8])
    /// A ticket holder's VRF proof for a registered task's selection, and the node key that owns the ticket.
    case selectionProof(task: Hash256, ticket: Hash256, proof: [UInt8], owner: NodeKey)
    /// Fetch by hash: "send me the objects named by `hashes`" (at most `maxRequestHashes`); `request` pairs the
    /// answer with the question. A hash names a stored object by the SHA-256 of its bytes, or a block by its id.
    case getObjects(request: UInt64, hashes: [Hash256])
    /// The answer to `getObjects` `request`: the canonical bytes of the asked objects the sender holds (at most
    /// `maxRequestHashes` items); a hash the sender does not hold is simply absent.
    case objects(request: UInt64, items: [[UInt8]])
    /// "My best chain ends at block `id`, height `height`": a peer that does not know it fetches it.
    case tip(id: Hash256, height: UInt64)
    /// A supervisor's signed history checkpoint (`HistoryCheckpoint` v2), its canonical bytes. Kind 0x20, away from
    /// the small kinds other additions take next.
    case historyCheckpoint([UInt8])
    /// A drawn verifier's signed attestation of one block of a task (economics `BlockAttestation` bytes), kind 8.
    case attestation([UInt8])
    /// A client's `TaskManifest` of a paid task, its canonical bytes (kind 9): broadcast by the client (and re-sent
    /// until the task is settled), relayed once by every node that accepts it.
    case taskManifest([UInt8])
    /// A client's signed `EndOfTraining` announcement of a paid task, its canonical bytes (kind 10): relayed once
    /// by every node that accepts it, re-sent by the client until the task's TASK_RESULT is on its chain.
    case endOfTraining([UInt8])
    /// A seated evaluator's signature on a TASK_RESULT (an `EvaluatorVote` 0x83, ≤ 1 KiB; relayed once).
    case evaluatorVote([UInt8])

    public static let version: UInt8 = 1
    /// Largest payload accepted in one field.
    public static let maxPayload = 64 << 20
    /// Most hashes one `getObjects` may ask for (and most items one `objects` may carry).
    public static let maxRequestHashes = 64

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .wireMessage, version: Self.version)
        switch self {
        case .iteration(let bytes):
            writer.u8(0)
            writer.lengthPrefixed(bytes)
        case .block(let bytes):
            writer.u8(1)
            writer.lengthPrefixed(bytes)
        case .transaction(let bytes):
            writer.u8(2)
            writer.lengthPrefixed(bytes)
        case .checkpoint(let task, let miner, let sequence, let state):
            writer.u8(3)
            writer.hash(task)
            writer.raw(miner.bytes)
            writer.u64(sequence)
            writer.lengthPrefixed(state)
        case .selectionProof(let task, let ticket, let proof, let owner):
            writer.u8(4)
            writer.hash(task)
            writer.hash(ticket)
            writer.lengthPrefixed(proof)
            writer.raw(owner.bytes)
        case .getObjects(let request, let hashes):
            writer.u8(5)
            writer.u64(request)
            writer.length(hashes.count)
            for hash in hashes { writer.hash(hash) }
        case .objects(let request, let items):
            writer.u8(6)
            writer.u64(request)
            writer.length(items.count)
            for item in items { writer.lengthPrefixed(item) }
        case .tip(let id, let height):
            writer.u8(7)
            writer.hash(id)
            writer.u64(height)
        case .historyCheckpoint(let bytes):
            writer.u8(0x20)
            writer.lengthPrefixed(bytes)
        case .attestation(let bytes):
            writer.u8(8)
            writer.lengthPrefixed(bytes)
        case .taskManifest(let bytes):
            writer.u8(9)
            writer.lengthPrefixed(bytes)
        case .endOfTraining(let bytes):
            writer.u8(10)
            writer.lengthPrefixed(bytes)
        case .evaluatorVote(let bytes):
            writer.u8(11)
            writer.lengthPrefixed(bytes)
        }
    }

    public init(from reader: inout ByteReader) throws {
        _ = try reader.header(tag: .wireMessage, versions: Self.version...Self.version)
        let kind = try reader.u8()
        switch kind {
        case 0: self = .iteration(try reader.lengthPrefixed(field: "iteration", limit: Self.maxPayload))
        case 1: self = .block(try reader.lengthPrefixed(field: "block", limit: Self.maxPayload))
        case 2: self = .transaction(try reader.lengthPrefixed(field: "transaction", limit: Self.maxPayload))
        case 3:
            let task = try reader.hash()
            let keyBytes = try reader.raw(NodeKey.byteCount)
            let miner: NodeKey
            do { miner = try NodeKey(bytes: keyBytes) } catch {
                throw CanonicalDecodingError.invalidValue(field: "checkpoint.miner", reason: "\(error)")
            }
            let sequence = try reader.u64()
            let state = try reader.lengthPrefixed(field: "checkpoint.state", limit: Self.maxPayload)
            self = .checkpoint(task: task, miner: miner, sequence: sequence, state: state)
        case 4:
            let task = try reader.hash()
            let ticket = try reader.hash()
            let proof = try reader.lengthPrefixed(field: "selectionProof.proof", limit: 128)
            let keyBytes = try reader.raw(NodeKey.byteCount)
            let owner: NodeKey
            do { owner = try NodeKey(bytes: keyBytes) } catch {
                throw CanonicalDecodingError.invalidValue(field: "selectionProof.owner", reason: "\(error)")
            }
            self = .selectionProof(task: task, ticket: ticket, proof: proof, owner: owner)
        case 5:
            let request = try reader.u64()
            self = .getObjects(
                request: request,
                hashes: try reader.hashes(field: "getObjects.hashes", limit: Self.maxRequestHashes)
            )
        case 6:
            let request = try reader.u64()
            let count = try reader.length(field: "objects.items", limit: Self.maxRequestHashes)
            let items = try (0..<count).map { _ in
                try reader.lengthPrefixed(field: "objects.item", limit: Self.maxPayload)
            }
            self = .objects(request: request, items: items)
        case 7:
            self = .tip(id: try reader.hash(), height: try reader.u64())
        case 0x20: self = .historyCheckpoint(try reader.lengthPrefixed(field: "historyCheckpoint", limit: 1_024))
        case 8: self = .attestation(try reader.lengthPrefixed(field: "attestation", limit: 1024))
        case 9: self = .taskManifest(try reader.lengthPrefixed(field: "taskManifest", limit: Self.maxPayload))
        case 10: self = .endOfTraining(try reader.lengthPrefixed(field: "endOfTraining", limit: 1_024))
        case 11: self = .evaluatorVote(try reader.lengthPrefixed(field: "evaluatorVote", limit: 1_024))
        default:
            throw CanonicalDecodingError.invalidValue(field: "wireMessage.kind", reason: "unknown kind \(kind)")
        }
    }
}
