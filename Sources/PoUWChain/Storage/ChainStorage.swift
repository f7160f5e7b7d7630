public import PoUWCore
public import PoUWStore

/// Everything one chain update writes, applied atomically by `ChainStorage.commit` (all or nothing).
public struct ChainCommit: Sendable {
    /// New block bodies (canonical bytes); stored content-addressed (key = SHA-256 of the bytes).
    public var blockBodies: [[UInt8]] = []
    /// New or updated block index records.
    public var index: [(id: Hash256, record: BlockIndexRecord)] = []
    /// Drop main-chain heights from this one up (a reorg), before `appendMainChain`.
    public var truncateMainChain: UInt64?
    /// Main-chain entries to append, in height order.
    public var appendMainChain: [(height: UInt64, id: Hash256)] = []
    /// State table writes (`nil` deletes), in key order.
    public var state: [(key: [UInt8], value: [UInt8]?)] = []
    /// Drop undo records from this height up (a reorg), before `putUndo`.
    public var deleteUndoFrom: UInt64?
    /// Undo records to store by height.
    public var putUndo: [(height: UInt64, undo: BlockUndo)] = []
    /// Undo records below this height are no longer needed (they lie beyond the undo horizon, so no reorg may
    /// use them): a storage that can delete them does; one that cannot keeps them, which changes nothing but
    /// space. `MemoryChainStorage` deletes them; `StoreChainStorage` keeps them until PoUWStore can delete undo
    /// records below a height (it only deletes from a height upward, for reorgs).
    public var pruneUndoBelow: UInt64?
    /// Transaction index entries to remove, then to add.
    public var deleteTransactions: [Hash256] = []
    public var putTransactions: [(id: Hash256, location: TransactionLocation)] = []

    public init() {}
}

/// The persistence the chain needs: content-addressed block bodies, a block index (id → `BlockIndexRecord`),
/// the main chain by height, the ledger's state table, undo records by height and a transaction index.
///
/// Implementations guarantee: `commit` is atomic (a crash or error leaves all of it or none); reads see the
/// last committed state; the `Blockchain` is the only writer of these collections.
public protocol ChainStorage: LedgerReading, Sendable {
    /// The object stored under `hash` (SHA-256 of its bytes), or `nil`.
    func object(_ hash: Hash256) throws(ChainError) -> [UInt8]?
    func blockIndexRecord(_ id: Hash256) throws(ChainError) -> BlockIndexRecord?
    /// Number of main-chain blocks (tip height + 1), 0 when empty.
    func mainChainCount() throws(ChainError) -> UInt64
    func mainChainId(atHeight height: UInt64) throws(ChainError) -> Hash256?
    func undo(atHeight height: UInt64) throws(ChainError) -> BlockUndo?
    func transactionLocation(_ id: Hash256) throws(ChainError) -> TransactionLocation?
    /// State entries whose key starts with `prefix`, in ascending key order.
    func stateEntries(prefix: [UInt8]) throws(ChainError) -> [(key: [UInt8], value: [UInt8])]
    func commit(_ commit: ChainCommit) throws(ChainError)
}

extension ChainStorage {
    /// SHA-256 over every state entry in key order (`len‖key‖len‖value` each): equal hashes, equal ledgers.
    public func stateHash() throws(ChainError) -> Hash256 {
        var writer = ByteWriter(capacity: 4096)
        for (key, value) in try stateEntries(prefix: []) {
            writer.lengthPrefixed(key)
            writer.lengthPrefixed(value)
        }
        return Hash256.sha256(writer.bytes)
    }
}
