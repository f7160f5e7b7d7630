public import PoUWCore
import PoUWStore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The chain: validates and connects blocks, chooses the branch with the most cumulative work, reorganises
/// through stored undo records, holds orphans until their parent arrives, and answers queries about blocks,
/// transactions and the ledger.
///
/// Guarantees: thread-safe (one writer at a time, serialised here); a block that is rejected for any reason
/// leaves storage exactly as it was (same main chain, same state hash); the main chain always has the most
/// work of all fully validated branches within the undo horizon.
public final class Blockchain: Sendable {
    public let parameters: ChainParameters
    public let storage: any ChainStorage
    public let genesis: Block
    /// The ledger rules the chain validates with (the mempool uses the same).
    public let rulesForMempool: any LedgerRules
    private let engine: Mutex<ChainEngine>

    /// Opens the chain on `storage`, writing genesis if the storage is empty.
    ///
    /// - Parameters:
    ///   - work: the proof-of-work check (`TargetOnlyWorkValidator` until the protocol module's is installed).
    ///   - rules: economics/protocol hooks for tickets, results and evidence.
    ///   - clock: Unix seconds now, for the future-time limit.
    ///   - threads: signature-checking threads per block.
    public init(
        storage: any ChainStorage,
        parameters: ChainParameters,
        work: any WorkValidator,
        rules: any LedgerRules = BasicLedgerRules(),
        clock: @escaping @Sendable () -> UInt64 = { Blockchain.systemTime() },
        threads: Int = 2
    ) throws(ChainError) {
        self.parameters = parameters
        self.storage = storage
        self.genesis = Genesis.block(for: parameters)
        self.rulesForMempool = rules
        var engine = ChainEngine(
            parameters: parameters,
            storage: storage,
            work: work,
            rules: rules,
            clock: clock,
            threads: threads
        )
        try engine.load(genesis: genesis)
        self.engine = Mutex(engine)
    }

    /// Unix time in seconds from the system clock.
    public static func systemTime() -> UInt64 {
        UInt64(max(0, time(nil)))
    }

    /// Validates `block` and adds it to the chain (or side chains, or the orphan pool).
    @discardableResult
    public func process(_ block: Block) throws(ChainError) -> ProcessReport {
        let bytes = block.canonicalBytes
        return try engine.withLock { e throws(ChainError) in try e.process(block, bytes: bytes) }
    }

    /// Processes a block whose canonical bytes the caller already has (`canonicalBytes` must be exactly
    /// `block.canonicalBytes`; the reindex passes the stored bytes to avoid re-encoding).
    @discardableResult
    public func process(_ block: Block, canonicalBytes: [UInt8]) throws(ChainError) -> ProcessReport {
        try engine.withLock { e throws(ChainError) in try e.process(block, bytes: canonicalBytes) }
    }

    /// As `process(_:canonicalBytes:)` with the stateless checks already done by the caller (`prechecked` must be
    /// `BlockChecks.check` of exactly this block and these bytes under these parameters). Internal: only the
    /// reindex, which overlaps the checks of block n + 1 with connecting block n, uses it.
    func process(
        _ block: Block,
        canonicalBytes: [UInt8],
        prechecked: Result<[Hash256], ValidationError>
    )
        throws(ChainError) -> ProcessReport
    {
        try engine.withLock { e throws(ChainError) in
            try e.process(block, bytes: canonicalBytes, prechecked: prechecked)
        }
    }

    /// Decodes and processes a block received as bytes.
    @discardableResult
    public func process(blockBytes bytes: [UInt8]) throws(ChainError) -> ProcessReport {
        let block: Block
        do { block = try Block(canonicalBytes: bytes) } catch let e as CanonicalDecodingError {
            throw .undecodable(e)
        } catch {
            throw .undecodable(.invalidValue(field: "block", reason: "\(error)"))
        }
        return try engine.withLock { e throws(ChainError) in try e.process(block, bytes: bytes) }
    }

    /// The best chain's tip.
    public var tip: ChainTip { engine.withLock { $0.chainTip } }

    /// What a block on top of the current tip must carry.
    public func nextBlockContext() throws(ChainError) -> NextBlockContext {
        try engine.withLock { e throws(ChainError) in try e.nextBlockContext(parentId: e.tip) }
    }

    /// What a child of any indexed block must carry (for building side branches).
    public func nextBlockContext(parent: Hash256) throws(ChainError) -> NextBlockContext {
        try engine.withLock { e throws(ChainError) in try e.nextBlockContext(parentId: parent) }
    }

    /// Ids of blocks held in the orphan pool.
    public var orphanIds: [Hash256] { engine.withLock { $0.orphanOrder } }

    /// The index record of any stored block.
    public func indexRecord(_ id: Hash256) throws(ChainError) -> BlockIndexRecord? {
        try engine.withLock { e throws(ChainError) in try e.indexRecord(id) }
    }

    public func block(_ id: Hash256) throws(ChainError) -> Block? {
        try engine.withLock { e throws(ChainError) in try e.loadBlock(id) }
    }

    public func mainChainId(atHeight height: UInt64) throws(ChainError) -> Hash256? {
        try storage.mainChainId(atHeight: height)
    }

    public func block(atHeight height: UInt64) throws(ChainError) -> Block? {
        guard let id = try storage.mainChainId(atHeight: height) else { return nil }
        return try block(id)
    }

    /// A main-chain transaction and where it is.
    public func transaction(_ id: Hash256) throws(ChainError) -> ChainTransaction? {
        guard let location = try storage.transactionLocation(id), let b = try block(location.block),
            Int(location.position) < b.transactions.count, let r = try indexRecord(location.block)
        else { return nil }
        return ChainTransaction(
            transaction: b.transactions[Int(location.position)],
            blockId: location.block,
            height: r.height,
            index: Int(location.position)
        )
    }

    public func account(_ address: Address) throws(ChainError) -> AccountState {
        try LedgerOverlay(base: storage).account(address)
    }

    public func task(_ id: Hash256) throws(ChainError) -> TaskEscrow? { try LedgerOverlay(base: storage).task(id) }

    public func ticket(_ id: Hash256) throws(ChainError) -> TicketRecord? {
        try LedgerOverlay(base: storage).ticket(id)
    }

    /// Every account with a non-empty state, in address order.
    public func accounts() throws(ChainError) -> [(Address, AccountState)] {
        var out: [(Address, AccountState)] = []
        for (key, value) in try storage.stateEntries(prefix: [UInt8(ascii: "a")]) {
            guard let address = Address(bytes: key.dropFirst()) else {
                throw .corruptState(key: Hex.encode(key), reason: "account key is not 1 + 20 bytes")
            }
            out.append((address, try decodeState(AccountState.self, value, key: key)))
        }
        return out
    }

    /// SHA-256 over the whole state table in key order.
    public func stateHash() throws(ChainError) -> Hash256 { try storage.stateHash() }

    /// Supply accounting at the tip.
    public func supply() throws(ChainError) -> SupplyReport {
        var balances: UInt64 = 0
        var locked: UInt64 = 0
        for (_, a) in try accounts() {
            balances += a.balance.units
            locked += a.locked.units
        }
        var escrow: UInt64 = 0
        for (key, value) in try storage.stateEntries(prefix: [UInt8(ascii: "t")]) {
            let t = try decodeState(TaskEscrow.self, value, key: key)
            if !t.settled { escrow += t.escrow.units }
        }
        let burned = try LedgerOverlay(base: storage).burned().units
        let genesisTotal = Payout.sum(Genesis.allocations(for: parameters))?.units ?? 0
        let tipHeight = tip.height
        // Fees are paid back out through coinbases, so minted = genesis + subsidies.
        return SupplyReport(
            height: tipHeight,
            balances: balances,
            locked: locked,
            escrowed: escrow,
            genesis: genesisTotal,
            subsidies: parameters.cumulativeSubsidy(throughHeight: tipHeight),
            burned: burned
        )
    }
}

/// A transaction of the main chain with its block, height and position.
public struct ChainTransaction: Sendable, Hashable {
    public var transaction: Transaction
    public var blockId: Hash256
    public var height: UInt64
    public var index: Int
}

/// Supply at one height: what accounts and escrows hold next to what was minted minus what was burned.
/// Guarantees (for a valid chain): `held == expected`.
public struct SupplyReport: Sendable, Hashable {
    public var height: UInt64
    public var balances: UInt64
    public var locked: UInt64
    public var escrowed: UInt64
    public var genesis: UInt64
    public var subsidies: UInt64
    public var burned: UInt64

    /// Balances + locked stakes + open escrows.
    public var held: UInt64 { balances + locked + escrowed }
    /// Genesis + subsidies − burns.
    public var expected: UInt64 { genesis + subsidies - burned }
}
