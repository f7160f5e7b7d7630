public import PoUWCore
public import PoUWCrypto

/// A drawn verifier's signed verdict on one block of a task: "I re-ran block `block` of task `task` and it is
/// valid", with the VRF proof that its verifier ticket was drawn for that block.
///
/// The draw (`SelectionContext.blockVerifiers(blockHash:taskId:)`): the VRF input is
/// `"PoUW/select/v1" ‖ block id ‖ task id ‖ role verifier`, so the proof binds the block — a proof made for
/// another block (or the same block of another task) does not verify. The signature is by the ticket owner's
/// Ed25519 key over `signingBytes = "PoUW/attest/v1" ‖ task ‖ block ‖ ticket ‖ verdict`.
///
/// Canonical record 0x79 v1 (on the wire): `task 32 B, block 32 B, ticket 32 B, verdict u8 (1 = valid), proof
/// (LEB128 length ≤ 128 + bytes), signer key 32 B, signature 64 B`. Inside a `SettlementClaim` v3 the task is the
/// claim's and is left out (`encodeBody`). Only `valid` verdicts exist: a verifier that finds a block invalid
/// refuses it and sends EVIDENCE instead (a block on the main chain passed every full node's replay).
public struct BlockAttestation: Sendable, Hashable, CanonicalCodable {
    public static let maxProofBytes = 128
    public static let valid: UInt8 = 1
    static let domain = Array("PoUW/attest/v1".utf8)

    public let task: Hash256
    public let block: Hash256
    public let ticket: Hash256
    public let verdict: UInt8
    /// The ticket's ECVRF proof over the block's verifier context.
    public let proof: [UInt8]
    /// The ticket owner's Ed25519 public key (its address must be the ticket's owner).
    public let signer: [UInt8]
    public let signature: [UInt8]

    public init(
        task: Hash256,
        block: Hash256,
        ticket: Hash256,
        verdict: UInt8 = Self.valid,
        proof: [UInt8],
        signer: [UInt8],
        signature: [UInt8]
    ) {
        self.task = task
        self.block = block
        self.ticket = ticket
        self.verdict = verdict
        self.proof = proof
        self.signer = signer
        self.signature = signature
    }

    /// The attestation of `ticket` for `block` of `task`, signed with `key` (the ticket owner's key).
    public static func sign(
        task: Hash256,
        block: Hash256,
        ticket: Hash256,
        proof: [UInt8],
        key: Ed25519.PrivateKey
    ) -> BlockAttestation {
        let unsigned = BlockAttestation(
            task: task,
            block: block,
            ticket: ticket,
            proof: proof,
            signer: key.publicKey.bytes,
            signature: []
        )
        return BlockAttestation(
            task: task,
            block: block,
            ticket: ticket,
            proof: proof,
            signer: key.publicKey.bytes,
            signature: key.sign(unsigned.signingBytes)
        )
    }

    /// The VRF context the proof is over.
    public var context: SelectionContext { .blockVerifiers(blockHash: block, taskId: task) }

    /// What the signature covers.
    public var signingBytes: [UInt8] {
        var writer = ByteWriter(capacity: 128)
        writer.raw(Self.domain)
        writer.hash(task)
        writer.hash(block)
        writer.hash(ticket)
        writer.u8(verdict)
        return writer.bytes
    }

    /// The signer's account, if the key bytes are a valid Ed25519 key.
    public var signerAddress: Address? {
        (try? Ed25519.PublicKey(bytes: signer)).map { Address(publicKey: $0) }
    }

    /// True if `signature` is the signer's over `signingBytes`.
    public var hasValidSignature: Bool {
        guard let key = try? Ed25519.PublicKey(bytes: signer) else { return false }
        return key.isValidSignature(signature, for: signingBytes)
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .blockAttestation, version: 1)
        writer.hash(task)
        encodeBody(to: &writer)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .blockAttestation, versions: 1...1)
        self = try Self.decodeBody(task: try reader.hash(), from: &reader)
    }

    /// Everything but the header and the task (a claim's attestations share its task).
    func encodeBody(to writer: inout ByteWriter) {
        writer.hash(block)
        writer.hash(ticket)
        writer.u8(verdict)
        writer.lengthPrefixed(proof)
        writer.raw(signer)
        writer.raw(signature)
    }

    static func decodeBody(task: Hash256, from reader: inout ByteReader) throws -> BlockAttestation {
        let block = try reader.hash()
        let ticket = try reader.hash()
        let verdict = try reader.u8()
        guard verdict == valid else {
            throw CanonicalDecodingError.invalidValue(
                field: "attestation.verdict",
                reason: "unknown verdict \(verdict)"
            )
        }
        return BlockAttestation(
            task: task,
            block: block,
            ticket: ticket,
            verdict: verdict,
            proof: try reader.lengthPrefixed(field: "attestation.proof", limit: maxProofBytes),
            signer: try reader.raw(32),
            signature: try reader.raw(64)
        )
    }
}
