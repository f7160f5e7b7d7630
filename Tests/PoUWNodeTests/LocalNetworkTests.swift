import Foundation
import PoUWChain
import PoUWCore
import PoUWEconomics
import PoUWML
import PoUWNode
import PoUWProtocol
import Testing

/// Helpers shared by the node tests: the digits fixture and temporary directories.
enum NodeTestSupport {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryDirectory(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "pouw-node-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func digits() throws -> (json: [UInt8], train: Dataset, test: Dataset) {
        let json = try [UInt8](Data(contentsOf: root.appendingPathComponent("Fixtures/tasks/digits_mlp.json")))
        let task = try TaskDefinition(json: json)
        let all = try CSV.load(path: root.appendingPathComponent("Fixtures/digits/digits.csv.gz").path)
        let (train, test) = all.split(testFraction: task.testFraction, seed: 0)
        return (json, train, test)
    }

    /// The filler the demo trains: the digits task on the digits training split.
    static func filler() throws -> FillerTask.Source {
        let (json, train, _) = try digits()
        return FillerTask.Source(json: json, train: train)
    }

    /// Runs a small digits network for `rounds` rounds, evaluates and confirms the TASK_RESULT.
    static func run(
        directory: String,
        miners: Int,
        rounds: Int
    ) throws -> (task: Hash256, messages: Int, blocks: UInt64) {
        let (json, train, test) = try digits()
        var configuration = NetworkConfiguration()
        configuration.miners = miners
        configuration.supervisors = 1
        configuration.evaluators = 1
        configuration.checkpointInterval = 10
        let network = try LocalNetwork(
            directory: directory,
            configuration: configuration,
            taskJSON: json,
            train: train,
            test: test,
            filler: try filler()
        )
        // The bootstrap ran on chain: fillers mined blocks, every worker's ticket is on chain, the PAY_FOR_TASK
        // was registered after the tickets matured, and the selection came from the published VRF proofs.
        let chain = network.archive.chain
        let selection = try #require(network.selection)
        let tickets = try chain.tickets()
        #expect(tickets.count == miners + 1 + 1 + 1)
        #expect(selection.minerKeys.count == miners)
        #expect(Set(selection.minerKeys) == Set(network.miners.map(\.nodeKey)))
        #expect(selection.selection.proofs.count == tickets.count)
        #expect(
            tickets.allSatisfy {
                $0.record.height + UInt64(network.archive.economics.parameters.ticketMaturity)
                    <= selection.registrationHeight
            }
        )
        let fillerBlock = try #require(try chain.block(atHeight: 1))
        let fillerMessage = try IterationMessage(
            canonicalBytes: try #require(try network.archive.artefacts.bytes(for: fillerBlock.header.msgHash))
        )
        #expect(network.archive.joined[fillerMessage.body.taskID]?.filler != nil)
        for _ in 0..<rounds { try network.round() }
        let evaluation = try network.evaluate()
        let result = try #require(evaluation.result)
        #expect(try network.confirm(result, limit: 200))
        // The TASK_RESULT carried the claim with the VRF proofs, and the chain's books balance.
        let claim = try #require(evaluation.claim)
        #expect(claim.selection == selection.selection)
        #expect(claim.miners.map(\.ticket) == selection.seats(.miner))
        #expect(try chain.task(network.task.taskID)?.settled == true)
        let supply = try chain.supply()
        #expect(supply.held == supply.expected)
        for node in network.nodes {
            #expect(node.statistics.blocksInvalid == 0, "\(node.name): \(node.statistics.lastRejection ?? "")")
            #expect(node.statistics.blocksUnavailable == 0, "\(node.name): \(node.statistics.lastRejection ?? "")")
            #expect(node.statistics.messagesRejected == 0, "\(node.name): \(node.statistics.lastRejection ?? "")")
        }
        return (network.task.taskID, network.archive.recorder?.history.count ?? 0, network.archive.chain.tip.height)
    }
}

@Suite(.serialized) struct LocalNetworkTests {
    @Test func shortDigitsRunMinesBlocksThatReplayValidAndTheTaskAuditsValid() throws {
        let directory = try NodeTestSupport.temporaryDirectory("e2e")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (task, messages, height) = try NodeTestSupport.run(directory: directory, miners: 2, rounds: 40)
        #expect(height >= 2)  // at least one training block and the one with the TASK_RESULT
        let data = try StoredData(path: directory)
        #expect(data.directory.hasSuffix("/archive"))
        let blocks = try data.verifyChain()
        #expect(blocks.count == Int(height) + 1)
        #expect(blocks.allSatisfy { $0.verdict == "valid" }, "\(blocks.filter { $0.verdict != "valid" })")
        let audit = try data.audit(task: task)
        #expect(audit.count == messages)
        #expect(audit.allSatisfy { $0.verdict == "valid" }, "\(audit.filter { $0.verdict != "valid" }.prefix(3))")
        #expect(try data.taskIDs() == [task])
    }
}
