import PoUWCore
import PoUWCrypto
import Testing

@testable import PoUWChain

@Suite("Undo records beyond the undo horizon are pruned")
struct UndoPruningTests {
    let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!

    @Test func memoryStorageKeepsOnlyTheHorizonAndDeepestReorgStillWorks() throws {
        var params = ChainParameters.local
        params.undoHorizon = 3
        let storage = MemoryChainStorage()
        let t = try TestChain(parameters: params, storage: storage)
        for i in 0..<8 { try t.extend([TestChain.transfer(from: 0, to: bob, units: 1, sequence: UInt64(i))]) }
        #expect(t.chain.tip.height == 8)
        for h in UInt64(1)...8 {
            #expect((try storage.undo(atHeight: h) != nil) == (h >= 6), "height \(h)")
        }
        // A reorg of exactly the horizon (undo heights 8, 7, 6) still has every record it needs.
        var parent = try #require(try t.chain.mainChainId(atHeight: 5))
        var report: ProcessReport?
        for i in 0..<4 {
            let b = try t.block(parent: parent, miner: TestChain.address(1), extra: [UInt8(i)])
            report = try t.chain.process(b)
            if i < 3 { #expect(report?.outcome == .sideChain(id: b.id, height: 6 + UInt64(i))) }
            parent = b.id
        }
        guard case .reorganized(_, let disconnected, let connected) = report?.outcome else {
            Issue.record("no reorg: \(String(describing: report?.outcome))")
            return
        }
        #expect(disconnected.count == 3 && connected.count == 4)
        #expect(t.chain.tip.height == 9)
        #expect(try t.chain.account(bob).balance.units == 5)
        // The new tip's window: 7, 8, 9 kept; what lay below the earlier prune point stays gone.
        for h in UInt64(1)...9 {
            #expect((try storage.undo(atHeight: h) != nil) == (h >= 7), "height \(h)")
        }
        let supply = try t.chain.supply()
        #expect(supply.held == supply.expected)
    }

    @Test func theStoreDropsUndoBelowTheHorizon() throws {
        var params = ChainParameters.local
        params.undoHorizon = 3
        let storage = try StoreChainStorage(directory: try TemporaryDirectory.make())
        let t = try TestChain(parameters: params, storage: storage)
        for i in 0..<8 { try t.extend([TestChain.transfer(from: 0, to: bob, units: 1, sequence: UInt64(i))]) }
        for h in UInt64(1)...8 {
            #expect((try storage.undo(atHeight: h) != nil) == (h >= 6), "height \(h)")
        }
    }
}
