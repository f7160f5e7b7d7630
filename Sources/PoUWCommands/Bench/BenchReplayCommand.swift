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
              verify_block_ms         BlockVerifier on a block mined from one of those messages, cold: nothing
                                      in memory; fetch and decode the message chain, the peers' messages, the
                                      state checkpoint and the batch from the store, check signature, interval,
                                      commitment, history, re-run the iteration, compare every field
              verify_block_node_ms    the same as a node runs it: the messages were decoded and their
                                      signatures checked when they arrived (the store keeps both), the replay
                                      verified another block before; the state checkpoint is read (stored raw,
                                      as a miner stores a block's state)
              verify_block_warm_ms    the same on a node that verified the miner's previous iteration: its
                                      state after is in the replay's state cache, no checkpoint is read
              audit_iterations_per_s  full audit of both chains from the initial state, one engine per chain
            Each figure is the best of --repeats runs; the *_over_train ratios divide by train_iteration_ms.
            *_cpu_ms figures are the process's CPU time (every thread: the replay re-hashes a checkpoint on a
            second core while it trains); *_thread_cpu_ms the verifying thread's alone (the wall time when that
            second core is free, which it is not on a busy machine).
            --dataset fashion-mnist (or digits, an IDX folder, a CSV file) trains on real batches instead of
            synthetic ones (real data gives the update sizes a real task has). Build in release:
              swift run -c release pouw-bench replay --json
            """
    )

    @Option(help: "Iterations per miner.") var iterations = 12
    @Option(help: "Kernel threads for training and replay (results are identical for any value).") var threads = 1
    @Option(help: "Timed runs per figure; the best is reported.") var repeats = 3
    @Option(help: "synthetic, or real batches: fashion-mnist, digits, an IDX folder or a CSV file.")
    var dataset = "synthetic"
    @Flag(help: "Print one JSON object (the only output form; accepted for uniformity).") var json = false
    @Option(
        help: """
            Measure only this figure (cold, node or warm) --repeats times and print its best time: for profiling \
            (perf record -g .build/release/pouw-bench replay --profile node --repeats 300).
            """
    )
    var profile: String?

    static let taskJSON = """
        {"model_type":"mlp","architecture":{"input_size":784,"hidden_sizes":[128,64],"output_size":10},
         "optimizer":{"type":"adam","learning_rate":0.001},"stopping_criterion":{"type":"max_epochs","max_epochs":1},
         "dataset_info":{"batch_size":32}}
        """

    func validate() throws {
        if iterations < 6 { throw ValidationError("--iterations must be at least 6 (k = 5 before the first block)") }
        if let profile, !["cold", "node", "warm"].contains(profile) {
            throw ValidationError("--profile takes cold, node or warm")
        }
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
        var verify_block_node_ms: Double
        var verify_node_over_train: Double
        var verify_block_warm_ms: Double
        var verify_warm_over_train: Double
        /// The same figures by the process's CPU time (all threads; steadier than the wall clock on a shared machine).
        var train_iteration_cpu_ms: Double
        var verify_block_cpu_ms: Double
        var verify_block_node_cpu_ms: Double
        var verify_block_warm_cpu_ms: Double
        var verify_over_train_cpu: Double
        var verify_node_over_train_cpu: Double
        var verify_warm_over_train_cpu: Double
        /// CPU time of the verifying thread alone (the checkpoint's re-hash runs on another thread): what the wall
        /// time is when a second core is free, as it is not on a shared machine.
        var verify_block_node_thread_cpu_ms: Double
        var verify_node_over_train_thread_cpu: Double
        var verify_block_thread_cpu_ms: Double
        var audit_iterations_per_s: Double
        var train_iterations_per_s: Double
        var audit_over_train: Double
        /// Parts of verify_block_ms: reading the state checkpoint from the store (decompress + re-hash), decoding
        /// it into an engine, and one state hash (encode + SHA-256; replay needs one, for the state after).
        var load_state_ms: Double
        /// The same read without the re-hash (LMDB read, zstd decompression, byte unshuffle): what stays on the
        /// replay's own thread, as the re-hash runs on a second core while the replay trains.
        var read_state_unchecked_ms: Double
        var decode_state_ms: Double
        var state_hash_ms: Double
        /// Decoding the block's message from its stored bytes, and checking its signature.
        var decode_message_ms: Double
        var signature_ms: Double
        /// Words in the block's update (a real task's updates are sparser than synthetic ones).
        var update_words: Int
        var dataset: String
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// CPU time of the whole process, in nanoseconds: every thread's work counts (the replay re-hashes a checkpoint
    /// on a second core while it trains; with --threads 1 training runs on the calling thread alone).
    private static func cpuNow() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// CPU time of the calling thread alone: the verifier's own thread, i.e. the wall time of a verification
    /// whose helper work (the checkpoint's re-hash) finds a free core.
    private static func threadCPUNow() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// `count` batches of 32 rows of 784 features: synthetic (uniform pixels, random labels), or the first
    /// training rows of `--dataset` in order.
    func makeBatches(count: Int) throws -> [Batch] {
        guard dataset != "synthetic" else {
            var random = SeededGenerator(seed: 42)
            return try (0..<count).map { _ in
                let features = (0..<(32 * 784)).map { _ in Float(random.next() >> 40) / Float(1 << 24) }
                let labels = (0..<32).map { _ in UInt8(random.next() % 10) }
                return try Batch(featureCount: 784, labels: labels, features: features)
            }
        }
        let data = try TrainData.load(dataset, testFraction: 0.2, seed: 0).train
        guard data.featureCount == 784, data.count >= 32 else {
            throw ValidationError("--dataset must have 784 features (the bench's model is the seed's MLP)")
        }
        return try (0..<count).map { b in
            let rows = (0..<32).map { (b * 32 + $0) % data.count }
            var features = [Float]()
            features.reserveCapacity(32 * 784)
            for row in rows { features += data.features[(row * 784)..<(row * 784 + 784)] }
            return try Batch(featureCount: 784, labels: rows.map { data.labels[$0] }, features: features)
        }
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pouw-bench-replay-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let task = try TaskDefinition(json: Array(Self.taskJSON.utf8))
        let taskID = Hash256.sha256(Array(Self.taskJSON.utf8))
        let store = ProtocolStore(store: try Store.open(at: directory.path, options: StoreOptions(durability: .fast)))
        let keys = try (1...2).map { try Ed25519.PrivateKey(seed: [UInt8](repeating: UInt8($0), count: 32)) }

        // Synthetic or real batches, stored.
        let batches = try makeBatches(count: 2 * iterations)
        for (index, batch) in batches.enumerated() {
            try store.putBatch(batch.canonicalBytes, datasetRoot: taskID, index: UInt64(index))
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
        var states: [[[UInt8]]] = [[], []]  // each miner's state after each iteration, stored once a block is found
        var applied = [0, 0]
        var trainNanos: UInt64 = .max
        var trainCPU: UInt64 = .max
        var history = CanonicalHistory(taskID: taskID)
        for s in 0..<iterations {
            var roundNanos: UInt64 = 0
            var roundCPU: UInt64 = 0
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
                let startCPU = Self.cpuNow()
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
                roundCPU += Self.cpuNow() - startCPU
                chains[m].append(message)
                try store.record(message)
                try history.add(message)
                states[m].append(trainers[m].state.canonicalBytes)
            }
            if s > 0 {  // the first iteration has no peers to apply
                trainNanos = min(trainNanos, roundNanos / 2)
                trainCPU = min(trainCPU, roundCPU / 2)
            }
        }

        // A block from the first message of miner 0 whose interval holds a nonce meeting the target.
        var header: BlockHeader?
        for s in 5..<iterations where header == nil {
            header = MiningRules.mine(
                template: template(s - 5),
                message: chains[0][s],
                historyRoot: history.root(of: chains[0][s].hash) ?? .zero,
                parameters: parameterCount,
                batchSize: 32
            )
        }
        guard let header else { throw ValidationError("no allowed nonce met the local target; try more --iterations") }
        // Every state is checkpointed; as a miner does, the state the block's iteration starts from is stored for
        // fast reads (raw), the others smallest.
        let blockSequence = chains[0].firstIndex { $0.hash == header.msgHash }
        for m in 0..<2 {
            for (s, bytes) in states[m].enumerated() {
                try store.putModelState(
                    bytes,
                    task: taskID,
                    miner: NodeKey(keys[m].publicKey),
                    sequence: UInt64(s),
                    preference: m == 0 && s + 1 == blockSequence ? .fastestRead : .smallest
                )
            }
        }
        let tasks = InMemoryTaskCatalog()
        tasks.register(task: taskID, MiningParameters(parameterCount: parameterCount, batchSize: 32))
        let target = try CompactTarget.decode(header.bits)
        func verifyBest(
            source: () throws -> ProtocolStore,
            replay replayFor: (ProtocolStore) throws -> IterationReplay,
            prepare: () throws -> Void = {}
        ) throws -> (wall: UInt64, cpu: UInt64, thread: UInt64) {
            var best: UInt64 = .max
            var bestCPU: UInt64 = .max
            var bestThread: UInt64 = .max
            for _ in 0..<repeats {
                let artefacts = try source()
                let replay = try replayFor(artefacts)
                try prepare()
                let verifier = BlockVerifier(
                    artefacts: artefacts,
                    tasks: tasks,
                    histories: store,
                    replay: { replay.verify($0) }
                )
                let start = Self.now()
                let startCPU = Self.cpuNow()
                let startThread = Self.threadCPUNow()
                let verdict = verifier.verify(header: header, id: header.id, target: target)
                best = min(best, Self.now() - start)
                bestCPU = min(bestCPU, Self.cpuNow() - startCPU)
                bestThread = min(bestThread, Self.threadCPUNow() - startThread)
                guard verdict.isValid else { throw ValidationError("self-check failed: block verdict \(verdict)") }
            }
            return (best, bestCPU, bestThread)
        }
        // Cold: a fresh view of the store (no decoded message kept), a fresh replay (no state kept).
        func cold() throws -> (wall: UInt64, cpu: UInt64, thread: UInt64) {
            try verifyBest(
                source: { ProtocolStore(store: store.store) },
                replay: { IterationReplay(task: task, artefacts: $0, threads: threads) }
            )
        }
        // As a node: every message was decoded and its signature checked on arrival (the node's history recorder
        // checks it through the store's cache, which keeps the message); the checkpoint is read.
        let allMessages = chains.flatMap { $0 }
        func decodedStore() throws -> ProtocolStore {
            let node = ProtocolStore(store: store.store)
            for message in allMessages {
                guard let decoded = try node.iterationMessage(for: message.hash), node.signatureIsValid(decoded) else {
                    throw ValidationError("self-check failed: message \(message.hash.short) on arrival")
                }
            }
            return node
        }
        // A node keeps one replay per task: it has verified other blocks before (here: the other miner's message
        // of the same round, whose state is not the one this block starts from), so an engine waits on its shelf.
        func node() throws -> (wall: UInt64, cpu: UInt64, thread: UInt64) {
            try verifyBest(
                source: decodedStore,
                replay: { artefacts in
                    let replay = IterationReplay(task: task, artefacts: artefacts, threads: threads)
                    guard let sequence = blockSequence, replay.verify(chains[1][sequence]).isValid else {
                        throw ValidationError("self-check failed: the other miner's message")
                    }
                    return replay
                }
            )
        }
        // Warm: the node verified the miner's previous iteration, so the state before is in the state cache.
        guard let blockMessage = chains[0].first(where: { $0.hash == header.msgHash }) else {
            throw ValidationError("self-check failed: the block's message is not miner 0's")
        }
        func warm() throws -> (wall: UInt64, cpu: UInt64, thread: UInt64) {
            let warmReplay = IterationReplay(task: task, artefacts: try decodedStore(), threads: threads)
            let previous = chains[0][Int(blockMessage.body.sequence) - 1]
            return try verifyBest(
                source: decodedStore,
                replay: { _ in warmReplay },
                prepare: {
                    // (A replay takes the state it starts from out of the cache, so each run verifies it again.)
                    guard warmReplay.verify(previous).isValid else {
                        throw ValidationError("self-check failed: previous")
                    }
                }
            )
        }
        if let profile {
            let best = try profile == "cold" ? cold() : profile == "node" ? node() : warm()
            print(
                "{\"\(profile)_verify_block_ms\":\(Double(best.wall) / 1e6),\"train_iteration_ms\":\(Double(trainNanos) / 1e6)}"
            )
            return
        }
        let verifyNanos = try cold()
        let nodeNanos = try node()
        let warmNanos = try warm()
        let replay = IterationReplay(task: task, artefacts: store, threads: threads)
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
        let stateHash = blockMessage.body.stateHashBefore  // the state the block's iteration starts from
        var loadNanos: UInt64 = .max
        var readUncheckedNanos: UInt64 = .max
        var decodeNanos: UInt64 = .max
        var hashNanos: UInt64 = .max
        for _ in 0..<repeats {
            var start = Self.now()
            guard let bytes = try store.bytes(for: stateHash) else { throw ValidationError("state checkpoint missing") }
            loadNanos = min(loadNanos, Self.now() - start)
            start = Self.now()
            let underCheck = try store.store.getCheckingConcurrently(stateHash)
            readUncheckedNanos = min(readUncheckedNanos, Self.now() - start)
            try underCheck.verified()
            start = Self.now()
            let trainer = try Trainer(task: task, stateBytes: bytes, threads: threads)
            decodeNanos = min(decodeNanos, Self.now() - start)
            start = Self.now()
            guard trainer.stateHash == stateHash else { throw ValidationError("self-check failed: state hash") }
            hashNanos = min(hashNanos, Self.now() - start)
        }
        var decodeMessageNanos: UInt64 = .max
        var signatureNanos: UInt64 = .max
        guard let messageBytes = try store.bytes(for: header.msgHash) else { throw ValidationError("message missing") }
        for _ in 0..<repeats {
            var start = Self.now()
            let decoded = try IterationMessage(canonicalBytes: messageBytes)
            decodeMessageNanos = min(decodeMessageNanos, Self.now() - start)
            start = Self.now()
            guard decoded.hasValidSignature else { throw ValidationError("self-check failed: signature") }
            signatureNanos = min(signatureNanos, Self.now() - start)
        }
        let trainMs = Double(trainNanos) / 1e6
        let verifyMs = Double(verifyNanos.wall) / 1e6
        let nodeMs = Double(nodeNanos.wall) / 1e6
        let warmMs = Double(warmNanos.wall) / 1e6
        let trainCPUMs = Double(trainCPU) / 1e6
        let auditPerSecond = Double(2 * iterations) / (Double(auditNanos) / 1e9)
        let report = Report(
            parameters: Int(parameterCount),
            iterations: 2 * iterations,
            threads: threads,
            train_iteration_ms: trainMs,
            verify_block_ms: verifyMs,
            verify_over_train: verifyMs / trainMs,
            verify_block_node_ms: nodeMs,
            verify_node_over_train: nodeMs / trainMs,
            verify_block_warm_ms: warmMs,
            verify_warm_over_train: warmMs / trainMs,
            train_iteration_cpu_ms: trainCPUMs,
            verify_block_cpu_ms: Double(verifyNanos.cpu) / 1e6,
            verify_block_node_cpu_ms: Double(nodeNanos.cpu) / 1e6,
            verify_block_warm_cpu_ms: Double(warmNanos.cpu) / 1e6,
            verify_over_train_cpu: Double(verifyNanos.cpu) / 1e6 / trainCPUMs,
            verify_node_over_train_cpu: Double(nodeNanos.cpu) / 1e6 / trainCPUMs,
            verify_warm_over_train_cpu: Double(warmNanos.cpu) / 1e6 / trainCPUMs,
            verify_block_node_thread_cpu_ms: Double(nodeNanos.thread) / 1e6,
            verify_node_over_train_thread_cpu: Double(nodeNanos.thread) / 1e6 / trainCPUMs,
            verify_block_thread_cpu_ms: Double(verifyNanos.thread) / 1e6,
            audit_iterations_per_s: auditPerSecond,
            train_iterations_per_s: 1_000 / trainMs,
            audit_over_train: auditPerSecond / (1_000 / trainMs),
            load_state_ms: Double(loadNanos) / 1e6,
            read_state_unchecked_ms: Double(readUncheckedNanos) / 1e6,
            decode_state_ms: Double(decodeNanos) / 1e6,
            state_hash_ms: Double(hashNanos) / 1e6,
            decode_message_ms: Double(decodeMessageNanos) / 1e6,
            signature_ms: Double(signatureNanos) / 1e6,
            update_words: blockMessage.body.update.count,
            dataset: dataset
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}
