public import PoUWCore

/// What the node knows about one block it has stored: height, cumulative work, and where it stands.
/// Canonical: tag `blockIndexRecord` (0x17), version 1, `height u64, chainWork 32B (big-endian), status u8,
/// bodyHash 32B` (the store key of the block's canonical bytes), then the header record.
public struct BlockIndexRecord: Sendable, Hashable, CanonicalCodable {
    /// Validation status of a stored block.
    public enum Status: UInt8, Sendable {
        /// Header and body checked without the ledger; not (yet) connected.
        case valid = 0
        /// Failed contextual validation; never reconsidered.
        case invalid = 1
    }

    public var height: UInt64
    public var chainWork: UInt256
    public var status: Status
    /// SHA-256 of the block's canonical bytes: where its body is stored.
    public var bodyHash: Hash256
    public var header: BlockHeader

    public init(height: UInt64, chainWork: UInt256, status: Status, bodyHash: Hash256, header: BlockHeader) {
        self.height = height
        self.chainWork = chainWork
        self.status = status
        self.bodyHash = bodyHash
        self.header = header
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .blockIndexRecord, version: 1)
        writer.u64(height)
        writer.hash(chainWork.hash256)
        writer.u8(status.rawValue)
        writer.hash(bodyHash)
        header.encode(to: &writer)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .blockIndexRecord, versions: 1...1)
        height = try reader.u64()
        chainWork = UInt256(try reader.hash())
        let s = try reader.u8()
        guard let status = Status(rawValue: s) else {
            throw CanonicalDecodingError.invalidValue(field: "blockIndex.status", reason: "unknown status \(s)")
        }
        self.status = status
        bodyHash = try reader.hash()
        header = try BlockHeader(from: &reader)
    }
}
