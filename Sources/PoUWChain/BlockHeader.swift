public import PoUWCore

/// A block header, version 1, exactly as PROTOCOL.md "Chain" lists its fields.
///
/// Canonical bytes: tag `blockHeader` (0x10), version byte 1, then `version u32, prev 32B, txRoot 32B, time u64,
/// bits u32, nonce 32B, msgHash 32B, historyRoot 32B` (integers little-endian): 178 bytes in all. The block id is
/// SHA-256d of those bytes. Guarantees: decoding is strict (wrong tag, unknown format version, truncation and
/// trailing bytes are distinct errors) and `BlockHeader(canonicalBytes: h.canonicalBytes) == h`.
public struct BlockHeader: Sendable, Hashable, CanonicalCodable {
    /// Format version of the canonical record (the byte after the tag).
    public static let formatVersion: UInt8 = 1
    /// Size of the canonical encoding in bytes.
    public static let encodedSize = 2 + 4 + 32 + 32 + 8 + 4 + 32 + 32 + 32

    /// Consensus version of the block (the `version u32` field).
    public var version: UInt32
    /// Id of the parent block (`Hash256.zero` for genesis).
    public var prev: Hash256
    /// RFC 6962 Merkle root over the block's transaction ids.
    public var txRoot: Hash256
    /// Seconds since the Unix epoch.
    public var time: UInt64
    /// Compact proof-of-work target (see `CompactTarget`).
    public var bits: UInt32
    /// 32-byte nonce (in PoUW, derived from the iteration message; see PROTOCOL.md "Mining").
    public var nonce: Hash256
    /// Hash of the iteration message that produced the nonce.
    public var msgHash: Hash256
    /// Merkle root of the message history the miner saw.
    public var historyRoot: Hash256

    public init(
        version: UInt32 = 1,
        prev: Hash256,
        txRoot: Hash256,
        time: UInt64,
        bits: UInt32,
        nonce: Hash256 = .zero,
        msgHash: Hash256 = .zero,
        historyRoot: Hash256 = .zero
    ) {
        self.version = version
        self.prev = prev
        self.txRoot = txRoot
        self.time = time
        self.bits = bits
        self.nonce = nonce
        self.msgHash = msgHash
        self.historyRoot = historyRoot
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .blockHeader, version: Self.formatVersion)
        writer.u32(version)
        writer.hash(prev)
        writer.hash(txRoot)
        writer.u64(time)
        writer.u32(bits)
        writer.hash(nonce)
        writer.hash(msgHash)
        writer.hash(historyRoot)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .blockHeader, versions: Self.formatVersion...Self.formatVersion)
        version = try reader.u32()
        prev = try reader.hash()
        txRoot = try reader.hash()
        time = try reader.u64()
        bits = try reader.u32()
        nonce = try reader.hash()
        msgHash = try reader.hash()
        historyRoot = try reader.hash()
    }

    /// The block id: SHA-256d of the canonical header bytes.
    public var id: Hash256 { Hash256.sha256d(canonicalBytes) }

    /// The first five fields (`version‖prev‖txRoot‖time‖bits`, canonical little-endian) hashed with SHA-256d:
    /// the template commitment a miner's iteration message carries k steps ahead (PROTOCOL.md "Mining").
    public var templateCommitment: Hash256 {
        var writer = ByteWriter(capacity: 80)
        writer.u32(version)
        writer.hash(prev)
        writer.hash(txRoot)
        writer.u64(time)
        writer.u32(bits)
        return Hash256.sha256d(writer.bytes)
    }
}
