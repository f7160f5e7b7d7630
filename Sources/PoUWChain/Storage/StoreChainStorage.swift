public import PoUWCore
public import PoUWStore

/// `ChainStorage` on the node's LMDB store: block bodies as `.block` objects, the store's block index,
/// blocks-by-height log, transaction index, `state` and `undo` tables. One `commit` is one store write
/// transaction, so it is atomic and (with durable options) durable when it returns.
///
/// Guarantees: every store failure surfaces as `ChainError.storage` with the store's message; a commit that
/// fails leaves the store as it was.
public final class StoreChainStorage: ChainStorage {
    /// The underlying store (shared with the rest of the node).
    public let store: Store

    public init(store: Store) { self.store = store }

    /// Opens (or creates) the store in `directory`.
    public convenience init(directory: String, options: StoreOptions = .init()) throws(ChainError) {
        self.init(store: try wrap { try Store.open(at: directory, options: options) })
    }

    public func stateValue(forKey key: [UInt8]) throws(ChainError) -> [UInt8]? {
        try wrap { try store.read { try $0.state(key) } }
    }

    public func object(_ hash: Hash256) throws(ChainError) -> [UInt8]? {
        try wrap {
            try store.read { view -> [UInt8]? in try view.contains(hash) ? try view.get(hash) : nil }
        }
    }

    public func blockIndexRecord(_ id: Hash256) throws(ChainError) -> BlockIndexRecord? {
        guard let bytes = try wrap({ try store.read { try $0.blockRecord(id) } }) else { return nil }
        return try decodeState(BlockIndexRecord.self, bytes, key: id.bytes)
    }

    public func mainChainCount() throws(ChainError) -> UInt64 {
        try wrap { try store.read { try $0.tipHeight().map { $0 + 1 } ?? 0 } }
    }

    public func mainChainId(atHeight height: UInt64) throws(ChainError) -> Hash256? {
        try wrap { try store.read { try $0.blockHash(at: height) } }
    }

    public func undo(atHeight height: UInt64) throws(ChainError) -> BlockUndo? {
        guard let bytes = try wrap({ try store.read { try $0.undo(height: height) } }) else { return nil }
        return try decodeState(BlockUndo.self, bytes, key: Array("undo/\(height)".utf8))
    }

    public func transactionLocation(_ id: Hash256) throws(ChainError) -> TransactionLocation? {
        try wrap { try store.read { try $0.transactionLocation(id) } }
    }

    public func stateEntries(prefix: [UInt8]) throws(ChainError) -> [(key: [UInt8], value: [UInt8])] {
        try wrap {
            try store.read { view in
                var out: [(key: [UInt8], value: [UInt8])] = []
                try view.forEachState(prefix: prefix) { key, value in
                    out.append((key, value))
                    return true
                }
                return out
            }
        }
    }

    public func commit(_ commit: ChainCommit) throws(ChainError) {
        try wrap {
            try store.write { batch in
                for body in commit.blockBodies { _ = try batch.put(.block, body) }
                for r in commit.index { try batch.putBlockRecord(r.id, r.record.canonicalBytes) }
                if let from = commit.truncateMainChain { _ = try batch.truncateBlocks(from: from) }
                for a in commit.appendMainChain { try batch.appendBlock(height: a.height, hash: a.id) }
                for s in commit.state {
                    if let value = s.value {
                        try batch.putState(s.key, value)
                    } else {
                        _ = try batch.deleteState(s.key)
                    }
                }
                if let from = commit.deleteUndoFrom { _ = try batch.deleteUndo(from: from) }
                if let below = commit.pruneUndoBelow { _ = try batch.deleteUndo(below: below) }
                for u in commit.putUndo { try batch.putUndo(height: u.height, u.undo.canonicalBytes) }
                for t in commit.deleteTransactions { _ = try batch.removeTransaction(t) }
                for t in commit.putTransactions { try batch.indexTransaction(t.id, at: t.location) }
            }
        }
    }
}

private func wrap<T>(_ body: () throws -> T) throws(ChainError) -> T {
    do { return try body() } catch let e as ChainError { throw e } catch { throw .storage("\(error)") }
}
