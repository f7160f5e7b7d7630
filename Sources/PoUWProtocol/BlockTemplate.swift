public import PoUWCore

/// The part of a block header a miner fixes before it knows its nonce: `version‖prev‖txRoot‖time‖bits`.
///
/// Guarantees: `commitment` is SHA-256d of those five fields in the header's canonical little-endian layout
/// (76 bytes, no tag), the same value as PoUWChain's `BlockHeader.templateCommitment` for a header with these
/// fields. An iteration message commits to it `MiningRules.commitmentDistance` iterations ahead.
public struct BlockTemplate: Sendable, Hashable {
    public var version: UInt32
    public var prev: Hash256
    public var txRoot: Hash256
    /// Seconds since the Unix epoch.
    public var time: UInt64
    /// Compact target.
    public var bits: UInt32

    public init(version: UInt32 = 1, prev: Hash256, txRoot: Hash256, time: UInt64, bits: UInt32) {
        self.version = version
        self.prev = prev
        self.txRoot = txRoot
        self.time = time
        self.bits = bits
    }

    /// The 76 committed bytes.
    public var committedBytes: [UInt8] {
        var writer = ByteWriter(capacity: 76)
        writer.u32(version)
        writer.hash(prev)
        writer.hash(txRoot)
        writer.u64(time)
        writer.u32(bits)
        return writer.bytes
    }

    /// SHA-256d of `committedBytes`: the zero-nonce commitment.
    public var commitment: Hash256 { Hash256.sha256d(committedBytes) }
}
