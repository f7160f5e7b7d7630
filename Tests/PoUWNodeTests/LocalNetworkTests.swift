import Foundation
import PoUWChain
import PoUWCore
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
            test: test
        )
        for _ in 0..<rounds { try network.round() }
        let evaluation = try network.evaluate()
        let result = try #require(evaluation.result)
        #expect(try network.confirm(result, limit: 200))
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
