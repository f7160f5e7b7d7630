public import PoUWCore
public import PoUWCrypto

/// A client's signed announcement that training of its paid task is over (Docs/protocol.md "End of training"):
/// miners of the task stop training it, the seated evaluators start evaluating.
///
/// Canonical bytes (tag `endOfTraining` 0x82, version 1): `task id (32 bytes) ‖ signer's Ed25519 public key (32
/// bytes) ‖ signature (64 bytes)`. The signature is over `"pouw/end-of-training/v1" ‖ 0x82 ‖ 0x01 ‖ task id`
/// (the domain, then the record's own header and task id), so it can be mistaken for no other signed object.
///
/// Guarantees: strict decoding (truncation, trailing bytes are `CanonicalDecodingError`s); a decoded announcement
/// re-encodes to the same bytes. `check(client:)` accepts it only if it is validly signed by the key whose account
/// is the task's on-chain client (the PAY_FOR_TASK's signer); otherwise it names the `Refusal`.
public struct EndOfTraining: Sendable, Equatable, CanonicalCodable {
    public static let version: UInt8 = 1
    /// What the signature starts with.
    public static let domain = Array("pouw/end-of-training/v1".utf8)

    public let taskID: Hash256
    public let signer: [UInt8]
    public let signature: [UInt8]

    public init(taskID: Hash256, signer: [UInt8], signature: [UInt8]) {
        self.taskID = taskID
        self.signer = signer
        self.signature = signature
    }

    /// The client's announcement for `task`, signed with `key` (deterministic: Ed25519).
    public static func sign(task: Hash256, key: Ed25519.PrivateKey) -> EndOfTraining {
        EndOfTraining(taskID: task, signer: key.publicKey.bytes, signature: key.sign(signedBytes(task: task)))
    }

    /// The bytes the signature covers.
    public static func signedBytes(task: Hash256) -> [UInt8] {
        var writer = ByteWriter()
        writer.raw(domain)
        writer.header(tag: .endOfTraining, version: version)
        writer.hash(task)
        return writer.bytes
    }

    /// The signer's account (SHA-256 of the key, first 20 bytes), `nil` for a key of the wrong size.
    public var signerAccount: Address? {
        (try? Ed25519.PublicKey(bytes: signer)).map { Address(publicKey: $0) }
    }

    /// Why a node refused an announcement.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case undecodable(String)
        /// The task is not registered on the receiving node's chain.
        case unknownTask(Hash256)
        /// The signer is not the task's client.
        case notTheClient(task: Hash256, signer: Address?, client: Address)
        case badSignature(Hash256)

        public var description: String {
            switch self {
            case .undecodable(let reason): "undecodable end-of-training announcement: \(reason)"
            case .unknownTask(let id): "end of training refused: unknown task \(id.short)"
            case .notTheClient(let id, let signer, let client):
                "end of training of task \(id.short) refused: signed by \(signer?.description ?? "an invalid key"), "
                    + "not by the task's client \(client)"
            case .badSignature(let id): "end of training of task \(id.short) refused: the signature does not verify"
            }
        }
    }

    /// Checks the announcement against `client`, the task's on-chain client account.
    public func check(client: Address) throws(Refusal) {
        guard let account = signerAccount, account == client else {
            throw .notTheClient(task: taskID, signer: signerAccount, client: client)
        }
        guard let key = try? Ed25519.PublicKey(bytes: signer),
            key.isValidSignature(signature, for: Self.signedBytes(task: taskID))
        else { throw .badSignature(taskID) }
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .endOfTraining, version: Self.version)
        writer.hash(taskID)
        writer.raw(signer)
        writer.raw(signature)
    }

    public init(from reader: inout ByteReader) throws {
        _ = try reader.header(tag: .endOfTraining, versions: Self.version...Self.version)
        taskID = try reader.hash()
        signer = try reader.raw(Ed25519.publicKeyByteCount)
        signature = try reader.raw(Ed25519.signatureByteCount)
    }
}
