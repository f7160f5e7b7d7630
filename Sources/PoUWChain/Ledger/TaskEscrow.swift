public import PoUWCore

/// A task registered by PAY_FOR_TASK and its escrow. Canonical: tag `taskEscrow` (0x14), version 1,
/// `client 20B, escrow u64, settled bool, definitionHash 32B, datasetRoot 32B, testSetRoot 32B, height u64`.
public struct TaskEscrow: Sendable, Hashable, CanonicalCodable {
    public var client: Address
    public var escrow: Amount
    public var settled: Bool
    public var definitionHash: Hash256
    public var datasetRoot: Hash256
    public var testSetRoot: Hash256
    /// Height of the block that registered the task.
    public var height: UInt64

    public init(
        client: Address,
        escrow: Amount,
        settled: Bool,
        definitionHash: Hash256,
        datasetRoot: Hash256,
        testSetRoot: Hash256,
        height: UInt64
    ) {
        self.client = client
        self.escrow = escrow
        self.settled = settled
        self.definitionHash = definitionHash
        self.datasetRoot = datasetRoot
        self.testSetRoot = testSetRoot
        self.height = height
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .taskEscrow, version: 1)
        client.encode(to: &writer)
        escrow.encode(to: &writer)
        writer.bool(settled)
        writer.hash(definitionHash)
        writer.hash(datasetRoot)
        writer.hash(testSetRoot)
        writer.u64(height)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .taskEscrow, versions: 1...1)
        client = try Address(from: &reader)
        escrow = try Amount(from: &reader)
        settled = try reader.bool(field: "taskEscrow.settled")
        definitionHash = try reader.hash()
        datasetRoot = try reader.hash()
        testSetRoot = try reader.hash()
        height = try reader.u64()
    }
}
