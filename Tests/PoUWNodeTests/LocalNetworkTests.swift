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

    /// Checks `bytes` against the golden fixture `Fixtures/protocol/<name>.hex` (and its `.sha256`), written first
    /// when `POUW_REGENERATE_FIXTURES=1`; returns the fixture's hex.
    static func pinned(_ bytes: [UInt8], fixture name: String) throws -> String {
        let directory = root.appendingPathComponent("Fixtures/protocol")
        let hexURL = directory.appendingPathComponent(name + ".hex")
        let hashURL = directory.appendingPathComponent(name + ".sha256")
        if ProcessInfo.processInfo.environment["POUW_REGENERATE_FIXTURES"] == "1" {
            try (Hex.encode(bytes) + "\n").write(to: hexURL, atomically: true, encoding: .utf8)
            try (Hash256.sha256(bytes).hex + "\n").write(to: hashURL, atomically: true, encoding: .utf8)
        }
        let hex = try String(contentsOf: hexURL, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let hash = try String(contentsOf: hashURL, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Hex.encode(bytes) == hex)
        #expect(Hash256.sha256(bytes).hex == hash)
        return hex
    }

    /// The filler the demo trains: the digits task on the digits training split.
    static func filler() throws -> FillerTask.Source {
        let (json, train, _) = try digits()
        return FillerTask.Source(json: json, train: train)
    }

    /// Runs a small digits network for `rounds` rounds, evaluates and confirms the TASK_RESULT.
    /// A small digits network (`miners` miners, one supervisor, one evaluator, checkpoints every 10 messages),
    /// bootstrapped until the selected miners train the task.
    static func network(directory: String, miners: Int) throws -> LocalNetwork {
        var configuration = NetworkConfiguration()
        configuration.miners = miners
        configuration.supervisors = 1
        configuration.evaluators = 1
        configuration.checkpointInterval = 10
        return try network(directory: directory, configuration: configuration)
    }

    /// A digits network laid out by `configuration`, bootstrapped until the selected miners train the task.
    static func network(directory: String, configuration: NetworkConfiguration) throws -> LocalNetwork {
        let (json, train, test) = try digits()
        return try LocalNetwork(
            directory: directory,
            configuration: configuration,
            taskJSON: json,
            train: train,
            test: test,
            filler: try filler()
        )
    }

    static func run(
        directory: String,
        miners: Int,
        rounds: Int
    ) throws -> (task: Hash256, messages: Int, blocks: UInt64) {
        let network = try network(directory: directory, miners: miners)
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
        // Every node derived the same seats on its own, from its chain and the proofs it heard; the seat counts and
        // requirements are the PAY_FOR_TASK's terms (verifiers: none per task, one per block).
        let terms = try #require(try EconomicLedgerRules.terms(task: network.task.taskID, ledger: chain.ledgerView()))
        #expect(terms.miners == UInt16(miners) && terms.supervisors == 1 && terms.evaluators == 1)
        #expect(terms.verifiersPerBlock == 1 && terms.requirements == selection.selection.requirements)
        #expect(selection.seats(.verifier).isEmpty && selection.seats(.supervisor).count == 1)
        // Every node deals the batches from the same seed: the including block's id with the task id.
        let registration = try #require(try chain.selectionHash(task: network.task.taskID))
        let seed = SeededBatchAssignment.seed(selectionBlock: registration, taskID: network.task.taskID)
        #expect(seed != network.task.taskID)
        for node in network.nodes {
            let own = try #require(node.lifecycle.selections[network.task.taskID], "\(node.name)")
            #expect(own.selection == selection.selection, "\(node.name)")
            for role in Role.allCases { #expect(own.seats(role) == selection.seats(role), "\(node.name) \(role)") }
            #expect((own.rules.assignment as? SeededBatchAssignment)?.seed == seed, "\(node.name)")
        }
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
        // The archive's verifier ticket was drawn for task blocks and attested them; each attested block's miner
        // paid it the fee (capped at what the miner earned).
        let attestations = claim.attestations(task: network.task.taskID)
        let verifierTicket = try #require(network.archive.lifecycle.purchases[.verifier]?.id)
        #expect(
            !attestations.isEmpty && attestations.allSatisfy { $0.ticket == verifierTicket && $0.hasValidSignature }
        )
        #expect(attestations.count <= evaluation.scores.map { Int($0.blocks) }.reduce(0, +))
        let fee = network.archive.economics.parameters.verifierFeePerBlock.units
        #expect(
            evaluation.table.line(for: network.archive.account)?.verification.units == UInt64(attestations.count) * fee
        )
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

@Suite struct BatchAssignmentSeedTests {
    @Test("the same task included by blocks on two forks is dealt differently; the seed is a pure function")
    func forksDealDifferently() throws {
        let task = Hash256.sha256(Array("task".utf8))
        let (a, b) = (Hash256.sha256(Array("block on fork A".utf8)), Hash256.sha256(Array("block on fork B".utf8)))
        let seedA = SeededBatchAssignment.seed(selectionBlock: a, taskID: task)
        #expect(seedA == SeededBatchAssignment.seed(selectionBlock: a, taskID: task))
        #expect(seedA != SeededBatchAssignment.seed(selectionBlock: b, taskID: task))
        #expect(seedA != SeededBatchAssignment.seed(selectionBlock: task, taskID: a))
        let keys = try (1...3).map { try NodeKey(bytes: Array(repeating: UInt8($0), count: 32)) }
        let onA = try SeededBatchAssignment(seed: seedA, miners: keys, batchCount: 60)
        let onB = try SeededBatchAssignment(
            seed: SeededBatchAssignment.seed(selectionBlock: b, taskID: task),
            miners: keys,
            batchCount: 60
        )
        let dealsA = (0..<20).map { onA.batch(miner: keys[0], sequence: UInt64($0)) }
        #expect(dealsA != (0..<20).map { onB.batch(miner: keys[0], sequence: UInt64($0)) })
        // Every node building the assignment from the same block and task gets the same deal.
        let again = try SeededBatchAssignment(seed: seedA, miners: keys.reversed(), batchCount: 60)
        #expect(dealsA == (0..<20).map { again.batch(miner: keys[0], sequence: UInt64($0)) })
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
