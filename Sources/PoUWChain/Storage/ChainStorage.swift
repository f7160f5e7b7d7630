public import PoUWCore

/// Where a transaction of the main chain sits.
public struct TransactionLocation: Sendable, Hashable {
    public var blockId: Hash256
    public var height: UInt64
    public var index: UInt32

    public init(blockId: Hash256, height: UInt64, index: UInt32) {
        self.blockId = blockId
        self.height = height
        self.index = index
    }
}

/// Everything one chain update writes, applied atomically by `ChainStorage.commit` (all or nothing).
public struct ChainCommit: Sendable {
    /// New block bodies (canonical bytes) by block id.
    public var blocks: [(id: Hash256, bytes: [UInt8])] = []
    /// New or updated block index records.
    public var index: [(id: Hash256, record: BlockIndexRecord)] = []
    /// Drop main-chain heights from this one up (a reorg), before `append`.
    public var truncateMainChain: UInt64?
    /// Main-chain entries to append, in height order.
    public var appendMainChain: [(height: UInt64, id: Hash256)] = []
    /// State table writes (`nil` deletes), in key order.
    public var state: [(key: [UInt8], value: [UInt8]?)] = []
    /// Undo records to store by height.
    public var putUndo: [(height: UInt64, undo: BlockUndo)] = []
    /// Undo records to drop (disconnected blocks, or ones past the horizon).
    public var deleteUndo: [UInt64] = []
    /// Transaction index entries to add and remove.
    public var putTransactions: [(id: Hash256, location: TransactionLocation)] = []
    public var deleteTransactions: [Hash256] = []

    public init() {}

    public var isEmpty: Bool {
        blocks.isEmpty && index.isEmpty && truncateMainChain == nil && appendMainChain.isEmpty && state.isEmpty
            && putUndo.isEmpty && deleteUndo.isEmpty && putTransactions.isEmpty && deleteTransactions.isEmpty
    }
}

/// The persistence the chain needs: block bodies, a block index, the main chain by height, the ledger's state
/// table, undo records by height and a transaction index.
///
/// Implementations guarantee: `commit` is atomic and durable when it returns (a crash leaves either all of it
/// or none); reads see the last committed state; one writer at a time (the `Blockchain` serialises writers).
public protocol ChainStorage: LedgerReading, Sendable {
    func blockBytes(_ id: Hash256) throws(ChainError) -> [UInt8]?
    /// Every stored block index record (loaded once when the chain opens).
    func allBlockIndexRecords() throws(ChainError) -> [(id: Hash256, record: BlockIndexRecord)]
    /// Number of main-chain blocks (tip height + 1), 0 when empty.
    func mainChainCount() throws(ChainError) -> UInt64
    func mainChainId(atHeight height: UInt64) throws(ChainError) -> Hash256?
    func undo(atHeight height: UInt64) throws(ChainError) -> BlockUndo?
    func transactionLocation(_ id: Hash256) throws(ChainError) -> TransactionLocation?
    /// All state entries in ascending key order.
    func stateEntries() throws(ChainError) -> [(key: [UInt8], value: [UInt8])]
    func commit(_ commit: ChainCommit) throws(ChainError)
}

extension ChainStorage {
    /// SHA-256 over every state entry in key order (`len‖key‖len‖value` each): equal hashes, equal ledgers.
    public func stateHash() throws(ChainError) -> Hash256 {
        var writer = ByteWriter(capacity: 4096)
        for (key, value) in try stateEntries() {
            writer.lengthPrefixed(key)
            writer.lengthPrefixed(value)
        }
        return Hash256.sha256(writer.bytes)
    }
}
