import PoUWCore
import PoUWStore

/// The single-writer core of `Blockchain`: block index in memory, orphan pool, fork choice, connect and
/// reorganise. Every mutation of storage goes through one `ChainCommit`, built completely before it is
/// applied, so a rejected block leaves the stored chain and ledger untouched.
struct ChainEngine {
    let parameters: ChainParameters
    let storage: any ChainStorage
    let work: any WorkValidator
    let rules: any LedgerRules
    let clock: @Sendable () -> UInt64
    let threads: Int

    /// Cache of block index records (the store holds them all; loaded on demand).
    var index: [Hash256: BlockIndexRecord] = [:]
    var tip: Hash256 = .zero
    var orphans: [Hash256: Block] = [:]
    var orphanOrder: [Hash256] = []
    /// Blocks known to be invalid (they failed contextual validation, or descend from such a block). Those with
    /// an index record are also stored as records with status `.invalid`, so a restarted node still knows them.
    var invalid: Set<Hash256> = []
    /// Records of blocks marked invalid while processing the current block, stored when it is rejected.
    var newlyInvalid: [(id: Hash256, record: BlockIndexRecord)] = []

    var tipRecord: BlockIndexRecord {
        guard let r = index[tip] else { preconditionFailure("the tip is always indexed") }
        return r
    }

    var chainTip: ChainTip {
        let r = tipRecord
        return ChainTip(id: tip, height: r.height, chainWork: r.chainWork, time: r.header.time)
    }

    // MARK: opening

    mutating func load(genesis: Block) throws(ChainError) {
        let genesisId = genesis.id
        let count = try storage.mainChainCount()
        if count == 0 {
            var overlay = LedgerOverlay(base: storage)
            if case .coinbase(let c) = genesis.transactions[0].body {
                for p in c.outputs {
                    try TransactionApplier.credit(p.to, p.amount, genesis.transactions[0].id, &overlay)
                }
            }
            let target = try target(genesis.header.bits, id: genesisId)
            let body = genesis.canonicalBytes
            let record = BlockIndexRecord(
                height: 0,
                chainWork: CompactTarget.work(forTarget: target),
                status: .valid,
                bodyHash: Hash256.sha256(body),
                header: genesis.header
            )
            var commit = ChainCommit()
            commit.blockBodies = [body]
            commit.index = [(genesisId, record)]
            commit.appendMainChain = [(0, genesisId)]
            commit.state = overlay.netChanges()
            commit.putTransactions = [
                (genesis.transactions[0].id, TransactionLocation(block: genesisId, position: 0))
            ]
            try storage.commit(commit)
            index[genesisId] = record
            tip = genesisId
            return
        }
        guard let stored = try storage.mainChainId(atHeight: 0), stored == genesisId else {
            throw .corruptState(key: "main chain height 0", reason: "the stored genesis is not this chain's genesis")
        }
        guard let last = try storage.mainChainId(atHeight: count - 1), try indexRecord(last) != nil else {
            throw .corruptState(key: "main chain tip", reason: "the tip has no block index record")
        }
        tip = last
    }

    // MARK: processing

    /// `prechecked`: the result of `BlockChecks.check` on exactly this block and bytes, when the caller already
    /// ran it (the reindex overlaps it with connecting the previous block).
    mutating func process(
        _ block: Block,
        bytes: [UInt8],
        prechecked: Result<[Hash256], ValidationError>? = nil
    ) throws(ChainError) -> ProcessReport {
        let outcome = try processOne(block, bytes: bytes, prechecked: prechecked)
        var adopted: [BlockOutcome] = []
        var queue: [Hash256] = []
        if case .orphan = outcome {} else { queue.append(block.id) }
        while let parent = queue.popLast() {
            for orphanId in orphanOrder where orphans[orphanId]?.header.prev == parent {
                guard let orphan = removeOrphan(orphanId) else { continue }
                // An orphan that turns out invalid is dropped; the chain stays as it was.
                if let o = try? processOne(orphan, bytes: orphan.canonicalBytes) {
                    adopted.append(o)
                    queue.append(orphanId)
                }
            }
        }
        return ProcessReport(outcome: outcome, adoptedOrphans: adopted)
    }

    /// `bytes` must be `block`'s canonical encoding. Blocks found invalid on the way are remembered in `invalid`
    /// and stored as `.invalid` index records (a separate write: the rejection itself writes nothing else).
    private mutating func processOne(
        _ block: Block,
        bytes: [UInt8],
        prechecked: Result<[Hash256], ValidationError>? = nil
    ) throws(ChainError) -> BlockOutcome {
        newlyInvalid = []
        do {
            return try processUnmarked(block, bytes: bytes, prechecked: prechecked)
        } catch {
            persistInvalidMarks()
            throw error
        }
    }

    private mutating func processUnmarked(
        _ block: Block,
        bytes: [UInt8],
        prechecked: Result<[Hash256], ValidationError>?
    ) throws(ChainError) -> BlockOutcome {
        let id = block.id
        let header = block.header
        if invalid.contains(id) { throw .knownInvalid(id: id) }
        if let known = try indexRecord(id) {
            if known.status == .invalid {
                invalid.insert(id)
                throw .knownInvalid(id: id)
            }
            throw .alreadyKnown(id: id)
        }
        if orphans[id] != nil { throw .alreadyKnown(id: id) }
        // Work first: it is cheap, and a header without work must not cost us signature checks.
        let target = try target(header.bits, id: id)
        do { try work.validateWork(header: header, id: id, target: target) } catch {
            throw .invalidBlock(id: id, error)
        }
        let ids: [Hash256]
        do {
            if let prechecked {
                ids = try prechecked.get()
            } else {
                ids = try BlockChecks.check(block, encodedSize: bytes.count, parameters: parameters, threads: threads)
            }
        } catch { throw .invalidBlock(id: id, error) }
        let parentRecord = try indexRecord(header.prev)
        if invalid.contains(header.prev) || parentRecord?.status == .invalid {
            // A descendant of an invalid block: not stored (the parent's stored mark finds it again).
            invalid.insert(id)
            throw .knownInvalid(id: id)
        }
        guard let parent = parentRecord else {
            addOrphan(block, id: id)
            return .orphan(id: id, missingParent: header.prev)
        }
        let (chainWork, overflow) = parent.chainWork.addingReportingOverflow(CompactTarget.work(forTarget: target))
        precondition(!overflow, "cumulative work beyond 2^256")
        let body = bytes
        let record = BlockIndexRecord(
            height: parent.height + 1,
            chainWork: chainWork,
            status: .valid,
            bodyHash: Hash256.sha256(body),
            header: header
        )
        try checkHeaderContext(header, id: id, record: record, parentId: header.prev)

        if header.prev == tip {
            var overlay = LedgerOverlay(base: storage)
            let undo = try connectBody(block, id: id, txIds: ids, record: record, ledger: &overlay)
            var commit = ChainCommit()
            commit.blockBodies = [body]
            commit.index = [(id, record)]
            commit.appendMainChain = [(record.height, id)]
            commit.state = overlay.netChanges()
            commit.putUndo = [(record.height, undo)]
            commit.pruneUndoBelow = undoPrunePoint(tipHeight: record.height)
            addTransactions(ids, block: id, to: &commit)
            try storage.commit(commit)
            index[id] = record
            tip = id
            return .extended(tip: chainTip)
        }
        if chainWork <= tipRecord.chainWork {
            var commit = ChainCommit()
            commit.blockBodies = [body]
            commit.index = [(id, record)]
            try storage.commit(commit)
            index[id] = record
            return .sideChain(id: id, height: record.height)
        }
        return try reorganize(to: block, bytes: bytes, txIds: ids, id: id, record: record)
    }

    private mutating func reorganize(
        to block: Block,
        bytes: [UInt8],
        txIds: [Hash256],
        id: Hash256,
        record: BlockIndexRecord
    ) throws(ChainError)
        -> BlockOutcome
    {
        // The branch from the new block back to (not including) the fork point on the main chain.
        var branch: [(id: Hash256, record: BlockIndexRecord)] = [(id, record)]
        var cursor = record.header.prev
        while true {
            guard let r = try indexRecord(cursor) else {
                throw .corruptState(key: cursor.hex, reason: "missing ancestor")
            }
            if try storage.mainChainId(atHeight: r.height) == cursor { break }
            branch.append((cursor, r))
            cursor = r.header.prev
        }
        branch.reverse()
        guard let forkHeight = try indexRecord(cursor)?.height else {
            throw .corruptState(key: cursor.hex, reason: "missing fork point")
        }
        let oldTip = tipRecord
        let depth = oldTip.height - forkHeight
        if depth > parameters.undoHorizon {
            throw .reorgBeyondUndoHorizon(id: id, depth: depth, horizon: parameters.undoHorizon)
        }
        var working = LedgerOverlay(base: storage)
        var commit = ChainCommit()
        var disconnected: [Hash256] = []
        var height = oldTip.height
        while height > forkHeight {
            guard let undo = try storage.undo(atHeight: height),
                let oldId = try storage.mainChainId(atHeight: height), undo.blockId == oldId
            else {
                throw .reorgBeyondUndoHorizon(id: id, depth: depth, horizon: oldTip.height - height)
            }
            for entry in undo.previous { try working.set(entry.key, entry.value) }
            if let old = try loadBlock(oldId) { commit.deleteTransactions += old.transactions.map(\.id) }
            disconnected.append(oldId)
            height -= 1
        }
        commit.truncateMainChain = forkHeight + 1
        commit.deleteUndoFrom = forkHeight + 1
        for (i, (bid, brecord)) in branch.enumerated() {
            let b: Block
            let ids: [Hash256]
            if bid == id {
                b = block
                ids = txIds
            } else {
                guard let stored = try loadBlock(bid) else {
                    throw .corruptState(key: bid.hex, reason: "side-chain block body missing")
                }
                b = stored
                ids = stored.transactions.map(\.id)
            }
            var blockLedger = LedgerOverlay(base: working)
            let undo: BlockUndo
            do {
                undo = try connectBody(b, id: bid, txIds: ids, record: brecord, ledger: &blockLedger)
            } catch {
                for later in branch[i...] { markInvalid(later.id, later.record) }
                throw error
            }
            for entry in blockLedger.netChanges() { try working.set(entry.key, entry.value) }
            commit.putUndo.append((brecord.height, undo))
            commit.appendMainChain.append((brecord.height, bid))
            addTransactions(ids, block: bid, to: &commit)
        }
        commit.blockBodies = [bytes]
        commit.index = [(id, record)]
        commit.state = working.netChanges()
        commit.pruneUndoBelow = undoPrunePoint(tipHeight: record.height)
        try storage.commit(commit)
        index[id] = record
        tip = id
        return .reorganized(tip: chainTip, disconnected: disconnected, connected: branch.map(\.id))
    }

    // MARK: rules

    /// Applies every transaction and the coinbase; returns the undo record. Marks the block invalid on failure.
    mutating func connectBody(
        _ block: Block,
        id: Hash256,
        txIds: [Hash256],
        record: BlockIndexRecord,
        ledger: inout LedgerOverlay
    )
        throws(ChainError) -> BlockUndo
    {
        let height = record.height
        do throws(ChainError) {
            var fees = Amount.zero
            try rules.beginBlock(height: height, blockID: id, ledger: &ledger)
            for (tx, txId) in zip(block.transactions, txIds).dropFirst() {
                let fee = try TransactionApplier.apply(tx, id: txId, height: height, ledger: &ledger, rules: rules)
                fees = try TransactionApplier.add(fees, fee, txId)
            }
            guard case .coinbase(let coinbase) = block.transactions[0].body else {
                throw ChainError.invalidBlock(id: id, .missingCoinbase)
            }
            if coinbase.height != height {
                throw ChainError.invalidBlock(id: id, .coinbaseHeight(expected: height, found: coinbase.height))
            }
            let coinbaseId = txIds[0]
            let expected = try TransactionApplier.add(
                Amount(units: parameters.subsidy(atHeight: height)),
                fees,
                coinbaseId
            )
            guard let paid = coinbase.total else {
                throw ChainError.invalidBlock(id: id, .amountOverflow(tx: coinbaseId))
            }
            if paid != expected {
                throw ChainError.invalidBlock(id: id, .coinbaseAmount(expected: expected, found: paid))
            }
            for p in coinbase.outputs { try TransactionApplier.credit(p.to, p.amount, coinbaseId, &ledger) }
            try rules.endBlock(height: height, blockID: id, coinbase: coinbase, ledger: &ledger)
            return BlockUndo(blockId: id, previous: ledger.undoEntries())
        } catch {
            switch error {
            case .invalidTransaction(_, let reason):
                markInvalid(id, record)
                throw .invalidBlock(id: id, reason)
            case .invalidBlock:
                markInvalid(id, record)
                throw error
            default:
                throw error
            }
        }
    }

    func target(_ bits: UInt32, id: Hash256) throws(ChainError) -> UInt256 {
        guard let t = try? CompactTarget.decode(bits), let limit = try? CompactTarget.decode(parameters.powLimitBits),
            t <= limit
        else { throw .invalidBlock(id: id, .invalidTarget(bits: bits)) }
        return t
    }

    /// Bits, median time past and future limit for a block whose parent is `parentId`.
    mutating func checkHeaderContext(
        _ header: BlockHeader,
        id: Hash256,
        record: BlockIndexRecord,
        parentId: Hash256
    )
        throws(ChainError)
    {
        let context = try nextBlockContext(parentId: parentId)
        if header.bits != context.bits {
            markInvalid(id, record)
            throw .invalidBlock(id: id, .badBits(expected: context.bits, found: header.bits))
        }
        if header.time <= context.medianTimePast {
            markInvalid(id, record)
            throw .invalidBlock(id: id, .timeNotAfterMedian(time: header.time, medianTimePast: context.medianTimePast))
        }
        let limit = clock() + parameters.maxFutureDrift
        // Not marked invalid: the same block becomes acceptable as time passes.
        if header.time > limit { throw .invalidBlock(id: id, .timeTooFarInFuture(time: header.time, limit: limit)) }
    }

    /// What a child of `parentId` must carry: height, bits and the median time past it must exceed.
    mutating func nextBlockContext(parentId: Hash256) throws(ChainError) -> NextBlockContext {
        guard let parent = try indexRecord(parentId) else { throw .notFound("block \(parentId)") }
        let height = parent.height + 1
        let needed = max(parameters.medianTimeSpan, Int(parameters.retargetInterval) + 1)
        var times: [UInt64] = []
        var cursor: BlockIndexRecord? = parent
        while let r = cursor, times.count < needed {
            times.append(r.header.time)
            cursor = r.height == 0 ? nil : try indexRecord(r.header.prev)
        }
        times.reverse()
        let mtpWindow = times.suffix(parameters.medianTimeSpan).sorted()
        let medianTimePast = mtpWindow[mtpWindow.count / 2]
        let bits: UInt32
        do {
            bits = try Difficulty.nextBits(
                height: height,
                parentBits: parent.header.bits,
                recentTimes: times,
                parameters: parameters
            )
        } catch {
            throw .corruptState(key: parentId.hex, reason: "stored bits do not decode: \(error)")
        }
        return NextBlockContext(prev: parentId, height: height, bits: bits, medianTimePast: medianTimePast)
    }

    // MARK: helpers

    /// The lowest height whose undo record a reorg from a tip at `tipHeight` may still need: a reorg undoes at
    /// most `undoHorizon` blocks, i.e. heights `tipHeight - undoHorizon + 1 ... tipHeight`. (After a reorg to a
    /// lower tip, records below the earlier prune point are gone; a reorg that would need them is refused with
    /// `reorgBeyondUndoHorizon`, as for any missing undo record.)
    func undoPrunePoint(tipHeight: UInt64) -> UInt64? {
        let keep = max(1, parameters.undoHorizon)
        return tipHeight + 1 > keep ? tipHeight + 1 - keep : nil
    }

    /// Remembers `id` as invalid; its record (status `.invalid`) is stored when the current block is rejected.
    mutating func markInvalid(_ id: Hash256, _ record: BlockIndexRecord) {
        invalid.insert(id)
        var marked = record
        marked.status = .invalid
        newlyInvalid.append((id, marked))
    }

    /// Stores the `.invalid` records of the blocks marked while processing the current block. Only index
    /// records change (no state, main chain, undo or bodies), so "a rejection leaves the chain and state as they
    /// were" still holds. If the write fails the marks stay in memory and the block's own rejection is what the
    /// caller hears: losing a mark costs only a re-validation after a restart.
    private mutating func persistInvalidMarks() {
        guard !newlyInvalid.isEmpty else { return }
        var commit = ChainCommit()
        commit.index = newlyInvalid
        if (try? storage.commit(commit)) != nil {
            for (id, record) in newlyInvalid where index[id] != nil { index[id] = record }
        }
        newlyInvalid = []
    }

    mutating func loadBlock(_ id: Hash256) throws(ChainError) -> Block? {
        guard let r = try indexRecord(id), let bytes = try storage.object(r.bodyHash) else { return nil }
        return try decodeState(Block.self, bytes, key: id.bytes)
    }

    /// The index record of `id`, from the cache or the storage.
    mutating func indexRecord(_ id: Hash256) throws(ChainError) -> BlockIndexRecord? {
        if let r = index[id] { return r }
        guard let r = try storage.blockIndexRecord(id) else { return nil }
        index[id] = r
        return r
    }

    func addTransactions(_ ids: [Hash256], block: Hash256, to commit: inout ChainCommit) {
        for (i, txId) in ids.enumerated() {
            commit.putTransactions.append((txId, TransactionLocation(block: block, position: UInt32(i))))
        }
    }

    mutating func addOrphan(_ block: Block, id: Hash256) {
        orphans[id] = block
        orphanOrder.append(id)
        while orphanOrder.count > parameters.orphanLimit {
            let evicted = orphanOrder.removeFirst()
            orphans[evicted] = nil
        }
    }

    mutating func removeOrphan(_ id: Hash256) -> Block? {
        orphanOrder.removeAll { $0 == id }
        return orphans.removeValue(forKey: id)
    }
}
