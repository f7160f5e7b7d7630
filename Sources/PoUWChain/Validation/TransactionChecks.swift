public import PoUWCore
import PoUWCrypto

/// Stateless transaction checks: size, form of every field, and every signature. Needs no ledger, so it can
/// run on any thread and in any order (block validation spreads it over cores).
///
/// Guarantees: pure (same transaction, same answer); the first failing rule is reported.
public enum TransactionChecks {
    /// Checks `tx` against the size limit, field rules and signatures.
    public static func check(_ tx: Transaction, encodedSize: Int, parameters: ChainParameters) throws(ValidationError) {
        let bytes = tx.canonicalBytes
        try check(tx, id: Hash256.sha256(bytes), encoded: bytes, parameters: parameters)
    }

    /// Checks `tx` whose canonical bytes and id the caller already has (block validation computes them once).
    public static func check(
        _ tx: Transaction,
        id: Hash256,
        encoded: [UInt8],
        parameters: ChainParameters
    )
        throws(ValidationError)
    {
        var keys = PublicKeyCache()
        try check(tx, id: id, encoded: encoded[...], parameters: parameters, keys: &keys)
    }

    /// As above, reusing parsed public keys from `keys` (one cache per thread; signers repeat within a block).
    static func check(
        _ tx: Transaction,
        id: Hash256,
        encoded: ArraySlice<UInt8>,
        parameters: ChainParameters,
        keys: inout PublicKeyCache
    ) throws(ValidationError) {
        if encoded.count > parameters.maxTransactionBytes {
            throw .transactionTooLarge(tx: id, bytes: encoded.count, limit: parameters.maxTransactionBytes)
        }
        try checkForm(tx, id: id)
        // The signature is the last field, so the signed bytes are the encoding without its last 64 bytes.
        let signed = tx.isCoinbase ? [] : Array(encoded.dropLast(Ed25519.signatureByteCount))
        try checkSignatures(tx, id: id, signingBytes: signed, keys: &keys)
    }

    /// Field rules that need neither signatures nor the ledger.
    public static func checkForm(_ tx: Transaction, id: Hash256) throws(ValidationError) {
        switch tx.body {
        case .coinbase(let c):
            if c.total == nil { throw .amountOverflow(tx: id) }
        case .transfer(let t):
            if t.amount == .zero { throw .invalidField(tx: id, field: "transfer.amount", reason: "must be positive") }
        case .payForTask(let p):
            if p.escrow == .zero { throw .invalidField(tx: id, field: "payForTask.escrow", reason: "must be positive") }
            if p.taskDefinition.isEmpty {
                throw .invalidField(tx: id, field: "payForTask.taskDefinition", reason: "empty")
            }
        case .buyTickets(let b):
            if b.count == 0 { throw .invalidField(tx: id, field: "buyTickets.count", reason: "must be positive") }
            if b.stake == .zero { throw .invalidField(tx: id, field: "buyTickets.stake", reason: "must be positive") }
            if b.vrfPublicKey.first != 0x02 && b.vrfPublicKey.first != 0x03 {
                throw .invalidField(
                    tx: id,
                    field: "buyTickets.vrfPublicKey",
                    reason: "not a compressed P-256 point (first byte 0x02/0x03)"
                )
            }
        case .taskResult(let r):
            if r.evaluatorSignatures.isEmpty {
                throw .invalidField(tx: id, field: "taskResult.evaluatorSignatures", reason: "none")
            }
            if Set(r.evaluatorSignatures.map(\.publicKey)).count != r.evaluatorSignatures.count {
                throw .invalidField(
                    tx: id,
                    field: "taskResult.evaluatorSignatures",
                    reason: "an evaluator signed twice"
                )
            }
            if Payout.sum(r.payouts) == nil { throw .amountOverflow(tx: id) }
        case .evidence(let e):
            if e.slash == .zero { throw .invalidField(tx: id, field: "evidence.slash", reason: "must be positive") }
            if e.proof.isEmpty { throw .invalidField(tx: id, field: "evidence.proof", reason: "empty") }
        }
    }

    /// Verifies the signer's signature and, for a task result, every evaluator signature.
    public static func checkSignatures(_ tx: Transaction, id: Hash256) throws(ValidationError) {
        var keys = PublicKeyCache()
        try checkSignatures(tx, id: id, signingBytes: tx.isCoinbase ? [] : tx.signingBytes, keys: &keys)
    }

    static func checkSignatures(
        _ tx: Transaction,
        id: Hash256,
        signingBytes: [UInt8],
        keys: inout PublicKeyCache
    )
        throws(ValidationError)
    {
        guard let auth = tx.authorization else { return }
        guard keys.verify(publicKey: auth.signer, signature: auth.signature, message: signingBytes) else {
            throw .badSignature(tx: id)
        }
        if case .taskResult(let r) = tx.body {
            let message = r.evaluatorMessage
            for (i, s) in r.evaluatorSignatures.enumerated()
            where !keys.verify(publicKey: s.publicKey, signature: s.signature, message: message) {
                throw .badEvaluatorSignature(tx: id, index: i)
            }
        }
    }

}

/// Parsed Ed25519 public keys by their bytes, so that a signer appearing many times in a block is parsed once.
/// Bounded; not shared between threads.
struct PublicKeyCache {
    private var keys: [[UInt8]: Ed25519.PublicKey] = [:]
    static let limit = 4096

    mutating func verify(publicKey: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool {
        if let key = keys[publicKey] { return key.isValidSignature(signature, for: message) }
        guard let key = try? Ed25519.PublicKey(bytes: publicKey) else { return false }
        if keys.count >= Self.limit { keys.removeAll(keepingCapacity: true) }
        keys[publicKey] = key
        return key.isValidSignature(signature, for: message)
    }
}
