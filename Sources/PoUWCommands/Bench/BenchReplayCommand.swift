import ArgumentParser
import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWML
import PoUWProtocol
import PoUWStore

/// `pouw-bench replay`: what verification costs compared with the training it re-runs.
struct BenchReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Measure block verification and full audits against the training iterations they replay.",
        discussion: """
            Two miners train the seed's MLP (784-128-64-10, Adam, batch 32, PoUW mode) on synthetic batches (speed
            does not depend on the values), exchanging updates; every message, batch and state goes into a fresh
            store in a temporary directory. Then:
              train_iteration_ms      one iteration as a miner runs it (peer updates + step + hash of the state
                                      after + signed message; the state before is known), timed while training
              verify_block_ms         BlockVerifier on a block mined from one of those messages: fetch the
                                      message chain and state from the store, check signature, interval,
                                      commitment, history, re-run the iteration, compare every field
              audit_iterations_per_s  full audit of both chains from the initial state, one engine per chain
            Each figure is the best of --repeats runs. Build in release:
              swift run -c release pouw-bench replay --json
            """
    )

    @Option(help: "Iterations per miner.") var iterations = 12
    @Option(help: "Kernel threads for training and replay (results are identical for any value).") var threads = 1
    @Option(help: "Timed runs per figure; the best is reported.") var repeats = 3
    @Flag(help: "Print one JSON object (the only output form; accepted for uniformity).") var json = false

    static let taskJSON = """
        {"model_type":"mlp","architecture":{"input_size":784,"hidden_sizes":[128,64],"output_size":10},
         "optimizer":{"type":"adam","learning_rate":0.001},"stopping_criterion":{"type":"max_epochs","max_epochs":1},
         "dataset_info":{"batch_size":32}}
        """

    func validate() throws {
        if iterations < 6 { throw ValidationError("--iterations must be at least 6 (k = 5 before the first block)") }
        if threads < 1 || threads > 64 { throw ValidationError("--threads must be in 1…64") }
        if repeats < 1 { throw ValidationError("--repeats must be at least 1") }
    }

    struct Report: Encodable {
        var parameters: Int
        var iterations: Int
        var threads: Int
        var train_iteration_ms: Double
        var verify_block_ms: Double
        var verify_over_train: Double
        var audit_iterations_per_s: Double
        var train_iterations_per_s: Double
        var audit_over_train: Double
        /// Parts of verify_block_ms: reading the state checkpoint from the store (decompress + re-hash), decoding
        /// it into an engine, and one state hash (encode + SHA-256; replay needs one, for the state after).
        var load_state_ms: Double
        var decode_state_ms: Double
        var state_hash_ms: Double
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pouw-bench-replay-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let task = try TaskDefinition(json: Array(Self.taskJSON.utf8))
        let taskID = Hash256.sha256(Array(Self.taskJSON.utf8))
        let store = ProtocolStore(store: try Store.open(at: directory.path, options: StoreOptions(durability: .fast)))
        let keys = try (1...2).map { try Ed25519.PrivateKey(seed: [UInt8](repeating: UInt8($0), count: 32)) }

        // Synthetic batches, stored.
        var random = SeededGenerator(seed: 42)
        var batches: [Batch] = []
        for index in 0..<(2 * iterations) {
            let features = (0..<(32 * 784)).map { _ in Float(random.next() >> 40) / Float(1 << 24) }
            let labels = (0..<32).map { _ in UInt8(random.next() % 10) }
            let batch = try Batch(featureCount: 784, labels: labels, features: features)
            try store.putBatch(batch.canonicalBytes, datasetRoot: taskID, index: UInt64(index))
            batches.append(batch)
        }
        let trainers = (0..<2).map { _ in
            Trainer(task: task, seed: 1, mode: .pouw(tau: task.effectiveTau), threads: threads)
        }
        let initialHash = try store.store.put(.checkpoint, trainers[0].state.canonicalBytes)
        let parameterCount = UInt64(trainers[0].architecture.parameterCount)

        // Message s of miner 0 commits to template s (time base + s); templates are blocks on a local genesis.
        let parameters = ChainParameters.local
        let genesis = Genesis.block(for: parameters)
        func template(_ s: Int) -> BlockTemplate {
            BlockTemplate(
                prev: genesis.id,
                txRoot: genesis.header.txRoot,
                time: parameters.genesisTime + 1 + UInt64(s),
                bits: parameters.powLimitBits
            )
        }
        var chains: [[IterationMessage]] = [[], []]
        var applied = [0, 0]
        var trainNanos: UInt64 = .max
        var history = MessageHistory(taskID: taskID)
        for s in 0..<iterations {
            var roundNanos: UInt64 = 0
            for m in 0..<2 {
                let peers = Array(chains[1 - m][applied[m]...])
                applied[m] = chains[1 - m].count
                let context = IterationContext(
                    taskID: taskID,
                    epoch: 0,
                    sequence: UInt64(s),
                    previousMessage: chains[m].last?.hash ?? .zero,
                    batchIndex: UInt32(2 * s + m),
                    zeroNonceCommitment: m == 0 ? template(s).commitment : .zero,
                    startTime: UInt64(s),
                    finishTime: UInt64(s)
                )
                // As a miner does: the state hash before is the previous message's state hash after (or the
                // initial state's), so only the state after is hashed.
                let before = chains[m].last?.body.stateHashAfter ?? initialHash
                let start = Self.now()
                let (body, _) = try PoUWIteration.run(
                    trainer: trainers[m],
                    minerKey: NodeKey(keys[m].publicKey),
                    peers: peers,
                    batch: batches[2 * s + m],
                    stateHashBefore: before,
                    context: context
                )
                let message = try body.signed(with: keys[m])
                roundNanos += Self.now() - start
                chains[m].append(message)
                try store.record(message)
                try history.append(message.hash)
                try store.putModelState(
                    trainers[m].state.canonicalBytes,
                    task: taskID,
                    miner: NodeKey(keys[m].publicKey),
                    sequence: UInt64(s)
                )
            }
            if s > 0 { trainNanos = min(trainNanos, roundNanos / 2) }  // the first iteration has no peers to apply
        }

        // A block from the first message of miner 0 whose interval holds a nonce meeting the target.
        var header: BlockHeader?
        for s in 5..<iterations where header == nil {
            header = MiningRules.mine(
                template: template(s - 5),
                message: chains[0][s],
                historyRoot: history.root,
                parameters: parameterCount,
                batchSize: 32
            )
        }
        guard let header else { throw ValidationError("no allowed nonce met the local target; try more --iterations") }
        let tasks = InMemoryTaskCatalog()
        tasks.register(task: taskID, MiningParameters(parameterCount: parameterCount, batchSize: 32))
        let replay = IterationReplay(task: task, artefacts: store, threads: threads)
        let verifier = BlockVerifier(artefacts: store, tasks: tasks, histories: store, replay: { replay.verify($0) })
        let target = try CompactTarget.decode(header.bits)
        var verifyNanos: UInt64 = .max
        for _ in 0..<repeats {
            let start = Self.now()
            let verdict = verifier.verify(header: header, id: header.id, target: target)
            verifyNanos = min(verifyNanos, Self.now() - start)
            guard verdict.isValid else { throw ValidationError("self-check failed: block verdict \(verdict)") }
        }
        var auditNanos: UInt64 = .max
        for _ in 0..<repeats {
            let start = Self.now()
            for chain in chains {
                let (verified, verdict) = replay.audit(chain: chain)
                guard verdict.isValid, verified == chain.count else {
                    throw ValidationError("self-check failed: audit verdict \(verdict)")
                }
            }
            auditNanos = min(auditNanos, Self.now() - start)
        }
        // Breakdown of the state handling inside verification.
        let stateHash = chains[0][chains[0].count - 1].body.stateHashBefore
        var loadNanos: UInt64 = .max
        var decodeNanos: UInt64 = .max
        var hashNanos: UInt64 = .max
        for _ in 0..<repeats {
            var start = Self.now()
            guard let bytes = try store.bytes(for: stateHash) else { throw ValidationError("state checkpoint missing") }
            loadNanos = min(loadNanos, Self.now() - start)
            start = Self.now()
            let trainer = try Trainer(task: task, stateBytes: bytes, threads: threads)
            decodeNanos = min(decodeNanos, Self.now() - start)
            start = Self.now()
            guard trainer.stateHash == stateHash else { throw ValidationError("self-check failed: state hash") }
            hashNanos = min(hashNanos, Self.now() - start)
        }
        let trainMs = Double(trainNanos) / 1e6
        let verifyMs = Double(verifyNanos) / 1e6
        let auditPerSecond = Double(2 * iterations) / (Double(auditNanos) / 1e9)
        let report = Report(
            parameters: Int(parameterCount),
            iterations: 2 * iterations,
            threads: threads,
            train_iteration_ms: trainMs,
            verify_block_ms: verifyMs,
            verify_over_train: verifyMs / trainMs,
            audit_iterations_per_s: auditPerSecond,
            train_iterations_per_s: 1_000 / trainMs,
            audit_over_train: auditPerSecond / (1_000 / trainMs),
            load_state_ms: Double(loadNanos) / 1e6,
            decode_state_ms: Double(decodeNanos) / 1e6,
            state_hash_ms: Double(hashNanos) / 1e6
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}
