public import PoUWCore

/// The cheats EVIDENCE can prove.
public enum EvidenceKind: UInt8, Sendable, Hashable, CaseIterable {
    /// A miner's iteration that does not replay to what it claimed.
    case failedReplay = 0
    /// Two different messages signed for the same slot.
    case doubleSignature = 1
    /// A supervisor's two checkpoints of one history that disagree.
    case equivocatingCheckpoint = 2
}

/// A proof of misbehaviour as EVIDENCE carries it. Its identity is `id` = SHA-256 of the canonical form, which
/// names the offence (kind, task, offender, ticket, proof payload) and deliberately not who reported it, so the
/// same proof cannot be cashed twice by two reporters.
///
/// Canonical record 0x73 v1: `kind u8, taskId 32 B, offender 20 B, offenderTicket 32 B, payload (len varint, ≤ 1
/// MiB)`. The payload's meaning is the protocol's (message hashes, signatures, checkpoint roots).
public struct Evidence: Sendable, Hashable, CanonicalCodable {
    public static let maxPayload = 1 << 20

    public let kind: EvidenceKind
    public let taskId: Hash256
    public let offender: Address
    /// The ticket whose stake the offence forfeits.
    public let offenderTicket: Hash256
    public let payload: [UInt8]

    public init(kind: EvidenceKind, taskId: Hash256, offender: Address, offenderTicket: Hash256, payload: [UInt8]) {
        self.kind = kind
        self.taskId = taskId
        self.offender = offender
        self.offenderTicket = offenderTicket
        self.payload = payload
    }

    /// The evidence's identity.
    public var id: Hash256 { canonicalHash }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .evidence, version: 1)
        writer.u8(kind.rawValue)
        writer.hash(taskId)
        offender.encode(to: &writer)
        writer.hash(offenderTicket)
        writer.lengthPrefixed(payload)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .evidence, versions: 1...1)
        let raw = try reader.u8()
        guard let kind = EvidenceKind(rawValue: raw) else {
            throw CanonicalDecodingError.invalidValue(field: "evidence.kind", reason: "unknown kind \(raw)")
        }
        self.init(
            kind: kind,
            taskId: try reader.hash(),
            offender: try Address(from: &reader),
            offenderTicket: try reader.hash(),
            payload: try reader.lengthPrefixed(field: "evidence.payload", limit: Evidence.maxPayload)
        )
    }
}

/// The verdict of checking evidence by replay.
public enum EvidenceVerdict: Sendable, Hashable {
    case proven
    /// The replay did not show a cheat (or an artefact it needs is unavailable): a false accusation.
    case notProven(reason: String)
}

/// Checks evidence by replaying what it points at. Implemented by the protocol layer (replay, signatures,
/// history checkpoints); the economics rules only consume the verdict. Must be deterministic: every honest
/// node reaches the same verdict from the same chain and store.
public protocol EvidenceChecker {
    func check(_ evidence: Evidence) -> EvidenceVerdict
}
