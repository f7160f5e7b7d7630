import ArgumentParser
import Foundation
import PoUWChain
import PoUWCore
import PoUWML
import PoUWNode
import PoUWProtocol

/// `pouw-bench node-replay`: what verification costs compared with the training it checks.
struct NodeReplayBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node-replay",
        abstract: "Measure block verification and full-audit speed against the training they replay.",
        discussion: """
            Runs a local network (the demo's code) for --rounds rounds in a temporary directory, then on the
            archive's store: verify_block_ms = verifying the last block (message, history, commitment, checkpoint
            and batch loaded from the store, iteration re-run, every field compared; the best run has the messages
            already decoded, as a node that received them has, and reads the checkpoint; verify_block_first_ms is
            the first run, which decodes everything from disk); train_iteration_ms = the
            same iteration trained from the same in-memory state (engine only); audit_iterations_per_s = the full
            audit of the task; train_iterations_per_s = a miner's iterations (PoUWIteration.run: train, quantise,
            hash the states) on the same number of batches, without network or store.
            Each figure is the best of --repeats runs.
              swift run -c release pouw-bench node-replay --json
            """
    )

    @Option(help: "fashion-mnist (the seed's task), digits, an IDX folder or a CSV file.") var dataset = "digits"
    @Option(help: "Rounds of the local network (one iteration per miner each).") var rounds = 60
    @Option(help: "Miners.") var miners = 2
    @Option(help: "Timed runs per figure; the best is reported.") var repeats = 3
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard rounds >= 10 else { throw ValidationError("--rounds must be at least 10") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    func run() throws {
        let taskJSON = Array(((dataset == "digits" ? DemoTasks.digits : DemoTasks.seedMNIST) + "\n").utf8)
        let definition = try TaskDefinition(json: taskJSON)
        let data = try TrainData.load(dataset, testFraction: definition.testFraction, seed: 0)
        let directory = NSTemporaryDirectory() + "pouw-bench-replay-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = NetworkConfiguration()
        configuration.miners = miners
        configuration.supervisors = 1
        configuration.evaluators = 1
        let taskID: Hash256
        let batches: [Batch]
        let batchHashes: [Hash256]
        do {
            let network = try LocalNetwork(
                directory: directory,
                configuration: configuration,
                taskJSON: taskJSON,
                train: data.train,
                test: data.test,
                filler: try DemoTasks.filler()
            )
            for _ in 0..<rounds { try network.round() }
            taskID = network.task.taskID
            batches = network.task.batches
            batchHashes = network.task.batchHashes
        }
        let stored = try StoredData(path: directory)
        let height = try stored.height()
        guard height > 1 else { throw CommandFailure("no block was mined in \(rounds) rounds; raise --rounds") }
        let block = try stored.block(String(height - 1))
        guard let message = try stored.protocolStore.message(block.header.msgHash),
            let stateBytes = try stored.protocolStore.bytes(for: message.body.stateHashBefore)
        else { throw CommandFailure("the block's message or checkpoint is missing") }
        let body = message.body
        var peers = [IterationMessage]()
        for hash in body.appliedPeerMessages {
            guard let peer = try stored.protocolStore.message(hash) else { throw CommandFailure("missing peer") }
            peers.append(peer)
        }
        var verifyBest = Double.infinity
        var verifyFirst = Double.infinity
        var trainBest = Double.infinity
        var verdict = Verdict.valid
        for _ in 0..<repeats {
            let seconds = Self.seconds { verdict = stored.verify(block: block) }
            if verifyFirst == .infinity { verifyFirst = seconds }
            verifyBest = min(verifyBest, seconds)
            let trainer = try Trainer(task: definition, stateBytes: stateBytes)
            let context = IterationContext(
                taskID: body.taskID,
                epoch: body.epoch,
                sequence: body.sequence,
                previousMessage: body.previousMessage,
                batchIndex: body.batchIndex,
                zeroNonceCommitment: body.zeroNonceCommitment,
                startTime: body.startTime,
                finishTime: body.finishTime
            )
            trainBest = min(
                trainBest,
                try Self.seconds {
                    _ = try PoUWIteration.run(
                        trainer: trainer,
                        minerKey: body.minerKey,
                        peers: peers,
                        batch: batches[Int(body.batchIndex)],
                        batchHash: batchHashes[Int(body.batchIndex)],
                        context: context
                    )
                }
            )
        }
        guard verdict.isValid else { throw CommandFailure("the block did not verify: \(verdict)") }
        var auditBest = Double.infinity
        var audited = 0
        for _ in 0..<repeats {
            var items = [ItemVerdict]()
            auditBest = min(auditBest, try Self.seconds { items = try stored.audit(task: taskID) })
            guard items.allSatisfy({ $0.verdict == "valid" }) else { throw CommandFailure("the audit failed") }
            audited = items.count
        }
        // The engine alone training as many iterations (fresh replica, assigned batches in plan order).
        var trainLoopBest = Double.infinity
        for _ in 0..<repeats {
            let trainer = Trainer(
                task: definition,
                seed: PreparedTask.modelSeed(taskID: taskID),
                mode: .pouw(tau: definition.effectiveTau)
            )
            trainLoopBest = min(
                trainLoopBest,
                try Self.seconds {
                    var previous = Hash256.zero
                    for i in 0..<audited {
                        let b = i % batches.count
                        let step = try PoUWIteration.run(
                            trainer: trainer,
                            minerKey: body.minerKey,
                            peers: [],
                            batch: batches[b],
                            batchHash: batchHashes[b],
                            context: IterationContext(
                                taskID: taskID,
                                epoch: 0,
                                sequence: UInt64(i),
                                previousMessage: previous,
                                batchIndex: UInt32(b),
                                zeroNonceCommitment: .zero,
                                startTime: 0,
                                finishTime: 1
                            )
                        )
                        previous = Hash256.sha256(step.body.canonicalBytes)
                    }
                }
            )
        }
        let output: [String: Any] = [
            "dataset": data.description,
            "parameters": Architecture(model: definition.model).parameterCount,
            "rounds": rounds,
            "miners": miners,
            "block_height": Int(height - 1),
            "verify_block_ms": verifyBest * 1000,
            "verify_block_first_ms": verifyFirst * 1000,
            "train_iteration_ms": trainBest * 1000,
            "verify_vs_train": verifyBest / trainBest,
            "audited_iterations": audited,
            "audit_iterations_per_s": Double(audited) / auditBest,
            "train_iterations_per_s": Double(audited) / trainLoopBest,
            "audit_vs_train": trainLoopBest / auditBest,
            "repeats": repeats,
        ]
        if json {
            try JSONOutput.print(object: output)
        } else {
            for key in output.keys.sorted() { print("\(key): \(output[key] ?? "")") }
        }
    }
}
