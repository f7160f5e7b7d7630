public import PoUWCore

/// The history one iteration message saw, in canonical form: per miner, how many of its messages (a prefix of its
/// hash chain) and the RFC 6962 root of that prefix. Built by `CanonicalHistory.vector(of:)`.
///
/// `root` is the block header's `historyRoot`: the RFC 6962 root (`MerkleTree`) over one leaf per entry, entries
/// sorted by miner key bytes, leaf data = the 74 canonical bytes of `Entry` — `historyVectorEntry` tag 0x52,
/// version 1, `miner (32 B) ‖ size u64 LE ‖ perMinerRoot (32 B)` — so a leaf hash is `SHA-256(0x00 ‖ 0x52 ‖ 0x01 ‖
/// miner ‖ size ‖ root)`. `perMinerRoot` is the RFC 6962 root over that miner's first `size` message hashes in
/// sequence order, leaf data = the 32 bytes of each message hash (`MessageHistory`). Pinned by
/// `Fixtures/protocol/history-vector-v1.txt`. Guarantees: entries are unique per miner and sorted, whatever the
/// order given; the root depends on nothing else.
public struct HistoryVector: Sendable, Hashable {
    /// One miner's part: the first `size` messages of its chain, whose log root is `root`.
    public struct Entry: Sendable, Hashable {
        public static let formatVersion: UInt8 = 1
        public let miner: NodeKey
        public let size: UInt64
        public let root: Hash256

        public init(miner: NodeKey, size: UInt64, root: Hash256) {
            self.miner = miner
            self.size = size
            self.root = root
        }

        /// The leaf data of this entry in the vector's Merkle tree.
        public var canonicalBytes: [UInt8] {
            var writer = ByteWriter(capacity: 2 + NodeKey.byteCount + 8 + 32)
            writer.header(tag: .historyVectorEntry, version: Self.formatVersion)
            writer.raw(miner.bytes)
            writer.u64(size)
            writer.hash(root)
            return writer.bytes
        }
    }

    /// The entries, sorted by miner key bytes, one per miner.
    public let entries: [Entry]

    /// A vector of `entries` (any order); a later entry for the same miner replaces an earlier one.
    public init(entries: [Entry]) {
        var byMiner: [NodeKey: Entry] = [:]
        for entry in entries { byMiner[entry.miner] = entry }
        self.entries = byMiner.values.sorted { $0.miner.bytes.lexicographicallyPrecedes($1.miner.bytes) }
    }

    /// The size for a miner (0 when absent).
    public func size(of miner: NodeKey) -> UInt64 { entries.first { $0.miner == miner }?.size ?? 0 }

    /// The canonical history root (the header's `historyRoot`).
    public var root: Hash256 { MerkleTree(leaves: entries.map(\.canonicalBytes)).root }
}
