public import PoUWCore
import PoUWCrypto

/// PAY_FOR_TASK: a client registers a training task and escrows its fee. The task id is this transaction's id.
///
/// Payload: `taskDefinition (LEB128 length + bytes), datasetRoot 32 B, testSetRoot 32 B, escrow u64`; in a
/// transaction of format version 2 it is followed by `terms (LEB128 length ≤ taskTermsBytes + bytes)`: the task's
/// seat counts and requirements (economics record 0x78, opaque to the chain's own checks and judged by the ledger
/// rules). A PAY_FOR_TASK without terms encodes exactly as before (transaction version 1).
public struct PayForTask: Sendable, Hashable {
    /// The task definition's canonical bytes (opaque to the chain; PoUWML defines them).
    public var taskDefinition: [UInt8]
    /// Merkle root of the training batches' hashes.
    public var datasetRoot: Hash256
    /// Merkle root of the withheld test set's batch hashes.
    public var testSetRoot: Hash256
    /// Amount moved from the client's balance into the task's escrow.
    public var escrow: Amount

    /// The task's terms (economics `TaskTerms` bytes), carried by a version-2 transaction; `nil` in version 1.
    public var terms: [UInt8]?

    public init(
        taskDefinition: [UInt8],
        datasetRoot: Hash256,
        testSetRoot: Hash256,
        escrow: Amount,
        terms: [UInt8]? = nil
    ) {
        self.taskDefinition = taskDefinition
        self.datasetRoot = datasetRoot
        self.testSetRoot = testSetRoot
        self.escrow = escrow
        self.terms = terms
    }

    /// SHA-256 of the task definition bytes.
    public var taskDefinitionHash: Hash256 { Hash256.sha256(taskDefinition) }

    func encode(to writer: inout ByteWriter) {
        writer.lengthPrefixed(taskDefinition)
        writer.hash(datasetRoot)
        writer.hash(testSetRoot)
        escrow.encode(to: &writer)
        if let terms { writer.lengthPrefixed(terms) }
    }

    init(from reader: inout ByteReader, withTerms: Bool) throws {
        taskDefinition = try reader.lengthPrefixed(
            field: "payForTask.taskDefinition",
            limit: TransactionLimits.taskDefinitionBytes
        )
        datasetRoot = try reader.hash()
        testSetRoot = try reader.hash()
        escrow = try Amount(from: &reader)
        terms =
            withTerms
            ? try reader.lengthPrefixed(field: "payForTask.terms", limit: TransactionLimits.taskTermsBytes) : nil
    }
}
