public import PoUWCore
import PoUWCrypto

/// EVIDENCE: a proof that `offender` misbehaved, asking that `slash` of its locked stake be confiscated.
/// The proof is checked by an `EvidenceVerifier` (the protocol module's); the chain checks form and stake.
public struct Evidence: Sendable, Hashable {
    /// Kind of misbehaviour (the protocol module assigns codes).
    public var kind: UInt8
    public var offender: Address
    public var taskId: Hash256
    public var slash: Amount
    public var proof: [UInt8]

    public init(kind: UInt8, offender: Address, taskId: Hash256, slash: Amount, proof: [UInt8]) {
        self.kind = kind
        self.offender = offender
        self.taskId = taskId
        self.slash = slash
        self.proof = proof
    }

    func encode(to writer: inout ByteWriter) {
        writer.u8(kind)
        offender.encode(to: &writer)
        writer.hash(taskId)
        slash.encode(to: &writer)
        writer.lengthPrefixed(proof)
    }

    init(from reader: inout ByteReader) throws {
        kind = try reader.u8()
        offender = try Address(from: &reader)
        taskId = try reader.hash()
        slash = try Amount(from: &reader)
        proof = try reader.lengthPrefixed(field: "evidence.proof", limit: TransactionLimits.evidenceProofBytes)
    }
}
