import PoUWCore

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

    var index: [Hash256: BlockIndexRecord] = [:]
    var tip: Hash256 = .zero
    var orphans: [Hash256: Block] = [:]
    var orphanOrder: [Hash256] = []
    var invalid: Set<Hash256> = []

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
        for (id, record) in try storage.allBlockIndexRecords() { index[id] = record }
        let count = try storage.mainChainCount()
        if count == 0 {
            var overlay = LedgerOverlay(base: storage)
            if case .coinbase(let c) = genesis.transactions[0].body {
                for p in c.outputs {
                    try TransactionApplier.credit(p.to, p.amount, genesis.transactions[0].id, &overlay)
                }
            }
            let target = try target(genesis.header.bits, id: genesisId)
            let record = BlockIndexRecord(
                height: 0,
                chainWork: CompactTarget.work(forTarget: target),
                status: .valid,
                header: genesis.header
            )
            var commit = ChainCommit()
            commit.blocks = [(genesisId, genesis.canonicalBytes)]
            commit.index = [(genesisId, record)]
            commit.appendMainChain = [(0, genesisId)]
            commit.state = overlay.netChanges()
            commit.putTransactions = [
                (genesis.transactions[0].id, TransactionLocation(blockId: genesisId, height: 0, index: 0))
            ]
            try storage.commit(commit)
            index[genesisId] = record
            tip = genesisId
            return
        }
        guard let stored = try storage.mainChainId(atHeight: 0), stored == genesisId else {
            throw .corruptState(key: "main chain height 0", reason: "the stored genesis is not this chain's genesis")
        }
        guard let last = try storage.mainChainId(atHeight: count - 1), index[last] != nil else {
            throw .corruptState(key: "main chain tip", reason: "the tip has no block index record")
        }
        tip = last
    }

    // MARK: processing

    mutating func process(_ block: Block, encodedSize: Int) throws(ChainError) -> ProcessReport {
        let outcome = try processOne(block, encodedSize: encodedSize)
        var adopted: [BlockOutcome] = []
        var queue: [Hash256] = []
        if case .orphan = outcome {} else { queue.append(block.id) }
        while let parent = queue.popLast() {
            for orphanId in orphanOrder where orphans[orphanId]?.header.prev == parent {
                guard let orphan = removeOrphan(orphanId) else { continue }
                // An orphan that turns out invalid is dropped; the chain stays as it was.
                if let o = try? processOne(orphan, encodedSize: orphan.canonicalBytes.count) {
                    adopted.append(o)
                    queue.append(orphanId)
                }
            }
        }
        return ProcessReport(outcome: outcome, adoptedOrphans: adopted)
    }

    private mutating func processOne(_ block: Block, encodedSize: Int) throws(ChainError) -> BlockOutcome {
        let id = block.id
        let header = block.header
        if invalid.contains(id) { throw .knownInvalid(id: id) }
        if index[id] != nil || orphans[id] != nil { throw .alreadyKnown(id: id) }
        do {
            try BlockChecks.check(block, encodedSize: encodedSize, parameters: parameters, threads: threads)
        } catch { throw .invalidBlock(id: id, error) }
        let target = try target(header.bits, id: id)
        do { try work.validateWork(header: header, id: id, target: target) } catch {
            throw .invalidBlock(id: id, error)
        }
        if invalid.contains(header.prev) {
            invalid.insert(id)
            throw .knownInvalid(id: id)
        }
        guard let parent = index[header.prev] else {
            addOrphan(block, id: id)
            return .orphan(id: id, missingParent: header.prev)
        }
        try checkHeaderContext(header, id: id, parentId: header.prev, parent: parent)
        let (chainWork, overflow) = parent.chainWork.addingReportingOverflow(CompactTarget.work(forTarget: target))
        precondition(!overflow, "cumulative work beyond 2^256")
        let record = BlockIndexRecord(height: parent.height + 1, chainWork: chainWork, status: .valid, header: header)

        if header.prev == tip {
            var overlay = LedgerOverlay(base: storage)
            let undo = try connectBody(block, id: id, height: record.height, ledger: &overlay)
            var commit = ChainCommit()
            commit.blocks = [(id, block.canonicalBytes)]
            commit.index = [(id, record)]
            commit.appendMainChain = [(record.height, id)]
            commit.state = overlay.netChanges()
            commit.putUndo = [(record.height, undo)]
            addTransactions(block, id: id, height: record.height, to: &commit)
            pruneUndo(newTipHeight: record.height, commit: &commit)
            try storage.commit(commit)
            index[id] = record
            tip = id
            return .extended(tip: chainTip)
        }
        if chainWork <= tipRecord.chainWork {
            var commit = ChainCommit()
            commit.blocks = [(id, block.canonicalBytes)]
            commit.index = [(id, record)]
            try storage.commit(commit)
            index[id] = record
            return .sideChain(id: id, height: record.height)
        }
        return try reorganize(to: block, id: id, record: record)
    }

    private mutating func reorganize(
        to block: Block,
        id: Hash256,
        record: BlockIndexRecord
    ) throws(ChainError)
        -> BlockOutcome
    {
        // The branch from the new block back to (not including) the fork point on the main chain.
        var branch: [(id: Hash256, record: BlockIndexRecord)] = [(id, record)]
        var cursor = record.header.prev
        while true {
            guard let r = index[cursor] else { throw .corruptState(key: cursor.hex, reason: "missing ancestor") }
            if try storage.mainChainId(atHeight: r.height) == cursor { break }
            branch.append((cursor, r))
            cursor = r.header.prev
        }
        branch.reverse()
        let forkHeight = index[cursor]!.height
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
            commit.deleteUndo.append(height)
            if let old = try loadBlock(oldId) { commit.deleteTransactions += old.transactions.map(\.id) }
            disconnected.append(oldId)
            height -= 1
        }
        commit.truncateMainChain = forkHeight + 1
        for (i, (bid, brecord)) in branch.enumerated() {
            let b: Block
            if bid == id {
                b = block
            } else {
                guard let stored = try loadBlock(bid) else {
                    throw .corruptState(key: bid.hex, reason: "side-chain block body missing")
                }
                b = stored
            }
            var blockLedger = LedgerOverlay(base: working)
            let undo: BlockUndo
            do {
                undo = try connectBody(b, id: bid, height: brecord.height, ledger: &blockLedger)
            } catch {
                for later in branch[i...] { invalid.insert(later.id) }
                throw error
            }
            for entry in blockLedger.netChanges() { try working.set(entry.key, entry.value) }
            commit.putUndo.append((brecord.height, undo))
            commit.appendMainChain.append((brecord.height, bid))
            addTransactions(b, id: bid, height: brecord.height, to: &commit)
        }
        commit.deleteUndo.removeAll { h in commit.putUndo.contains { $0.height == h } }
        commit.blocks = [(id, block.canonicalBytes)]
        commit.index = [(id, record)]
        commit.state = working.netChanges()
        pruneUndo(newTipHeight: record.height, commit: &commit)
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
        height: UInt64,
        ledger: inout LedgerOverlay
    )
        throws(ChainError) -> BlockUndo
    {
        do throws(ChainError) {
            var fees = Amount.zero
            for tx in block.transactions.dropFirst() {
                let txId = tx.id
                let fee = try TransactionApplier.apply(tx, id: txId, height: height, ledger: &ledger, rules: rules)
                fees = try TransactionApplier.add(fees, fee, txId)
            }
            guard case .coinbase(let coinbase) = block.transactions[0].body else {
                throw ChainError.invalidBlock(id: id, .missingCoinbase)
            }
            if coinbase.height != height {
                throw ChainError.invalidBlock(id: id, .coinbaseHeight(expected: height, found: coinbase.height))
            }
            let coinbaseId = block.transactions[0].id
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
            return BlockUndo(blockId: id, previous: ledger.undoEntries())
        } catch {
            switch error {
            case .invalidTransaction(_, let reason):
                invalid.insert(id)
                throw .invalidBlock(id: id, reason)
            case .invalidBlock:
                invalid.insert(id)
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
        parentId: Hash256,
        parent: BlockIndexRecord
    )
        throws(ChainError)
    {
        let context = try nextBlockContext(parentId: parentId)
        if header.bits != context.bits {
            invalid.insert(id)
            throw .invalidBlock(id: id, .badBits(expected: context.bits, found: header.bits))
        }
        if header.time <= context.medianTimePast {
            invalid.insert(id)
            throw .invalidBlock(id: id, .timeNotAfterMedian(time: header.time, medianTimePast: context.medianTimePast))
        }
        let limit = clock() + parameters.maxFutureDrift
        // Not marked invalid: the same block becomes acceptable as time passes.
        if header.time > limit { throw .invalidBlock(id: id, .timeTooFarInFuture(time: header.time, limit: limit)) }
    }

    /// What a child of `parentId` must carry: height, bits and the median time past it must exceed.
    func nextBlockContext(parentId: Hash256) throws(ChainError) -> NextBlockContext {
        guard let parent = index[parentId] else { throw .notFound("block \(parentId)") }
        let height = parent.height + 1
        let needed = max(parameters.medianTimeSpan, Int(parameters.retargetInterval) + 1)
        var times: [UInt64] = []
        var cursor: BlockIndexRecord? = parent
        while let r = cursor, times.count < needed {
            times.append(r.header.time)
            cursor = r.height == 0 ? nil : index[r.header.prev]
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

    func loadBlock(_ id: Hash256) throws(ChainError) -> Block? {
        guard let bytes = try storage.blockBytes(id) else { return nil }
        return try decodeState(Block.self, bytes, key: id.bytes)
    }

    func addTransactions(_ block: Block, id: Hash256, height: UInt64, to commit: inout ChainCommit) {
        for (i, tx) in block.transactions.enumerated() {
            commit.putTransactions.append(
                (tx.id, TransactionLocation(blockId: id, height: height, index: UInt32(i)))
            )
        }
    }

    func pruneUndo(newTipHeight: UInt64, commit: inout ChainCommit) {
        if newTipHeight > parameters.undoHorizon { commit.deleteUndo.append(newTipHeight - parameters.undoHorizon) }
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
