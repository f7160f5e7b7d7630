public import PoUWCore
public import PoUWCrypto

/// A chain transaction: a coinbase, or one of five kinds signed by the account that pays for it.
///
/// Canonical bytes: tag `transaction` (0x12), version 1 (version 2 exactly for a PAY_FOR_TASK carrying task terms,
/// whose payload then ends with them), kind byte, then for a coinbase `height u64` + outputs +
/// extra; for a signed kind `signer 32B, sequence u64, fee u64`, the kind's payload, and finally the 64-byte
/// Ed25519 signature over every byte before it (the `signingBytes`). The id is SHA-256 of the canonical bytes.
///
/// Guarantees: decoding is strict and bounded (every variable field has a hard limit in `TransactionLimits`);
/// `Transaction(canonicalBytes: t.canonicalBytes) == t`; nothing here consults the ledger (see `ChainValidator`).
public struct Transaction: Sendable, Hashable, CanonicalCodable {
    public static let formatVersion: UInt8 = 1
    /// The version of a PAY_FOR_TASK that carries its task terms (`PayForTask.terms`).
    public static let termsVersion: UInt8 = 2

    /// The format version this transaction encodes as.
    public var version: UInt8 {
        if case .payForTask(let p) = body, p.terms != nil { return Self.termsVersion }
        return Self.formatVersion
    }

    /// What a transaction does.
    public enum Body: Sendable, Hashable {
        case coinbase(Coinbase)
        case transfer(Transfer)
        case payForTask(PayForTask)
        case buyTickets(BuyTickets)
        case taskResult(TaskResult)
        case evidence(Evidence)
    }

    /// The authorisation of a signed transaction: who pays, its sequence number and fee, and the signature.
    public struct Authorization: Sendable, Hashable {
        /// The signer's Ed25519 public key (32 bytes); the paying account is `Address(publicKey:)` of it.
        public var signer: [UInt8]
        /// Must equal the signer account's next sequence number (replay protection).
        public var sequence: UInt64
        /// Paid to the block's miner through the coinbase.
        public var fee: Amount
        /// Ed25519 signature (64 bytes) over `Transaction.signingBytes`.
        public var signature: [UInt8]

        public init(signer: [UInt8], sequence: UInt64, fee: Amount, signature: [UInt8] = []) {
            self.signer = signer
            self.sequence = sequence
            self.fee = fee
            self.signature = signature
        }
    }

    public var body: Body
    /// `nil` exactly for a coinbase.
    public var authorization: Authorization?

    /// A coinbase (unsigned).
    public init(coinbase: Coinbase) {
        body = .coinbase(coinbase)
        authorization = nil
    }

    /// An unsigned signed-kind transaction; call `signed(with:)` before use.
    public init(body: Body, signer: Ed25519.PublicKey, sequence: UInt64, fee: Amount) {
        self.body = body
        authorization = Authorization(signer: signer.bytes, sequence: sequence, fee: fee)
    }

    init(body: Body, authorization: Authorization?) {
        self.body = body
        self.authorization = authorization
    }

    /// The kind byte.
    public var kind: TransactionKind {
        switch body {
        case .coinbase: .coinbase
        case .transfer: .transfer
        case .payForTask: .payForTask
        case .buyTickets: .buyTickets
        case .taskResult: .taskResult
        case .evidence: .evidence
        }
    }

    public var isCoinbase: Bool { kind == .coinbase }

    /// The fee this transaction pays (0 for a coinbase).
    public var fee: Amount { authorization?.fee ?? .zero }

    /// The transaction id: SHA-256 of the canonical bytes (signature included; Ed25519 as OpenSSL verifies it
    /// is not malleable, so the id is stable).
    public var id: Hash256 { canonicalHash }

    /// The bytes the signer signs: the canonical encoding up to (not including) the signature.
    public var signingBytes: [UInt8] {
        var writer = ByteWriter(capacity: 256)
        encodeUnsigned(to: &writer)
        return writer.bytes
    }

    /// This transaction with its signature made by `key` (which must be the authorisation's signer).
    public func signed(with key: Ed25519.PrivateKey) -> Transaction {
        precondition(authorization?.signer == key.publicKey.bytes, "signing key does not match the signer")
        var copy = self
        copy.authorization?.signature = key.sign(signingBytes)
        return copy
    }

    public func encode(to writer: inout ByteWriter) {
        encodeUnsigned(to: &writer)
        if let authorization { writer.raw(authorization.signature) }
    }

    private func encodeUnsigned(to writer: inout ByteWriter) {
        writer.header(tag: .transaction, version: version)
        writer.u8(kind.rawValue)
        if case .coinbase(let coinbase) = body {
            coinbase.encode(to: &writer)
            return
        }
        let auth = authorization ?? Authorization(signer: [], sequence: 0, fee: .zero)
        precondition(auth.signer.count == Ed25519.publicKeyByteCount, "signer must be a 32-byte public key")
        writer.raw(auth.signer)
        writer.u64(auth.sequence)
        auth.fee.encode(to: &writer)
        switch body {
        case .coinbase: break
        case .transfer(let p): p.encode(to: &writer)
        case .payForTask(let p): p.encode(to: &writer)
        case .buyTickets(let p): p.encode(to: &writer)
        case .taskResult(let p): p.encode(to: &writer)
        case .evidence(let p): p.encode(to: &writer)
        }
    }

    public init(from reader: inout ByteReader) throws {
        let version = try reader.header(tag: .transaction, versions: Self.formatVersion...Self.termsVersion)
        let kindByte = try reader.u8()
        guard let kind = TransactionKind(rawValue: kindByte) else {
            throw CanonicalDecodingError.invalidValue(field: "transaction.kind", reason: "unknown kind \(kindByte)")
        }
        if version == Self.termsVersion && kind != .payForTask {
            throw CanonicalDecodingError.invalidValue(
                field: "transaction.version",
                reason: "version \(version) is only for a PAY_FOR_TASK with task terms"
            )
        }
        if kind == .coinbase {
            body = .coinbase(try Coinbase(from: &reader))
            authorization = nil
            return
        }
        let signer = try reader.raw(Ed25519.publicKeyByteCount)
        let sequence = try reader.u64()
        let fee = try Amount(from: &reader)
        switch kind {
        case .coinbase: preconditionFailure("handled above")
        case .transfer: body = .transfer(try Transfer(from: &reader))
        case .payForTask:
            body = .payForTask(try PayForTask(from: &reader, withTerms: version == Self.termsVersion))
        case .buyTickets: body = .buyTickets(try BuyTickets(from: &reader))
        case .taskResult: body = .taskResult(try TaskResult(from: &reader))
        case .evidence: body = .evidence(try Evidence(from: &reader))
        }
        let signature = try reader.raw(Ed25519.signatureByteCount)
        authorization = Authorization(signer: signer, sequence: sequence, fee: fee, signature: signature)
    }
}

/// The kind byte of a transaction (never reassigned).
public enum TransactionKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case coinbase = 0
    case transfer = 1
    case payForTask = 2
    case buyTickets = 3
    case taskResult = 4
    case evidence = 5

    public var description: String {
        switch self {
        case .coinbase: "COINBASE"
        case .transfer: "TRANSFER"
        case .payForTask: "PAY_FOR_TASK"
        case .buyTickets: "BUY_TICKETS"
        case .taskResult: "TASK_RESULT"
        case .evidence: "EVIDENCE"
        }
    }
}

/// Hard decoding limits for variable-size transaction fields: no allocation is ever sized beyond these.
public enum TransactionLimits {
    public static let memoBytes = 256
    public static let coinbaseOutputs = 64
    public static let coinbaseExtraBytes = 100
    public static let taskDefinitionBytes = 64 << 10
    public static let preferenceBytes = 1024
    /// A TASK_RESULT's settlement claim with its block attestations (`SettlementClaim` v3) must fit.
    public static let metricsBytes = 192 << 10
    public static let taskTermsBytes = 1024
    public static let evaluatorSignatures = 64
    public static let payouts = 1024
    public static let evidenceProofBytes = 128 << 10
}
