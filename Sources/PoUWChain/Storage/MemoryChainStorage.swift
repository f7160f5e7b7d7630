public import PoUWCore
import Synchronization

/// A `ChainStorage` held in memory: for ephemeral nodes and as the reference behaviour a persistent storage
/// must match. Values are kept as canonical bytes, exactly as a persistent store would hold them.
///
/// Guarantees: commits are atomic (applied under one lock); thread-safe; nothing survives the process.
public final class MemoryChainStorage: ChainStorage {
    struct Contents {
        var blocks: [Hash256: [UInt8]] = [:]
        var index: [Hash256: [UInt8]] = [:]
        var mainChain: [Hash256] = []
        var state: [[UInt8]: [UInt8]] = [:]
        var undo: [UInt64: [UInt8]] = [:]
        var transactions: [Hash256: TransactionLocation] = [:]
    }

    private let contents = Mutex(Contents())

    public init() {}

    public func stateValue(forKey key: [UInt8]) throws(ChainError) -> [UInt8]? {
        contents.withLock { $0.state[key] }
    }

    public func blockBytes(_ id: Hash256) throws(ChainError) -> [UInt8]? { contents.withLock { $0.blocks[id] } }

    public func allBlockIndexRecords() throws(ChainError) -> [(id: Hash256, record: BlockIndexRecord)] {
        let raw = contents.withLock { Array($0.index) }
        var out: [(id: Hash256, record: BlockIndexRecord)] = []
        for (id, bytes) in raw {
            out.append((id, try decodeState(BlockIndexRecord.self, bytes, key: id.bytes)))
        }
        return out
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

    public func stateEntries() throws(ChainError) -> [(key: [UInt8], value: [UInt8])] {
        contents.withLock { c in
            c.state.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { ($0.key, $0.value) }
        }
    }

    public func commit(_ commit: ChainCommit) throws(ChainError) {
        contents.withLock { c in
            for b in commit.blocks { c.blocks[b.id] = b.bytes }
            for r in commit.index { c.index[r.id] = r.record.canonicalBytes }
            if let from = commit.truncateMainChain, from < c.mainChain.count {
                c.mainChain.removeSubrange(Int(from)...)
            }
            for a in commit.appendMainChain {
                precondition(a.height == c.mainChain.count, "main chain append out of order")
                c.mainChain.append(a.id)
            }
            for s in commit.state { c.state[s.key] = s.value }
            for h in commit.deleteUndo { c.undo[h] = nil }
            for u in commit.putUndo { c.undo[u.height] = u.undo.canonicalBytes }
            for t in commit.deleteTransactions { c.transactions[t] = nil }
            for t in commit.putTransactions { c.transactions[t.id] = t.location }
        }
    }
}
