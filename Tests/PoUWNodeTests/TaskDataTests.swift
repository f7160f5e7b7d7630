import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWML
import PoUWProtocol
import PoUWStore
import Testing

@testable import PoUWNode

/// A paid task's data reaches nodes over the transport: the client publishes a manifest and serves the batches
/// by hash, the others check the manifest against its PAY_FOR_TASK and fetch what they need; the test set stays
/// with the client until it reveals it for evaluation.
@Suite(.serialized) struct TaskDataTests {
    /// The digits task prepared by development account 0 (sequence 0, data seed 0, two miners).
    static func preparedDigits() throws -> PreparedTask {
        let (json, train, test) = try NodeTestSupport.digits()
        return try PreparedTask(
            json: json,
            train: train,
            test: test,
            dataSeed: 0,
            client: DevKeys.privateKey(0),
            sequence: 0,
            escrow: Amount(units: 1_000 * Amount.unitsPerPAI),
            fee: Amount(units: Amount.unitsPerPAI / 100),
            miners: 2
        )
    }

    @Test func manifestIsPinnedByItsGoldenFixtureAndRoundTrips() throws {
        let task = try Self.preparedDigits()
        let bytes = task.manifest.canonicalBytes
        #expect(bytes[0] == RecordTag.taskManifest.rawValue)
        #expect(bytes[1] == TaskManifest.version)
        #expect(try TaskManifest(canonicalBytes: bytes) == task.manifest)
        #expect(throws: CanonicalDecodingError.self) { try TaskManifest(canonicalBytes: bytes + [0]) }
        #expect(throws: CanonicalDecodingError.self) { try TaskManifest(canonicalBytes: Array(bytes.dropLast())) }
        let hex = try NodeTestSupport.pinned(bytes, fixture: "task-manifest-v1")
        // The fixture rebuilds the task without its data: same id, roots and batch hashes, no batches, no test set.
        let rebuilt = try TaskManifest(canonicalBytes: try #require(Hex.decode(hex))).check()
        #expect(rebuilt.taskID == task.taskID)
        #expect(rebuilt.batchHashes == task.batchHashes && rebuilt.datasetRoot == task.datasetRoot)
        #expect(rebuilt.testSetRoot == task.testSetRoot && rebuilt.sampleCount == task.sampleCount)
        #expect(rebuilt.batches.isEmpty && rebuilt.test == nil)
        #expect(try TaskRegistration.requirements(for: rebuilt) == TaskRegistration.requirements(for: task))
    }

    @Test func aManifestThatDoesNotMatchItsPayForTaskIsRefusedWithTheReason() throws {
        let task = try Self.preparedDigits()
        let good = task.manifest
        func altered(batches: [Hash256]? = nil, test: [Hash256]? = nil, samples: UInt64? = nil) -> TaskManifest {
            TaskManifest(
                transaction: good.transaction,
                dataSeed: good.dataSeed,
                sampleCount: samples ?? good.sampleCount,
                batchHashes: batches ?? good.batchHashes,
                testBatchHashes: test ?? good.testBatchHashes
            )
        }
        var swapped = good.batchHashes
        swapped.swapAt(0, 1)
        let onChain = task.datasetRoot
        let listed = TaskRules.datasetRoot(batchHashes: swapped)
        #expect(throws: TaskManifest.Refusal.datasetRootMismatch(listed: listed, onChain: onChain)) {
            try altered(batches: swapped).check()
        }
        var wrongTest = good.testBatchHashes
        wrongTest[0] = Hash256.sha256([1])
        #expect(
            throws: TaskManifest.Refusal.testSetRootMismatch(
                listed: TaskRules.datasetRoot(batchHashes: wrongTest),
                onChain: task.testSetRoot
            )
        ) {
            try altered(test: wrongTest).check()
        }
        #expect(throws: TaskManifest.Refusal.batchCount(expected: good.batchHashes.count, listed: 2)) {
            try altered(batches: Array(good.batchHashes.prefix(2))).check()
        }
        let transfer = Transaction(
            body: .transfer(Transfer(to: Address(publicKey: DevKeys.privateKey(1).publicKey), amount: .zero, memo: [])),
            signer: DevKeys.privateKey(0).publicKey,
            sequence: 0,
            fee: .zero
        )
        .signed(with: DevKeys.privateKey(0))
        let notATask = TaskManifest(
            transaction: transfer,
            dataSeed: 0,
            sampleCount: good.sampleCount,
            batchHashes: good.batchHashes,
            testBatchHashes: good.testBatchHashes
        )
        #expect(throws: TaskManifest.Refusal.notPayForTask) { try notATask.check() }

        // A node refuses it with the named reason and keeps no offer; garbage never crashes it; the sound manifest
        // is accepted without data.
        let directory = try NodeTestSupport.temporaryDirectory("manifest-refusal")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = SimulatedNetwork(seed: 3)
        func verifier(_ name: String) throws -> Node {
            try Node(
                name: name,
                roles: [.verifier],
                key: LocalNetwork.key(name: name, seed: 3),
                directory: directory + "/" + name,
                transport: network.attach(NodeAddress(name))
            )
        }
        let node = try verifier("verifier")
        #expect(!node.receiveManifest(altered(batches: swapped).canonicalBytes))
        #expect(node.taskData.refusals[task.taskID] == .datasetRootMismatch(listed: listed, onChain: onChain))
        #expect(node.lifecycle.offers[task.taskID] == nil)
        #expect(node.statistics.lastRejection?.contains("dataset root") == true)
        node.handle(WireMessage.taskManifest([0x81, 1, 9, 9]).canonicalBytes)
        #expect(node.statistics.lastRejection?.hasPrefix("undecodable task manifest") == true)

        let other = try verifier("other")
        #expect(other.receiveManifest(good.canonicalBytes))
        let offer = try #require(other.lifecycle.offers[task.taskID])
        #expect(offer.batches.isEmpty && offer.test == nil && offer.batchHashes == task.batchHashes)
        #expect(!other.receiveManifest(good.canonicalBytes))  // a second copy is not new (not relayed again)
    }

    @Test func nodesTrainFromFetchedBatchesAndOnlyTheEvaluatorsFetchTheRevealedTestSet() throws {
        let directory = try NodeTestSupport.temporaryDirectory("task-data")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try NodeTestSupport.network(directory: directory, miners: 2)
        for _ in 0..<24 { try network.round() }
        let task = network.task
        let client = network.client
        // Only the client was handed the data; every other node rebuilt the task from the manifest.
        for node in network.nodes where node !== client {
            let known = try #require(node.lifecycle.offers[task.taskID], "\(node.name)")
            #expect(known.batches.isEmpty && known.test == nil, "\(node.name)")
            // Nobody but the client holds a test batch before evaluation.
            #expect(task.testBatchHashes.allSatisfy { !node.artefacts.holds($0) }, "\(node.name)")
            #expect(try node.testSet(for: known) == nil, "\(node.name)")
        }
        // The selected miners trained from batches they fetched by hash, each one held by them now.
        let training = network.miners.filter { $0.task?.taskID == task.taskID }
        #expect(training.count == 2)
        for miner in training {
            #expect(miner.task?.batches.isEmpty == true)
            let sequence = try #require(miner.miner?.sequence)
            #expect(sequence >= 10, "\(miner.name)")
            let rules = try #require(miner.recorders[task.taskID]?.rules)
            for s in 0..<sequence {
                let index = try #require(rules.assignment.batch(miner: miner.nodeKey, sequence: s)?.index)
                #expect(miner.artefacts.holds(task.batchHashes[Int(index)]))
            }
            #expect(miner.fetchStatistics.objectsReceived > 0)
        }
        // Supervisors and the archive fetched and indexed every batch (offline replays need them).
        for node in network.supervisors + [network.archive] {
            for (index, hash) in task.batchHashes.enumerated() {
                #expect(try node.protocolStore.batchHash(datasetRoot: task.datasetRoot, index: UInt64(index)) == hash)
                #expect(node.artefacts.holds(hash), "\(node.name) lacks batch \(index)")
            }
        }
        // Before the reveal, the client answers no request for the test set, and keeps it out of its store (a
        // client restarted before evaluation has nothing to serve).
        #expect(client.taskData.withheld == Set(task.testBatchHashes))
        for hash in task.testBatchHashes { #expect(try client.store.contains(hash) == false) }
        let evaluator = try #require(network.evaluators.first)
        #expect(evaluator.requestTestSet(task: task.taskID, from: client.address).count == task.testBatchHashes.count)
        network.deliver()
        #expect(evaluator.requestTestSet(task: task.taskID, from: client.address).count == task.testBatchHashes.count)

        let evaluation = try network.evaluate()
        let result = try #require(evaluation.result)
        #expect(client.taskData.withheld.isEmpty)
        for hash in task.testBatchHashes { #expect(try client.store.contains(hash)) }
        // The evaluator fetched the test set and scored each final model with it: the same accuracy the client's
        // own test set gives.
        let offer = try #require(evaluator.lifecycle.offers[task.taskID])
        let fetched = try #require(try evaluator.testSet(for: offer))
        #expect(fetched.count == task.test?.count)
        let clientTest = try #require(task.test)
        #expect(evaluation.scores.count == 2)
        for score in evaluation.scores {
            let bytes = try #require(try evaluator.artefacts.bytes(for: score.stateHash))
            let expected = try Trainer(task: task.definition, stateBytes: bytes).evaluate(clientTest)
            #expect(score.accuracy == expected.accuracy)
        }
        #expect(try network.confirm(result, limit: 200))
        #expect(try network.archive.chain.task(task.taskID)?.settled == true)
        // Random audits that lacked a batch fetched it and were replayed again: none is left unavailable.
        for node in network.nodes {
            #expect(node.statistics.auditsUnavailable == 0, "\(node.name): \(node.audit.deferred.keys.map(\.short))")
            #expect(node.statistics.auditsInvalid == 0, "\(node.name)")
        }
        #expect(network.nodes.map(\.statistics.auditsValid).reduce(0, +) > 0)
    }
}
