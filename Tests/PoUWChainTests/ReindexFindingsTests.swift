import PoUWCore
import PoUWCrypto
import Testing

@testable import PoUWChain

/// The reindex checks blocks far ahead of connecting them, in batches; these tests pin that it still reports
/// exactly what processing the stored blocks one by one reports, at the first bad height.
@Suite("Reindex findings on a bad chain")
struct ReindexFindingsTests {
    /// Replaces the stored main-chain block at `height` with `edit` applied to its transactions (txRoot and
    /// work redone); later main-chain entries stay as they were. Returns the new block.
    static func tamper(
        _ storage: MemoryChainStorage,
        chain: Blockchain,
        height: UInt64,
        edit: (inout [Transaction]) -> Void
    ) throws -> Block {
        let old = try #require(try chain.block(atHeight: height))
        var txs = old.transactions
        edit(&txs)
        var header = old.header
        header.txRoot = Block.transactionRoot(txs)
        let block = try #require(BlockAssembler.grindTargetOnly(Block(header: header, transactions: txs)))
        try replace(
            storage,
            chain: chain,
            height: height,
            id: block.id,
            body: block.canonicalBytes,
            header: block.header
        )
        return block
    }

    /// Puts `body` under a new main-chain entry `id` at `height`, keeping the entries above it.
    static func replace(
        _ storage: MemoryChainStorage,
        chain: Blockchain,
        height: UInt64,
        id: Hash256,
        body: [UInt8],
        header: BlockHeader
    ) throws {
        let oldId = try #require(try chain.mainChainId(atHeight: height))
        var record = try #require(try chain.indexRecord(oldId))
        record.bodyHash = Hash256.sha256(body)
        record.header = header
        var commit = ChainCommit()
        commit.blockBodies = [body]
        commit.index = [(id, record)]
        commit.truncateMainChain = height
        commit.appendMainChain = [(height, id)]
        for h in (height + 1)...chain.tip.height {
            commit.appendMainChain.append((h, try #require(try chain.mainChainId(atHeight: h))))
        }
        try storage.commit(commit)
    }

    /// The error a chain gives for `block` after connecting the stored blocks below `height` one by one.
    static func directError(source: any ChainStorage, upTo height: UInt64, block: Block) throws -> ChainError? {
        let fresh = try TestChain()
        for h in 1..<height {
            let id = try #require(try source.mainChainId(atHeight: h))
            let record = try #require(try source.blockIndexRecord(id))
            try fresh.chain.process(blockBytes: try #require(try source.object(record.bodyHash)))
        }
        do {
            try fresh.chain.process(block)
            return nil
        } catch { return error }
    }

    @Test(arguments: [1, 2, 3]) func firstBadSignatureInTheFirstBadBlock(threads: Int) throws {
        let storage = MemoryChainStorage()
        let t = try TestChain(storage: storage)
        try DemoChainBuilder.extend(t.chain, blocks: 26, transfersPerBlock: 12)
        // Height 18 (mid-batch) gets two bad signatures; the lower index must be named. Height 20, in the same
        // read-ahead batch, is not even decodable: it must not matter, 18 comes first.
        var flipped: [Hash256] = []
        let bad = try Self.tamper(storage, chain: t.chain, height: 18) { txs in
            for i in [9, 4] {
                txs[i].authorization!.signature[10] ^= 0x40
                flipped.append(txs[i].id)
            }
        }
        let garbageHeader = try #require(try t.chain.block(atHeight: 20)).header
        try Self.replace(
            storage,
            chain: t.chain,
            height: 20,
            id: Hash256.sha256([1]),
            body: [0x11, 0x01, 0x10],
            header: garbageHeader
        )

        let direct = try #require(try Self.directError(source: storage, upTo: 18, block: bad))
        #expect(direct == .invalidBlock(id: bad.id, .badSignature(tx: flipped[1])))
        let report = try ChainVerifier.reindex(source: storage, threads: threads)
        #expect(report.failure == "height 18: \(direct)")
        #expect(report.blocks == 18)  // genesis and 1…17
        #expect(report.transactions == 17 * 12)
    }

    @Test func anEarlyFailureInALongChainStopsTheReadAheadCleanly() throws {
        let storage = MemoryChainStorage()
        let t = try TestChain(storage: storage)
        try DemoChainBuilder.extend(t.chain, blocks: 90, transfersPerBlock: 1)
        let bad = try Self.tamper(storage, chain: t.chain, height: 3) { txs in
            txs[1].authorization!.signature[0] ^= 1
        }
        for threads in 1...2 {
            let report = try ChainVerifier.reindex(source: storage, threads: threads)
            #expect(
                report.failure
                    == "height 3: \(ChainError.invalidBlock(id: bad.id, .badSignature(tx: bad.transactions[1].id)))"
            )
        }
    }

    @Test func undecodableAndContextualFailuresAreNamedAtTheirHeight() throws {
        let storage = MemoryChainStorage()
        let t = try TestChain(storage: storage)
        try DemoChainBuilder.extend(t.chain, blocks: 23, transfersPerBlock: 5)
        let header = try #require(try t.chain.block(atHeight: 22)).header
        try Self.replace(
            storage,
            chain: t.chain,
            height: 22,
            id: Hash256.sha256([2]),
            body: [0x11, 0x01],
            header: header
        )
        let undecodable = try ChainVerifier.reindex(source: storage)
        #expect(undecodable.failure?.hasPrefix("height 22: ") == true)
        #expect(undecodable.failure?.contains(Hash256.sha256([2]).hex) == true)

        // A contextual failure (a replayed transaction) at height 7, the second read-ahead batch.
        let storage2 = MemoryChainStorage()
        let t2 = try TestChain(storage: storage2)
        try DemoChainBuilder.extend(t2.chain, blocks: 9, transfersPerBlock: 5)
        let earlier = try #require(try t2.chain.block(atHeight: 3)).transactions[2]
        let bad = try Self.tamper(storage2, chain: t2.chain, height: 7) { txs in txs[3] = earlier }
        let direct = try #require(try Self.directError(source: storage2, upTo: 7, block: bad))
        guard case .invalidBlock(_, .badSequence) = direct else {
            Issue.record("expected a sequence failure, got \(direct)")
            return
        }
        let report = try ChainVerifier.reindex(source: storage2)
        #expect(report.failure == "height 7: \(direct)")
    }
}
