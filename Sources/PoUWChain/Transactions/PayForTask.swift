public import PoUWCore
import PoUWCrypto

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
