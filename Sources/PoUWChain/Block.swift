public import PoUWCore

/// A block: a header and its transactions (the coinbase first).
///
/// Canonical bytes: tag `block` (0x11), version 1, the header record (with its own tag), a LEB128 transaction
/// count (at most `Block.maxTransactionsDecodable`), then each transaction record. Guarantees: strict, bounded
/// decoding; `Block(canonicalBytes: b.canonicalBytes) == b`; `id` is the header's id.
public struct Block: Sendable, Hashable, CanonicalCodable {
    public static let formatVersion: UInt8 = 1
    /// Hard decoding limit on the transaction count (consensus limits in `ChainParameters` are lower).
    public static let maxTransactionsDecodable = 1 << 20

    public var header: BlockHeader
    public var transactions: [Transaction]

    public init(header: BlockHeader, transactions: [Transaction]) {
        self.header = header
        self.transactions = transactions
    }

    /// The block id (SHA-256d of the header).
    public var id: Hash256 { header.id }

    /// RFC 6962 Merkle root over the transaction ids, in block order.
    public static func transactionRoot(_ transactions: [Transaction]) -> Hash256 {
        transactionRoot(ids: transactions.map(\.id))
    }

    /// RFC 6962 Merkle root over transaction ids (each id's 32 bytes is one leaf).
    public static func transactionRoot(ids: [Hash256]) -> Hash256 {
        MerkleTree(leaves: ids.map(\.bytes)).root
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .block, version: Self.formatVersion)
        header.encode(to: &writer)
        writer.length(transactions.count)
        for tx in transactions { tx.encode(to: &writer) }
    }

    public init(from reader: inout ByteReader) throws {
        var ranges: [Range<Int>]? = nil
        try self.init(from: &reader, transactionRanges: &ranges)
    }

    /// Decodes a complete block (strictly, as `init(canonicalBytes:)`) and returns where each transaction's
    /// canonical bytes lie in `bytes`: the decoder is strict, so each slice is exactly that transaction's
    /// `canonicalBytes`, and callers can hash it without encoding the transaction again.
    public static func decodeLocatingTransactions(_ bytes: [UInt8]) throws -> (block: Block, ranges: [Range<Int>]) {
        var reader = ByteReader(bytes)
        var ranges: [Range<Int>]? = []
        let block = try Block(from: &reader, transactionRanges: &ranges)
        try reader.finish()
        return (block, ranges ?? [])
    }

    private init(from reader: inout ByteReader, transactionRanges: inout [Range<Int>]?) throws {
        try reader.header(tag: .block, versions: Self.formatVersion...Self.formatVersion)
        header = try BlockHeader(from: &reader)
        let n = try reader.length(field: "block.transactions", limit: Self.maxTransactionsDecodable)
        transactions = []
        transactions.reserveCapacity(min(n, 4096))
        transactionRanges?.reserveCapacity(min(n, 4096))
        for _ in 0..<n {
            let start = reader.offset
            transactions.append(try Transaction(from: &reader))
            transactionRanges?.append(start..<reader.offset)
        }
    }
}
