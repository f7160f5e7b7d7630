public import PoUWCore
import PoUWCrypto

/// The coinbase: mints the block subsidy plus the block's fees to one or more outputs.
/// `height` makes every coinbase (and so every block's txRoot) unique.
public struct Coinbase: Sendable, Hashable {
    public var height: UInt64
    public var outputs: [Payout]
    /// Free bytes for the miner (at most `TransactionLimits.coinbaseExtraBytes`).
    public var extra: [UInt8]

    public init(height: UInt64, outputs: [Payout], extra: [UInt8] = []) {
        self.height = height
        self.outputs = outputs
        self.extra = extra
    }

    func encode(to writer: inout ByteWriter) {
        writer.u64(height)
        Payout.encodeList(outputs, to: &writer)
        writer.lengthPrefixed(extra)
    }

    init(from reader: inout ByteReader) throws {
        height = try reader.u64()
        outputs = try Payout.decodeList(
            from: &reader,
            field: "coinbase.outputs",
            limit: TransactionLimits.coinbaseOutputs
        )
        extra = try reader.lengthPrefixed(field: "coinbase.extra", limit: TransactionLimits.coinbaseExtraBytes)
    }

    /// Sum of the outputs, or `nil` on overflow.
    public var total: Amount? { Payout.sum(outputs) }
}

/// An amount paid to an address (coinbase outputs, task payout tables, genesis allocations).
public struct Payout: Sendable, Hashable {
    public var to: Address
    public var amount: Amount

    public init(to: Address, amount: Amount) {
        self.to = to
        self.amount = amount
    }

    static func encodeList(_ list: [Payout], to writer: inout ByteWriter) {
        writer.length(list.count)
        for p in list {
            p.to.encode(to: &writer)
            p.amount.encode(to: &writer)
        }
    }

    static func decodeList(from reader: inout ByteReader, field: String, limit: Int) throws -> [Payout] {
        let n = try reader.length(field: field, limit: limit)
        var out = [Payout]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(Payout(to: try Address(from: &reader), amount: try Amount(from: &reader))) }
        return out
    }

    /// Sum of the amounts, or `nil` on overflow.
    public static func sum(_ list: [Payout]) -> Amount? { try? Amount.sum(list.map(\.amount)) }
}

/// TRANSFER: moves `amount` from the signer's account to `to`.
public struct Transfer: Sendable, Hashable {
    public var to: Address
    public var amount: Amount
    /// Free bytes (at most `TransactionLimits.memoBytes`).
    public var memo: [UInt8]

    public init(to: Address, amount: Amount, memo: [UInt8] = []) {
        self.to = to
        self.amount = amount
        self.memo = memo
    }

    func encode(to writer: inout ByteWriter) {
        to.encode(to: &writer)
        amount.encode(to: &writer)
        writer.lengthPrefixed(memo)
    }

    init(from reader: inout ByteReader) throws {
        to = try Address(from: &reader)
        amount = try Amount(from: &reader)
        memo = try reader.lengthPrefixed(field: "transfer.memo", limit: TransactionLimits.memoBytes)
    }
}

/// PAY_FOR_TASK: a client registers a training task and escrows its fee. The task id is this transaction's id.
public struct PayForTask: Sendable, Hashable {
    /// The task definition's canonical bytes (opaque to the chain; PoUWML defines them).
    public var taskDefinition: [UInt8]
    /// Merkle root of the training batches' hashes.
    public var datasetRoot: Hash256
    /// Merkle root of the withheld test set's batch hashes.
    public var testSetRoot: Hash256
    /// Amount moved from the client's balance into the task's escrow.
    public var escrow: Amount

    public init(taskDefinition: [UInt8], datasetRoot: Hash256, testSetRoot: Hash256, escrow: Amount) {
        self.taskDefinition = taskDefinition
        self.datasetRoot = datasetRoot
        self.testSetRoot = testSetRoot
        self.escrow = escrow
    }

    /// SHA-256 of the task definition bytes.
    public var taskDefinitionHash: Hash256 { Hash256.sha256(taskDefinition) }

    func encode(to writer: inout ByteWriter) {
        writer.lengthPrefixed(taskDefinition)
        writer.hash(datasetRoot)
        writer.hash(testSetRoot)
        escrow.encode(to: &writer)
    }

    init(from reader: inout ByteReader) throws {
        taskDefinition = try reader.lengthPrefixed(
            field: "payForTask.taskDefinition",
            limit: TransactionLimits.taskDefinitionBytes
        )
        datasetRoot = try reader.hash()
        testSetRoot = try reader.hash()
        escrow = try Amount(from: &reader)
    }
}

/// The role a ticket buys the right to be selected for.
public enum TicketRole: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case miner = 0
    case supervisor = 1
    case evaluator = 2
    case verifier = 3

    public var description: String {
        switch self {
        case .miner: "miner"
        case .supervisor: "supervisor"
        case .evaluator: "evaluator"
        case .verifier: "verifier"
        }
    }
}

/// BUY_TICKETS: locks `stake` from the signer's balance for `count` tickets of one role. The ticket id is this
/// transaction's id. Maturity, expiry and price rules are the economics module's.
public struct BuyTickets: Sendable, Hashable {
    /// Bytes in an ECVRF-P256 public key (SEC1 compressed point).
    public static let vrfPublicKeyBytes = 33

    public var role: TicketRole
    public var count: UInt32
    public var stake: Amount
    /// Preference vector bytes (opaque here; the selection rule interprets them).
    public var preferences: [UInt8]
    /// The ticket owner's VRF public key (33 bytes, first byte 0x02 or 0x03).
    public var vrfPublicKey: [UInt8]

    public init(role: TicketRole, count: UInt32, stake: Amount, preferences: [UInt8], vrfPublicKey: [UInt8]) {
        self.role = role
        self.count = count
        self.stake = stake
        self.preferences = preferences
        self.vrfPublicKey = vrfPublicKey
    }

    func encode(to writer: inout ByteWriter) {
        writer.u8(role.rawValue)
        writer.u32(count)
        stake.encode(to: &writer)
        writer.lengthPrefixed(preferences)
        writer.raw(vrfPublicKey)
    }

    init(from reader: inout ByteReader) throws {
        let roleByte = try reader.u8()
        guard let role = TicketRole(rawValue: roleByte) else {
            throw CanonicalDecodingError.invalidValue(field: "buyTickets.role", reason: "unknown role \(roleByte)")
        }
        self.role = role
        count = try reader.u32()
        stake = try Amount(from: &reader)
        preferences = try reader.lengthPrefixed(
            field: "buyTickets.preferences",
            limit: TransactionLimits.preferenceBytes
        )
        vrfPublicKey = try reader.raw(Self.vrfPublicKeyBytes)
    }
}

/// An evaluator's Ed25519 signature over a task result's `evaluatorMessage`.
public struct EvaluatorSignature: Sendable, Hashable {
    public var publicKey: [UInt8]
    public var signature: [UInt8]

    public init(publicKey: [UInt8], signature: [UInt8]) {
        self.publicKey = publicKey
        self.signature = signature
    }
}

/// TASK_RESULT (the paper's CHARGE_FOR_TASK): evaluators' signed metrics and the payout table that splits the
/// task's escrow. Here: every evaluator signature must verify, payouts must not exceed the escrow, the rest is
/// refunded to the client. Who counts as an evaluator is the economics module's rule (`LedgerRules`).
public struct TaskResult: Sendable, Hashable {
    public var taskId: Hash256
    /// Metrics bytes (opaque here).
    public var metrics: [UInt8]
    public var payouts: [Payout]
    public var evaluatorSignatures: [EvaluatorSignature]

    public init(taskId: Hash256, metrics: [UInt8], payouts: [Payout], evaluatorSignatures: [EvaluatorSignature] = []) {
        self.taskId = taskId
        self.metrics = metrics
        self.payouts = payouts
        self.evaluatorSignatures = evaluatorSignatures
    }

    /// What each evaluator signs: domain ‖ task id ‖ metrics ‖ payout table, canonical.
    public var evaluatorMessage: [UInt8] {
        var writer = ByteWriter(capacity: 128)
        writer.raw(Array("pouw/task-result/v1".utf8))
        writer.hash(taskId)
        writer.lengthPrefixed(metrics)
        Payout.encodeList(payouts, to: &writer)
        return writer.bytes
    }

    func encode(to writer: inout ByteWriter) {
        writer.hash(taskId)
        writer.lengthPrefixed(metrics)
        Payout.encodeList(payouts, to: &writer)
        writer.length(evaluatorSignatures.count)
        for s in evaluatorSignatures {
            writer.raw(s.publicKey)
            writer.raw(s.signature)
        }
    }

    init(from reader: inout ByteReader) throws {
        taskId = try reader.hash()
        metrics = try reader.lengthPrefixed(field: "taskResult.metrics", limit: TransactionLimits.metricsBytes)
        payouts = try Payout.decodeList(from: &reader, field: "taskResult.payouts", limit: TransactionLimits.payouts)
        let n = try reader.length(field: "taskResult.signatures", limit: TransactionLimits.evaluatorSignatures)
        evaluatorSignatures = []
        for _ in 0..<n {
            evaluatorSignatures.append(
                EvaluatorSignature(
                    publicKey: try reader.raw(Ed25519.publicKeyByteCount),
                    signature: try reader.raw(Ed25519.signatureByteCount)
                )
            )
        }
    }
}

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
