import PoUWCore
import Testing

@testable import PoUWChain

#if canImport(Glibc)
import Glibc
#endif

/// Random block trees: after every block, the tip must be the heaviest branch (first seen on ties) and the
/// ledger exactly that of a fresh chain that only ever saw the tip's branch. 60 blocks per storage by default,
/// 400 with POUW_LONG_TESTS=1.
@Suite("Reorg soak: random block trees")
struct ReorgSoakTests {
    static let blocks = getenv("POUW_LONG_TESTS") != nil ? 400 : 60

    @Test(arguments: StorageKind.allCases) func randomTrees(kind: StorageKind) throws {
        let t = try TestChain(storage: kind.make())
        var rng = SplitMix64(seed: 0xfeed_beef)
        var all: [Block] = []
        var heights: [Hash256: UInt64] = [t.chain.tip.id: 0]
        var parents: [Hash256: Hash256] = [:]
        var expectedTip = t.chain.tip.id
        var reorgs: [Int] = []
        var sideChains = 0
        let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!
        for n in 0..<Self.blocks {
            // Mostly extend recent blocks, sometimes fork from deep in the tree.
            let candidates = [t.chain.genesis.id] + all.map(\.id)
            let pick =
                rng.next() % 4 == 0
                ? Int(rng.next() % UInt64(candidates.count)) : max(0, candidates.count - 1 - Int(rng.next() % 3))
            let parent = candidates[pick]
            let parentHeight = heights[parent]!
            // One transfer from dev key 0 per block: its sequence is the parent's height on every branch.
            let tx = TestChain.transfer(from: 0, to: bob, units: 1 + rng.next() % 1_000, sequence: parentHeight)
            let b = try t.block(
                [tx],
                parent: parent,
                miner: TestChain.address(1 + n % 3),
                extra: [UInt8(n & 0xff), UInt8(n >> 8)]
            )
            switch try t.chain.process(b).outcome {
            case .reorganized(_, let disconnected, _): reorgs.append(disconnected.count)
            case .sideChain: sideChains += 1
            default: break
            }
            all.append(b)
            heights[b.id] = parentHeight + 1
            parents[b.id] = parent
            if parentHeight + 1 > heights[expectedTip]! { expectedTip = b.id }
            #expect(t.chain.tip.id == expectedTip, "block \(n)")

            // The tip's branch replayed on a fresh chain gives the same state.
            var path: [Hash256] = []
            var cursor = expectedTip
            while let p = parents[cursor] {
                path.append(cursor)
                cursor = p
            }
            let fresh = try TestChain()
            for id in path.reversed() { try fresh.chain.process(try #require(all.first { $0.id == id })) }
            #expect(try t.chain.stateHash() == fresh.chain.stateHash(), "block \(n)")
            #expect(try t.mainChain() == fresh.mainChain(), "block \(n)")
        }
        // The tree really forked: side chains were stored and reorgs of more than one block happened.
        #expect(sideChains > 3 && reorgs.count > 2 && (reorgs.max() ?? 0) > 1, "side \(sideChains), reorgs \(reorgs)")
        let supply = try t.chain.supply()
        #expect(supply.held == supply.expected)
    }
}
