internal import ArgumentParser
internal import Foundation
internal import PoUWCore
internal import PoUWStore

/// `pouw-bench store`: measures the store on a temporary data directory and prints one JSON object.
struct BenchStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Benchmark the content-addressed store (appends, gets, verify, compression ratios).",
        discussion: """
            Everything runs on fresh temporary data directories (durable mode unless a key says otherwise) with \
            realistic data: float32 weights shaped like a trained 784-128-64-10 MLP, real signed iteration \
            messages (IterationMessage canonical bytes, chained as in a run, stored as the node stores them), \
            0.2 %-dense ±τ sparse updates. Appends use ~500-byte messages (16–24 update steps); ratio_messages_* \
            use messages shaped like the default demo's (the seed's task: update sizes drawn from a real run's, \
            ~39 KB), ratio_messages_digits_* like a digits demo's (~2 KB). Build in release first.

            The floor_lmdb_* keys measure bare LMDB on the same disk in the same run with the store's own access \
            patterns (random 32-byte keys, message-sized values, 1,000 puts per commit or one), so that the store's \
            overhead can be told from the disk's cost. Batched appends: 1,000 messages per durable write; \
            append_small_batched_per_s writes a stream of such batches as a node would (Store.prepare hashes and \
            compresses each batch on the cores while the write before it puts, commits and syncs), \
            append_small_batched_serial_per_s one write at a time with nothing prepared ahead \
            (StoreBatch.put(_:contentsOf:), hashing and compression spread over the cores within the write), \
            append_small_batched_one_core_per_s one put per message; their rounds take turns in blocks. Messages \
            are signed before the timed rounds start. --only runs a subset \
            (for profiling).

            Example: swift run -c release pouw-bench store --json
            Profile batched appends: perf record -g .build/release/pouw-bench store --only profile
            """
    )

    @Flag(help: "Print one JSON object (the only output format; kept for symmetry with other benches).")
    var json = false
    @Option(help: "Directory for temporary data directories.") var tmp: String = NSTemporaryDirectory()
    @Option(help: "Scale every iteration count by this factor (e.g. 0.2 for a quick run).") var scale: Double = 1
    @Option(
        help: """
            Run only these sections (floor, dense, messages, encode, fast, ratios, json, blobs; comma-separated), \
            or scale (a million objects), profile (a long pipelined stream for perf); those two are not run by \
            default.
            """
    )
    var only: String?

    static let sections: Set<String> = ["floor", "dense", "messages", "encode", "fast", "ratios", "json", "blobs"]
    /// Sections that run only when `--only` names them.
    static let optionalSections: Set<String> = ["scale", "profile"]

    func run() throws {
        let root = (tmp as NSString).appendingPathComponent("pouw-bench-store-\(getpid())")
        try? FileManager.default.removeItem(atPath: root)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var result: [String: Any] = [:]
        let n = { (count: Int) in max(3, Int(Double(count) * scale)) }
        let wanted = only.map { Set($0.split(separator: ",").map(String.init)) } ?? Self.sections
        guard wanted.isSubset(of: Self.sections.union(Self.optionalSections)) else {
            throw ValidationError(
                "--only takes \(Self.sections.union(Self.optionalSections).sorted().joined(separator: ", "))"
            )
        }

        if wanted.contains("floor") {
            result["floor_lmdb_1mib_durable_per_s"] = round(
                try LMDBFloor.large(directory: root + "/floor-large", count: n(200)),
                1
            )
        }
        if wanted.contains("dense") { try dense(root, n, &result) }
        if wanted.contains("messages") { try messages(root, n, &result) }
        if wanted.contains("encode") { try encode(root, n, &result) }
        if wanted.contains("scale") { try scale(root, &result) }
        if wanted.contains("profile") { try profile(root, n, &result) }
        if wanted.contains("fast") { try fastBatches(root, n, &result) }
        if wanted.contains("ratios") { try messageRatios(root, &result) }
        if wanted.contains("json") { try jsonMessages(root, &result) }
        if wanted.contains("blobs") { try blobs(root, &result) }
        try JSONOutput.print(object: result)
    }

    /// Dense 1 MiB checkpoints (one durable commit each), their gets, sparse updates, and a full verify.
    private func dense(_ root: String, _ n: (Int) -> Int, _ result: inout [String: Any]) throws {
        let dense = try Store.open(at: root + "/dense", options: StoreOptions(autoTrainThreshold: nil))
        var weights = StoreBenchData.trainedWeights(count: 262_144, seed: 1)
        var commitTimes: [Double] = []
        var checkpointKeys: [Hash256] = []
        for i in 0..<n(200) {
            weights[(i &* 7919) % weights.count] += 1e-3
            let bytes = StoreBenchData.bytes(weights)
            let start = Clock.now()
            checkpointKeys.append(try dense.put(.checkpoint, bytes))
            commitTimes.append(Clock.seconds(since: start))
        }
        result["append_1mib_per_s"] = round(Double(commitTimes.count) / commitTimes.reduce(0, +), 1)
        result["append_1mib_commit_p99_ms"] = round(percentile(commitTimes, 0.99) * 1e3, 3)
        result["append_1mib_commit_p50_ms"] = round(percentile(commitTimes, 0.5) * 1e3, 3)
        let denseStats = try dense.statistics()
        result["ratio_dense_f32"] = round(denseStats.kinds.first { $0.kind == "checkpoint" }?.ratio ?? 0, 4)

        var getLarge: [Double] = []
        _ = try dense.get(checkpointKeys[0])
        for i in 0..<n(100) {
            let key = checkpointKeys[(i &* 31) % checkpointKeys.count]
            let start = Clock.now()
            _ = try dense.get(key)
            getLarge.append(Clock.seconds(since: start))
        }
        result["get_1mib_p50_ms"] = round(percentile(getLarge, 0.5) * 1e3, 3)

        // Sparse updates.
        var sparseStored = 0
        var sparseRaw = 0
        for i in 0..<20 {
            let update = StoreBenchData.sparseUpdate(
                parameters: StoreBenchData.mlpParameters,
                density: 0.002,
                seed: UInt64(100 + i)
            )
            let key = try dense.put(.sparseUpdate, update)
            sparseStored += try dense.read { try $0.storedValue(key)?.count ?? 0 }
            sparseRaw += update.count
        }
        result["ratio_sparse_update"] = round(Double(20 * StoreBenchData.mlpParameters * 4) / Double(sparseStored), 1)
        result["ratio_sparse_update_vs_words"] = round(Double(sparseRaw) / Double(sparseStored), 3)

        // A full verify of the dense store (checkpoints and sparse updates), one core.
        let verifyStart = Clock.now()
        let report = try dense.verify()
        let verifySeconds = Clock.seconds(since: verifyStart)
        guard report.ok else { throw CommandFailure("verify found problems in the benchmark store") }
        result["verify_mb_per_s"] = round(Double(report.bytesDecoded) / verifySeconds / 1e6, 1)
    }

    /// Small messages: warm-up (trains the dictionary), batched, then one per commit, then warm gets.
    private func messages(_ root: String, _ n: (Int) -> Int, _ result: inout [String: Any]) throws {
        // Small messages: warm-up (trains the dictionary), batched, then one per commit. The batched rounds run
        // back to back, then as many rounds on bare LMDB (floor_lmdb_small_batched_per_s: random hash keys, values
        // of the stored size, a database as full as the store's), seconds apart on the same disk; interleaving them
        // round by round measured the store with caches the floor's random pages had just evicted. Durable single
        // commits stay paired one by one with the floor's (floor_lmdb_small_durable_per_s): there the disk is all.
        let messages = try Store.open(at: root + "/messages", options: StoreOptions(autoTrainThreshold: 1000))
        let floor = try LMDBFloor.Small(directory: root + "/floor-small", valueSize: 400)
        var generator = try StoreBenchMessages(seed: 7)
        var messageKeys: [Hash256] = []
        for _ in 0..<2 {
            let batch = try MessageBatch(&generator, count: 1000)
            try messages.write { writer in messageKeys += try batch.putEach(writer) }
            _ = try floor.batch()
        }
        var floorSeconds = 0.0
        let before = try messages.statistics().kinds.first { $0.kind == "message" }
        // Three ways to write the same kind of batches, in blocks of rounds that take turns (two blocks each):
        // pipelined (each batch prepared while the one before commits), one list put per write with nothing
        // prepared ahead, one put per message (one core).
        // The messages are made before the timed rounds: signing one takes ~50 times longer than storing it, and
        // signing between rounds left the store's caches cold at the start of each.
        let perBlock = n(10)
        let variants = BatchedVariant.allCases
        let rounds = try (0..<2 * variants.count * perBlock).map { _ in try MessageBatch(&generator, count: 1000) }
        var batchedSeconds = [Double](repeating: 0, count: variants.count)
        var batchedCount = 0
        var averageSize = 0
        for (block, batches) in stride(from: 0, to: rounds.count, by: perBlock).map({ rounds[$0..<$0 + perBlock] })
            .enumerated()
        {
            let variant = variants[block % variants.count]
            averageSize += batches.reduce(0) { $0 + $1.bytes.reduce(0) { $0 + $1.count } }
            batchedCount += batches.count * 1000
            let start = Clock.now()
            messageKeys += try variant.write(Array(batches), to: messages)
            batchedSeconds[block % variants.count] += Clock.seconds(since: start)
        }
        for _ in rounds { floorSeconds += try floor.batch() }
        let messagesPerVariant = Double(2 * perBlock * 1000)
        result["append_small_batched_per_s"] = round(messagesPerVariant / batchedSeconds[0], 0)
        result["append_small_batched_serial_per_s"] = round(messagesPerVariant / batchedSeconds[1], 0)
        result["append_small_batched_one_core_per_s"] = round(messagesPerVariant / batchedSeconds[2], 0)
        result["floor_lmdb_small_batched_per_s"] = round(Double(batchedCount) / floorSeconds, 0)
        result["message_bytes_avg"] = averageSize / batchedCount
        let after = try messages.statistics().kinds.first { $0.kind == "message" }
        if let before, let after {
            result["ratio_messages_small_dict"] = round(
                Double(after.rawBytes - before.rawBytes) / Double(after.storedBytes - before.storedBytes),
                3
            )
            result["message_small_stored_bytes_avg"] = Int(after.storedBytes - before.storedBytes) / batchedCount
        }
        var durableSeconds = 0.0
        floorSeconds = 0
        let durableCount = n(400)
        let singles = try MessageBatch(&generator, count: durableCount)
        for (message, preference) in zip(singles.bytes, singles.preferences) {
            let start = Clock.now()
            messageKeys.append(try messages.put(.message, message, preference: preference))
            durableSeconds += Clock.seconds(since: start)
            floorSeconds += try floor.single()
        }
        result["append_small_durable_per_s"] = round(Double(durableCount) / durableSeconds, 0)
        result["floor_lmdb_small_durable_per_s"] = round(Double(durableCount) / floorSeconds, 0)

        var getSmall: [Double] = []
        var random = BenchRandom(seed: 99)
        for key in messageKeys.prefix(2000) { _ = try messages.get(key) }
        for _ in 0..<n(20_000) {
            let key = messageKeys[random.below(messageKeys.count)]
            let start = Clock.now()
            _ = try messages.get(key)
            getSmall.append(Clock.seconds(since: start))
        }
        result["get_small_p50_us"] = round(percentile(getSmall, 0.5) * 1e6, 3)
        result["get_small_p99_us"] = round(percentile(getSmall, 0.99) * 1e6, 3)
    }

    /// Hashing and compression alone, no write (`encode_small_per_s`): `Store.prepare` on all cores, the throughput
    /// rounds' messages with a trained dictionary. What a batched append costs beyond this is the store's writing.
    private func encode(_ root: String, _ n: (Int) -> Int, _ result: inout [String: Any]) throws {
        let store = try Store.open(at: root + "/encode", options: StoreOptions(autoTrainThreshold: 1000))
        var generator = try StoreBenchMessages(seed: 10)
        try store.write { writer in _ = try MessageBatch(&generator, count: 1000).putList(writer) }
        let batches = try (0..<n(20)).map { _ in try MessageBatch(&generator, count: 1000) }
        let start = Clock.now()
        for batch in batches { _ = try batch.prepare(store).keys() }
        result["encode_small_per_s"] = round(Double(batches.count * 1000) / Clock.seconds(since: start), 0)
    }

    /// How batched appends slow down as the store grows: a million random 400-byte objects (`--scale` times that,
    /// in steps of 100,000), 1,000 per durable write, prepared ahead as a stream; `scale_batched_per_s_at_<n>k` is
    /// the rate over the batches that took the store from n − 100 to n thousand objects; `scale_write_p99_ms` and
    /// `scale_write_max_ms` the slowest writes (those that merge). Random bytes are stored raw: these figures are the
    /// store's writing and its index (merges rewrite more pages as the index grows), not compression.
    private func scale(_ root: String, _ result: inout [String: Any]) throws {
        let store = try Store.open(at: root + "/scale", options: StoreOptions(autoTrainThreshold: nil))
        var random = BenchRandom(seed: 12)
        var writes: [Double] = []
        for block in 1...max(1, Int(10 * self.scale)) {
            // The block's bytes are made before its writes are timed.
            let batches = (0..<100).map { _ in (0..<1000).map { _ in random.bytes(400) } }
            let start = Clock.now()
            var next = try store.prepare(.blob, batches[0])
            for index in batches.indices {
                let current = next
                if index + 1 < batches.count { next = try store.prepare(.blob, batches[index + 1]) }
                let write = Clock.now()
                try store.write { _ = try $0.put(current) }
                writes.append(Clock.seconds(since: write))
            }
            result["scale_batched_per_s_at_\(block * 100)k"] = round(100_000 / Clock.seconds(since: start), 0)
        }
        // The slowest writes are the merges'.
        result["scale_write_p99_ms"] = round(percentile(writes, 0.99) * 1000, 2)
        result["scale_write_max_ms"] = round((writes.max() ?? 0) * 1000, 2)
    }

    /// The pipelined stream of `append_small_batched_per_s` for long enough to profile (`profile_batched_per_s`,
    /// 200 batches of 1,000, `--scale` times that): 2 batches of signed messages, and re-signed copies of them
    /// (`MessageBatch(resigning:)`), so that nearly all of the run's time is the store's. The store grows to 200,000
    /// objects (the messages section's to about 65,000), so index merges weigh more and the rate is lower.
    private func profile(_ root: String, _ n: (Int) -> Int, _ result: inout [String: Any]) throws {
        let store = try Store.open(at: root + "/profile", options: StoreOptions(autoTrainThreshold: 1000))
        var generator = try StoreBenchMessages(seed: 11)
        let signed = try (0..<2).map { _ in try MessageBatch(&generator, count: 1000) }
        var random = BenchRandom(seed: 13)
        let batches = (0..<n(200)).map { MessageBatch(resigning: signed[$0 % signed.count], &random) }
        try store.write { _ = try signed[0].putList($0) }
        let start = Clock.now()
        _ = try BatchedVariant.pipelined.write(batches, to: store)
        result["profile_batched_per_s"] = round(Double(batches.count * 1000) / Clock.seconds(since: start), 0)
    }

    private func fastBatches(_ root: String, _ n: (Int) -> Int, _ result: inout [String: Any]) throws {
        // Batched list appends again with `.fast` durability: the CPU cost without the fsync.
        let fast = try Store.open(
            at: root + "/fast",
            options: StoreOptions(durability: .fast, autoTrainThreshold: 1000)
        )
        var fastGenerator = try StoreBenchMessages(seed: 8)
        var fastSeconds = 0.0
        var fastCount = 0
        let rounds = try (0..<n(40) + 2).map { _ in try MessageBatch(&fastGenerator, count: 1000) }
        for (round, batch) in rounds.enumerated() {
            let start = Clock.now()
            try fast.write { writer in _ = try batch.putList(writer) }
            if round >= 2 {
                fastSeconds += Clock.seconds(since: start)
                fastCount += batch.bytes.count
            }
        }
        result["append_small_batched_fast_per_s"] = round(Double(fastCount) / fastSeconds, 0)
    }

    /// The compression ratios of messages shaped like a demo's (`StoreBenchMessages.Shape`): with the store's
    /// codec for messages (the update's words delta coded, the rest through a dictionary trained on the first
    /// batch), and as plain zstd (no dictionary, no delta coding). `ratio_messages_*`: the default demo's (the seed's
    /// task); `ratio_messages_digits_*`: the digits demo's.
    private func messageRatios(_ root: String, _ result: inout [String: Any]) throws {
        for (shape, name, keys) in [
            (StoreBenchMessages.Shape.seedDemo, "seed", "messages"), (.digitsDemo, "digits", "messages_digits"),
        ] {
            // 500 a batch (200 for a quick run): two to train the dictionary on, three measured.
            let perBatch = max(200, min(500, Int(500 * scale)))
            var generator = try StoreBenchMessages(seed: 9, shape: shape)
            let batches = try (0..<5).map { _ in try MessageBatch(&generator, count: perBatch) }
            let puts = batches.map { batch in { (writer: StoreBatch) in _ = try batch.putList(writer) } }
            let coded = try messageCost(
                root + "/ratios-\(name)",
                threshold: perBatch,
                training: Array(puts.prefix(2)),
                measured: Array(puts.dropFirst(2))
            )
            result["ratio_\(keys)_dict"] = round(Double(coded.raw) / Double(coded.stored), 3)
            result["message_\(name)_bytes_avg"] = coded.raw / coded.count
            result["message_\(name)_stored_bytes_avg"] = coded.stored / coded.count
            let plain = try messageCost(
                root + "/plain-\(name)",
                threshold: nil,
                training: [],
                measured: batches.dropFirst(2).map { batch in { _ = try $0.put(.message, contentsOf: batch.bytes) } }
            )
            result["ratio_\(keys)_nodict"] = round(Double(plain.raw) / Double(plain.stored), 3)
        }
    }

    /// The same messages as the JSON the Python reference sends (hex hashes, field names), with and without a
    /// dictionary: what the ratio targets look like on a verbose encoding, next to the bytes a message costs.
    private func jsonMessages(_ root: String, _ result: inout [String: Any]) throws {
        var generator = try StoreBenchMessages(seed: 9, shape: .digitsDemo)
        let batches = try (0..<5).map { _ in
            try (0..<1000).map { _ in try StoreBenchMessages.referenceJSON(generator.nextMessage()) }
        }
        let puts = batches.map { batch in { (writer: StoreBatch) in _ = try writer.put(.message, contentsOf: batch) } }
        let coded = try messageCost(
            root + "/json",
            threshold: 1000,
            training: Array(puts.prefix(2)),
            measured: Array(puts.dropFirst(2))
        )
        result["ratio_messages_json_dict"] = round(Double(coded.raw) / Double(coded.stored), 3)
        result["message_json_stored_bytes_avg"] = coded.stored / coded.count
        result["message_json_bytes_avg"] = coded.raw / coded.count
        let plain = try messageCost(
            root + "/json-plain",
            threshold: nil,
            training: [],
            measured: Array(puts.dropFirst(2))
        )
        result["ratio_messages_json_nodict"] = round(Double(plain.raw) / Double(plain.stored), 3)
    }

    /// Runs `training` then `measured` (each one write) on a fresh store at `path` that trains a message
    /// dictionary at `threshold` objects (never when `nil`); returns the count, raw and stored bytes of the messages
    /// `measured` added.
    private func messageCost(
        _ path: String,
        threshold: Int?,
        training: [(StoreBatch) throws -> Void],
        measured: [(StoreBatch) throws -> Void]
    ) throws -> (count: Int, raw: Int, stored: Int) {
        let store = try Store.open(at: path, options: StoreOptions(autoTrainThreshold: threshold))
        func totals() throws -> (Int, Int, Int) {
            let kind = try store.statistics().kinds.first { $0.kind == "message" }
            return (Int(kind?.count ?? 0), Int(kind?.rawBytes ?? 0), Int(kind?.storedBytes ?? 0))
        }
        for put in training { try store.write(put) }
        let before = try totals()
        for put in measured { try store.write(put) }
        let after = try totals()
        return (after.0 - before.0, after.1 - before.1, after.2 - before.2)
    }

    private func blobs(_ root: String, _ result: inout [String: Any]) throws {
        // Space overhead of incompressible 1 MiB objects: LMDB pages of the object index and the values versus raw
        // bytes.
        let blobs = try Store.open(at: root + "/blobs", options: StoreOptions(autoTrainThreshold: nil))
        var blobRandom = BenchRandom(seed: 5)
        let blobCount = 32
        for _ in 0..<blobCount { try blobs.put(.blob, blobRandom.bytes(1 << 20)) }
        let objectCollections: Set<String> = ["objects", "values"]
        let pages = try blobs.statistics().collections.filter { objectCollections.contains($0.name) }
            .reduce(0) { $0 + $1.bytes }
        let raw = blobCount << 20
        result["overhead_1mib_pct"] = round(Double(pages - raw) / Double(raw) * 100, 3)
    }
}

func round(_ value: Double, _ places: Int) -> Double {
    let factor = pow(10, Double(places))
    return (value * factor).rounded() / factor
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let index = min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))
    return sorted[index]
}

/// Monotonic time for benchmarks.
enum Clock {
    static func now() -> UInt64 { TerminalProgress.nanoseconds() }
    static func seconds(since start: UInt64) -> Double { Double(now() - start) / 1e9 }
}
