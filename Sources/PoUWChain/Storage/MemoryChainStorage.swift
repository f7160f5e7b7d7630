public import PoUWCore
public import PoUWStore
import Synchronization

/// A `ChainStorage` held in memory: for ephemeral nodes and tests that need no data directory. It keeps values
/// as canonical bytes, exactly as `StoreChainStorage` does, and follows the same rules.
///
/// Guarantees: commits are atomic (applied under one lock); thread-safe; nothing survives the process.
public final class MemoryChainStorage: ChainStorage {
    struct Contents {
        var objects: [Hash256: [UInt8]] = [:]
        var index: [Hash256: [UInt8]] = [:]
        var mainChain: [Hash256] = []
        var state: [[UInt8]: [UInt8]] = [:]
        var undo: [UInt64: [UInt8]] = [:]
        /// Undo records below this height have been pruned.
        var undoPrunedBelow: UInt64 = 0
        var transactions: [Hash256: TransactionLocation] = [:]
    }

    private let contents = Mutex(Contents())

    public init() {}

    public func stateValue(forKey key: [UInt8]) throws(ChainError) -> [UInt8]? {
        contents.withLock { $0.state[key] }
    }

    public func object(_ hash: Hash256) throws(ChainError) -> [UInt8]? { contents.withLock { $0.objects[hash] } }

    public func blockIndexRecord(_ id: Hash256) throws(ChainError) -> BlockIndexRecord? {
        guard let bytes = contents.withLock({ $0.index[id] }) else { return nil }
        return try decodeState(BlockIndexRecord.self, bytes, key: id.bytes)
    }

    public func mainChainCount() throws(ChainError) -> UInt64 { UInt64(contents.withLock { $0.mainChain.count }) }

    public func mainChainId(atHeight height: UInt64) throws(ChainError) -> Hash256? {
        contents.withLock { height < $0.mainChain.count ? $0.mainChain[Int(height)] : nil }
    }

    public func undo(atHeight height: UInt64) throws(ChainError) -> BlockUndo? {
        guard let bytes = contents.withLock({ $0.undo[height] }) else { return nil }
        return try decodeState(BlockUndo.self, bytes, key: Array("undo/\(height)".utf8))
    }

    public func transactionLocation(_ id: Hash256) throws(ChainError) -> TransactionLocation? {
        contents.withLock { $0.transactions[id] }
    }

    public func stateEntries(prefix: [UInt8]) throws(ChainError) -> [(key: [UInt8], value: [UInt8])] {
        contents.withLock { c in
            c.state.filter { $0.key.starts(with: prefix) }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
                .map { ($0.key, $0.value) }
        }
    }

    public func commit(_ commit: ChainCommit) throws(ChainError) {
        try contents.withLock { c throws(ChainError) in
            // Everything that can fail is checked before anything changes, so a failed commit leaves no trace;
            // then the changes are made in place (a copy of the contents per block would cost O(chain)).
            var count = c.mainChain.count
            if let from = commit.truncateMainChain, from < count { count = Int(from) }
            for a in commit.appendMainChain {
                guard a.height == count else {
                    throw .storage("main chain append at height \(a.height), expected \(count)")
                }
                count += 1
            }
            for body in commit.blockBodies { c.objects[Hash256.sha256(body)] = body }
            for r in commit.index { c.index[r.id] = r.record.canonicalBytes }
            if let from = commit.truncateMainChain, from < c.mainChain.count {
                c.mainChain.removeSubrange(Int(from)...)
            }
            c.mainChain.append(contentsOf: commit.appendMainChain.map(\.id))
            for s in commit.state { c.state[s.key] = s.value }
            if let from = commit.deleteUndoFrom { c.undo = c.undo.filter { $0.key < from } }
            for u in commit.putUndo { c.undo[u.height] = u.undo.canonicalBytes }
            if let below = commit.pruneUndoBelow, below > c.undoPrunedBelow {
                // Heights below the previous prune point are gone already: O(newly pruned), not O(kept).
                for h in c.undoPrunedBelow..<below { c.undo[h] = nil }
                c.undoPrunedBelow = below
            }
            for t in commit.deleteTransactions { c.transactions[t] = nil }
            for t in commit.putTransactions { c.transactions[t.id] = t.location }
        }
    }
}
