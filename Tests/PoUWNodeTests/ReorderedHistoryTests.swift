import Foundation
import PoUWChain
import PoUWCore
import PoUWProtocol
import Testing

@testable import PoUWNode

/// On links that reorder messages, nodes record the task's messages in different arrival orders; the canonical
/// history (and so every block's `historyRoot`) is the same on all of them, and every node accepts every block.
@Suite(.serialized) struct ReorderedHistoryTests {
    @Test("different arrival orders, one canonical root per message, every block accepted everywhere")
    func reorderingDoesNotSplitHistories() throws {
        let directory = try NodeTestSupport.temporaryDirectory("reordered")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try EvidenceEndToEndTests.network(directory, miners: 3)
        for node in network.nodes { node.audit.iterationsPerBlock = 0 }
        // From now on every link has up to 40 ms of jitter and holds back a third of the messages.
        let jittery = LinkConditions(latency: 1_000, jitter: 40_000, reorderPerMillion: 330_000, reorderDelay: 30_000)
        for from in network.nodes {
            for to in network.nodes where to !== from {
                network.network.setConditions(jittery, from: from.address, to: to.address)
            }
        }
        let heightBefore = network.archive.chain.tip.height
        // Every miner trains before anything is delivered, so their messages are in flight together.
        for _ in 0..<40 {
            for miner in network.miners {
                _ = try miner.mine(
                    blockTime: network.blockTime,
                    startTime: network.network.now / 1_000,
                    archives: [network.archive.address]
                )
            }
            network.deliver()
            network.network.advance(by: network.configuration.roundMicroseconds)
        }
        network.deliver()

        let task = network.task.taskID
        let recorders = try network.nodes.map { node in
            try #require(node.recorders[task], "\(node.name) records no history of the task")
        }
        let orders = Set(recorders.map(\.history.messages))
        #expect(orders.count > 1, "every node saw the same arrival order: the links did not reorder")
        let reference = recorders[0].canonical
        #expect(reference.count > 40)
        for (node, recorder) in zip(network.nodes, recorders) {
            #expect(recorder.canonical.count == reference.count, "\(node.name)")
            for hash in recorder.history.messages {
                #expect(recorder.canonical.root(of: hash) == reference.root(of: hash), "\(node.name)")
            }
        }
        #expect(network.archive.chain.tip.height > heightBefore, "no block was mined")
        // No block was refused anywhere: a block that overtook its message had it fetched, and no node lacked a
        // history with the block's root. Miners that found blocks in the same round forked; ordinary rounds
        // (each miner's sends delivered before the next one trains) settle every node on one tip.
        for node in network.nodes {
            let s = node.statistics
            #expect(s.blocksInvalid == 0 && s.blocksUnavailable == 0, "\(node.name): \(s.lastRejection ?? "")")
        }
        for _ in 0..<30 {
            if network.nodes.allSatisfy({ $0.chain.tip.id == network.archive.chain.tip.id }) { break }
            try network.round()
        }
        for node in network.nodes {
            #expect(node.chain.tip.id == network.archive.chain.tip.id, "\(node.name)")
            #expect(node.statistics.blocksInvalid == 0, "\(node.name)")
        }
    }
}
