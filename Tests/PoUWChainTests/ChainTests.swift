import PoUWCore
import PoUWCrypto
import Testing

@testable import PoUWChain

@Suite("Chain: connect, reject, reorg, orphans")
struct ChainTests {
    let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!

    @Test(arguments: StorageKind.allCases) func connectsTransfersAndConservesSupply(kind: StorageKind) throws {
        let t = try TestChain(storage: kind.make())
        let genesisBalance = try t.chain.account(TestChain.address(0)).balance.units
        try t.extend([
            TestChain.transfer(from: 0, to: bob, units: 500, sequence: 0),
            TestChain.transfer(from: 0, to: bob, units: 700, sequence: 1, fee: 2_000),
        ])
        #expect(t.chain.tip.height == 1)
        #expect(try t.chain.account(bob).balance.units == 1_200)
        let a0 = try t.chain.account(TestChain.address(0))
        #expect(a0.balance.units == genesisBalance - 1_200 - 3_000)
        #expect(a0.sequence == 2)
        let miner = try t.chain.account(TestChain.address(3)).balance.units
        #expect(miner == genesisBalance + t.parameters.subsidy(atHeight: 1) + 3_000)
        let supply = try t.chain.supply()
        #expect(supply.held == supply.expected)
        let tx = TestChain.transfer(from: 0, to: bob, units: 500, sequence: 0)
        let found = try #require(try t.chain.transaction(tx.id))
        #expect(found.transaction == tx && found.height == 1 && found.index == 1)
    }

    @Test(arguments: StorageKind.allCases) func rejectsBadSignature(kind: StorageKind) throws {
        let t = try TestChain(storage: kind.make())
        var tx = TestChain.transfer(from: 0, to: bob, units: 5, sequence: 0)
        tx.authorization!.signature[10] ^= 1
        let b = try t.block([tx])
        try t.expectRejected(b, .invalidBlock(id: b.id, .badSignature(tx: tx.id)))
        // A signature by the wrong key is just as bad.
        var forged = TestChain.transfer(from: 1, to: bob, units: 5, sequence: 0)
        forged.authorization!.signer = TestChain.key(0).publicKey.bytes
        let b2 = try t.block([forged])
        try t.expectRejected(b2, .invalidBlock(id: b2.id, .badSignature(tx: forged.id)))
    }

    @Test(arguments: StorageKind.allCases) func rejectsDoubleSpendAndReplay(kind: StorageKind) throws {
        let t = try TestChain(storage: kind.make())
        let all = try t.chain.account(TestChain.address(1)).balance.units
        let spend1 = TestChain.transfer(from: 1, to: bob, units: all - 1_000, sequence: 0)
        let spend2 = TestChain.transfer(from: 1, to: bob, units: all - 1_000, sequence: 1)
        let b = try t.block([spend1, spend2])
        try t.expectRejected(
            b,
            .invalidBlock(
                id: b.id,
                .insufficientFunds(
                    tx: spend2.id,
                    account: TestChain.address(1),
                    needed: Amount(units: all),
                    available: .zero
                )
            )
        )
        try t.extend([spend1])
        // Replaying the mined transaction in a later block: its sequence is used.
        let replay = try t.block([spend1])
        try t.expectRejected(replay, .invalidBlock(id: replay.id, .badSequence(tx: spend1.id, expected: 1, found: 0)))
        // A duplicate inside one block is caught before the ledger.
        let dup = try t.block([spend2, spend2])
        try t.expectRejected(dup, .invalidBlock(id: dup.id, .duplicateTransaction(tx: spend2.id)))
    }

    @Test(arguments: StorageKind.allCases) func rejectsWrongCoinbase(kind: StorageKind) throws {
        let t = try TestChain(storage: kind.make())
        let tx = TestChain.transfer(from: 0, to: bob, units: 5, sequence: 0, fee: 10)
        let greedy = try t.block([tx]) { b in
            b.transactions[0] = Transaction(
                coinbase: Coinbase(height: 1, outputs: [Payout(to: bob, amount: Amount(units: 5_000_000_011))])
            )
            b.header.txRoot = Block.transactionRoot(b.transactions)
        }
        try t.expectRejected(
            greedy,
            .invalidBlock(
                id: greedy.id,
                .coinbaseAmount(expected: Amount(units: 5_000_000_010), found: Amount(units: 5_000_000_011))
            )
        )
        let wrongHeight = try t.block { b in
            b.transactions[0] = Transaction(
                coinbase: Coinbase(height: 7, outputs: [Payout(to: bob, amount: Amount(units: 5_000_000_000))])
            )
            b.header.txRoot = Block.transactionRoot(b.transactions)
        }
        try t.expectRejected(wrongHeight, .invalidBlock(id: wrongHeight.id, .coinbaseHeight(expected: 1, found: 7)))
        let noCoinbase = try t.block { b in
            b.transactions = [tx]
            b.header.txRoot = Block.transactionRoot(b.transactions)
        }
        try t.expectRejected(noCoinbase, .invalidBlock(id: noCoinbase.id, .missingCoinbase))
        let twoCoinbases = try t.block { b in
            b.transactions.append(b.transactions[0])
            b.header.txRoot = Block.transactionRoot(b.transactions)
        }
        try t.expectRejected(twoCoinbases, .invalidBlock(id: twoCoinbases.id, .coinbaseNotFirst(index: 1)))
    }

    @Test(arguments: StorageKind.allCases) func rejectsBadHeaders(kind: StorageKind) throws {
        let t = try TestChain(storage: kind.make())
        for _ in 0..<11 { try t.extend() }
        let tipTime = t.chain.tip.time
        let context = try t.chain.nextBlockContext()
        let old = try t.block { $0.header.time = context.medianTimePast }
        try t.expectRejected(
            old,
            .invalidBlock(
                id: old.id,
                .timeNotAfterMedian(time: context.medianTimePast, medianTimePast: context.medianTimePast)
            )
        )
        let future = try t.block { $0.header.time = TestChain.now + 61 }
        try t.expectRejected(
            future,
            .invalidBlock(id: future.id, .timeTooFarInFuture(time: TestChain.now + 61, limit: TestChain.now + 60))
        )
        let bits = try t.block { $0.header.bits = 0x1f7f_ffff }
        try t.expectRejected(bits, .invalidBlock(id: bits.id, .badBits(expected: 0x207f_ffff, found: 0x1f7f_ffff)))
        let easy = try t.block { $0.header.bits = 0x2100_ffff }
        try t.expectRejected(easy, .invalidBlock(id: easy.id, .invalidTarget(bits: 0x2100_ffff)))
        let root = try t.block { $0.header.txRoot = .zero }
        try t.expectRejected(
            root,
            .invalidBlock(
                id: root.id,
                .transactionRootMismatch(header: .zero, computed: Block.transactionRoot(root.transactions))
            )
        )
        // A header above the target (search for a nonce that fails the target-only check).
        var high = try t.block()
        let target = try CompactTarget.decode(high.header.bits)
        var n: UInt64 = 0
        repeat {
            high.header.nonce = Hash256(w0: 9, w1: 9, w2: 9, w3: n)
            n += 1
        } while UInt256(high.id) <= target
        try t.expectRejected(
            high,
            .invalidBlock(id: high.id, .workRejected(reason: "header hash \(high.id.short)… is above the target"))
        )
        #expect(tipTime == t.chain.tip.time)
    }

    @Test func reopensWithTheSameTipAndState() throws {
        let directory = try TemporaryDirectory.make()
        let t = try TestChain(storage: StoreChainStorage(directory: directory))
        try t.extend([TestChain.transfer(from: 0, to: bob, units: 42, sequence: 0)])
        try t.extend()
        let tip = t.chain.tip
        let state = try t.chain.stateHash()
        let reopened = try TestChain(storage: StoreChainStorage(directory: directory))
        #expect(reopened.chain.tip == tip)
        #expect(try reopened.chain.stateHash() == state)
        #expect(try reopened.chain.account(bob).balance.units == 42)
        try reopened.extend([TestChain.transfer(from: 0, to: bob, units: 1, sequence: 1)])
        #expect(try reopened.chain.account(bob).balance.units == 43)
    }

    @Test func rejectsOversizedAndMalformed() throws {
        var small = ChainParameters.local
        small.maxBlockBytes = 2_000
        small.maxTransactionBytes = 300
        let t = try TestChain(parameters: small)
        let memo = [UInt8](repeating: 7, count: 200)
        let bigTx = Transaction(
            body: .transfer(Transfer(to: bob, amount: Amount(units: 1), memo: memo)),
            signer: TestChain.key(0).publicKey,
            sequence: 0,
            fee: Amount(units: 1)
        ).signed(with: TestChain.key(0))
        let b = try t.block([bigTx])
        try t.expectRejected(
            b,
            .invalidBlock(id: b.id, .transactionTooLarge(tx: bigTx.id, bytes: bigTx.canonicalBytes.count, limit: 300))
        )
        let many = (0..<20).map { TestChain.transfer(from: 0, to: bob, units: 1, sequence: UInt64($0)) }
        let huge = try t.block(many)
        try t.expectRejected(
            huge,
            .invalidBlock(id: huge.id, .blockTooLarge(bytes: huge.canonicalBytes.count, limit: 2_000))
        )
        let before = try t.chain.stateHash()
        var bytes = try t.block().canonicalBytes
        bytes.removeLast()
        #expect(throws: ChainError.self) { try t.chain.process(blockBytes: bytes) }
        #expect(throws: ChainError.undecodable(.trailingBytes(offset: bytes.count + 1, count: 1))) {
            try t.chain.process(blockBytes: try t.block().canonicalBytes + [0])
        }
        #expect(try t.chain.stateHash() == before)
    }

    @Test(arguments: StorageKind.allCases) func reorgsBothWays(kind: StorageKind) throws {
        let t = try TestChain(storage: kind.make())
        let genesis = t.chain.tip.id
        // Branch A: 3 blocks with transfers from account 0.
        try t.extend([TestChain.transfer(from: 0, to: bob, units: 100, sequence: 0)])
        try t.extend([TestChain.transfer(from: 0, to: bob, units: 200, sequence: 1)])
        try t.extend()
        let aTip = t.chain.tip
        let aState = try t.chain.stateHash()
        let aChain = try t.mainChain()

        // Branch B from genesis: 4 blocks with different transfers (account 1 and account 0's seq 0 reused).
        var parent = genesis
        var bBlocks: [Block] = []
        let bTxs: [[Transaction]] = [
            [TestChain.transfer(from: 1, to: bob, units: 7, sequence: 0)],
            [TestChain.transfer(from: 0, to: bob, units: 9, sequence: 0)],
            [],
            [TestChain.transfer(from: 1, to: bob, units: 11, sequence: 1)],
        ]
        for txs in bTxs {
            let b = try t.block(txs, parent: parent, miner: TestChain.address(2))
            let report = try t.chain.process(b)
            bBlocks.append(b)
            parent = b.id
            if bBlocks.count < 3 {
                #expect(report.outcome == .sideChain(id: b.id, height: UInt64(bBlocks.count)))
                #expect(t.chain.tip == aTip)
                #expect(try t.chain.stateHash() == aState)
            } else if bBlocks.count == 4 {
                guard case .reorganized(_, let disconnected, let connected) = report.outcome else {
                    Issue.record("expected a reorg, got \(report.outcome)")
                    return
                }
                #expect(disconnected == aChain.dropFirst().reversed())
                #expect(connected == bBlocks.map(\.id))
            }
        }
        #expect(try t.chain.account(bob).balance.units == 27)
        // State after the reorg equals a chain that only ever saw branch B.
        let fresh = try TestChain()
        for b in bBlocks { try fresh.chain.process(b) }
        #expect(try t.chain.stateHash() == fresh.chain.stateHash())
        #expect(try t.mainChain() == fresh.mainChain())

        // Back to A: extend A by two blocks (5 > 4).
        var aParent = aTip.id
        var aExtra: [Block] = []
        for _ in 0..<2 {
            let b = try t.block(parent: aParent)
            try t.chain.process(b)
            aExtra.append(b)
            aParent = b.id
        }
        #expect(t.chain.tip.id == aParent)
        #expect(try t.chain.account(bob).balance.units == 300)
        let freshA = try TestChain()
        for id in aChain.dropFirst() { try freshA.chain.process(try #require(try t.chain.block(id))) }
        for b in aExtra { try freshA.chain.process(b) }
        #expect(try t.chain.stateHash() == freshA.chain.stateHash())
        #expect(try t.chain.supply().held == t.chain.supply().expected)
        // Transactions of the abandoned branch are no longer indexed.
        #expect(try t.chain.transaction(bTxs[0][0].id) == nil)
    }

    @Test(arguments: StorageKind.allCases) func invalidBranchLeavesChainAsBefore(kind: StorageKind) throws {
        let t = try TestChain(storage: kind.make())
        let genesis = t.chain.tip.id
        try t.extend([TestChain.transfer(from: 0, to: bob, units: 100, sequence: 0)])
        try t.extend()
        // A heavier branch whose second block double-spends account 2: stored as side chain, then the reorg fails.
        let all = try t.chain.account(TestChain.address(2)).balance.units
        let b1 = try t.block(parent: genesis)
        try t.chain.process(b1)
        let b2 = try t.block(
            [TestChain.transfer(from: 2, to: bob, units: all, sequence: 0)],
            parent: b1.id
        )
        try t.chain.process(b2)
        let b3 = try t.block(parent: b2.id)
        let spend = b2.transactions[1]
        try t.expectRejected(
            b3,
            .invalidBlock(
                id: b2.id,
                .insufficientFunds(
                    tx: spend.id,
                    account: TestChain.address(2),
                    needed: Amount(units: all + 1_000),
                    available: Amount(units: all)
                )
            )
        )
        // Descendants of the invalid block are refused outright.
        let context = NextBlockContext(prev: b3.id, height: 4, bits: b3.header.bits, medianTimePast: 0)
        let b4 = try #require(
            BlockAssembler.grindTargetOnly(
                BlockAssembler.assemble(
                    context: context,
                    transactions: [],
                    miner: bob,
                    time: b3.header.time + 2,
                    parameters: t.parameters
                )
            )
        )
        #expect(throws: ChainError.knownInvalid(id: b4.id)) { try t.chain.process(b4) }
    }

    @Test(arguments: StorageKind.allCases) func orphansWaitForTheirParent(kind: StorageKind) throws {
        var params = ChainParameters.local
        params.orphanLimit = 3
        let t = try TestChain(parameters: params, storage: kind.make())
        let before = try t.chain.stateHash()
        let b1 = try t.block([TestChain.transfer(from: 0, to: bob, units: 1, sequence: 0)])
        // The children need b1 indexed to be built: build them on a scratch chain.
        let scratch = try TestChain()
        try scratch.chain.process(b1)
        let c2 = try scratch.block()
        try scratch.chain.process(c2)
        let c3 = try scratch.block()
        #expect(try t.chain.process(c3).outcome == .orphan(id: c3.id, missingParent: c2.id))
        #expect(try t.chain.process(c2).outcome == .orphan(id: c2.id, missingParent: b1.id))
        #expect(try t.chain.stateHash() == before)
        #expect(t.chain.tip.height == 0)
        let report = try t.chain.process(b1)
        #expect(report.adoptedOrphans.count == 2)
        #expect(t.chain.tip.id == c3.id)
        #expect(t.chain.orphanIds.isEmpty)

        // Orphans whose parent never arrives: held up to the limit, oldest evicted, chain untouched.
        let stranger = try TestChain(parameters: params)
        var strangerBlocks: [Block] = []
        for _ in 0..<6 { strangerBlocks.append(try stranger.extend(extra: [9])) }
        let state = try t.chain.stateHash()
        for b in strangerBlocks.dropFirst().reversed() {
            if case .orphan = try t.chain.process(b).outcome {} else { Issue.record("not held as orphan") }
        }
        #expect(t.chain.orphanIds == strangerBlocks[1...3].reversed().map(\.id))
        #expect(try t.chain.stateHash() == state)
        #expect(t.chain.tip.id == c3.id)
    }

    @Test(arguments: StorageKind.allCases) func reorgBeyondUndoHorizonIsRefused(kind: StorageKind) throws {
        var params = ChainParameters.local
        params.undoHorizon = 3
        let t = try TestChain(parameters: params, storage: kind.make())
        let genesis = t.chain.tip.id
        for i in 0..<5 { try t.extend([TestChain.transfer(from: 0, to: bob, units: 1, sequence: UInt64(i))]) }
        var parent = genesis
        var last: Block?
        for i in 0..<6 {
            let b = try t.block(parent: parent, miner: TestChain.address(1), extra: [UInt8(i)])
            if i < 5 {
                try t.chain.process(b)
            }
            parent = b.id
            last = b
        }
        try t.expectRejected(last!, .reorgBeyondUndoHorizon(id: last!.id, depth: 5, horizon: 3))
    }
}

@Suite("Reindex (verify-chain)")
struct ReindexTests {
    @Test(arguments: [1, 2, 3]) func reindexMatchesWithAnyThreadCount(threads: Int) throws {
        let t = try TestChain(storage: StoreChainStorage(directory: TemporaryDirectory.make()))
        try DemoChainBuilder.extend(t.chain, blocks: 6, transfersPerBlock: 9)
        let report = try ChainVerifier.reindex(source: t.chain.storage, threads: threads)
        #expect(report.ok, "\(report.failure ?? "")")
        #expect(report.blocks == 7 && report.transactions == 54)
        #expect(report.tip == t.chain.tip.id)
        #expect(report.replayedStateHash == report.storedStateHash)
    }

    @Test func reindexNamesTamperedState() throws {
        let storage = MemoryChainStorage()
        let t = try TestChain(storage: storage)
        try DemoChainBuilder.extend(t.chain, blocks: 2, transfersPerBlock: 3)
        var commit = ChainCommit()
        commit.state = [(StateKey.account(DevKeys.address(0)), AccountState(balance: Amount(units: 1)).canonicalBytes)]
        try storage.commit(commit)
        let report = try ChainVerifier.reindex(source: storage)
        #expect(report.failure?.contains("differs from the stored") == true)
    }
}

@Suite("Block checks are independent of the thread count")
struct BlockCheckThreadTests {
    @Test func firstFailureByIndexWhateverTheThreads() throws {
        let t = try TestChain()
        let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!
        var txs = (0..<9).map { TestChain.transfer(from: $0 % 4, to: bob, units: 5, sequence: UInt64($0 / 4)) }
        txs[6].authorization!.signature[0] ^= 1  // a bad signature late in the block
        txs[2] = Transaction(  // and a zero-amount transfer earlier: this one must be reported
            body: .transfer(Transfer(to: bob, amount: .zero)),
            signer: TestChain.key(2).publicKey,
            sequence: 0,
            fee: Amount(units: 1)
        ).signed(with: TestChain.key(2))
        let block = try t.block(txs)
        let expected = ValidationError.invalidField(tx: txs[2].id, field: "transfer.amount", reason: "must be positive")
        for threads in 1...5 {
            #expect(throws: expected) {
                try BlockChecks.check(
                    block,
                    encodedSize: block.canonicalBytes.count,
                    parameters: .local,
                    threads: threads
                )
            }
        }
        var good = txs
        good[2] = TestChain.transfer(from: 2, to: bob, units: 5, sequence: 0)
        good[6] = TestChain.transfer(from: 2, to: bob, units: 5, sequence: 1)
        let ok = try t.block(good)
        let ids = ok.transactions.map(\.id)
        for threads in 1...5 {
            #expect(
                try BlockChecks.check(ok, encodedSize: ok.canonicalBytes.count, parameters: .local, threads: threads)
                    == ids
            )
        }
    }
}
