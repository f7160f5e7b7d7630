public import PoUWCore
import PoUWCrypto

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
