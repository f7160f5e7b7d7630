internal import ArgumentParser
internal import Foundation
internal import PoUWCore
internal import PoUWStore

/// `pouw-bench store-fixture` (hidden): regenerates `Fixtures/store/` deterministically.
struct BenchStoreFixtureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-fixture",
        abstract: "Write the store's golden export stream and its expected hashes (Fixtures/store).",
        discussion: """
            Builds a store from deterministic data (every object kind, every collection; no trained dictionary, \
            no timestamps), exports it to OUT/export-v2.pouwexp and lists every object as "kind hash" in \
            OUT/expected-objects-v2.txt. Running it twice gives identical files. (export-v1.pouwexp and \
            expected-objects.txt, the same store without the messages stored with a sparse section, were written \
            by the version-1 exporter and stay as they are: the importer reads both versions.)

            Example: swift run pouw-bench store-fixture --out Fixtures/store
            """,
        shouldDisplay: false
    )

    @Option(help: "Output directory.") var out: String

    func run() throws {
        let scratch = NSTemporaryDirectory() + "pouw-store-fixture-\(getpid())"
        try? FileManager.default.removeItem(atPath: scratch)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let store = try Store.open(at: scratch, options: StoreOptions(autoTrainThreshold: nil))
        var random = BenchRandom(seed: 2026)
        var objects: [(ObjectKind, Hash256)] = []
        var messages = StoreBenchData.MessageGenerator(seed: 11, miners: 3)
        try store.write { batch in
            func add(_ kind: ObjectKind, _ bytes: [UInt8]) throws -> Hash256 {
                let hash = try batch.put(kind, bytes)
                objects.append((kind, hash))
                return hash
            }
            var blocks: [Hash256] = []
            for height in 0..<3 {
                _ = try add(.blockHeader, Array("header \(height) ".utf8) + random.bytes(80))
                let block = try add(
                    .block,
                    Array("block \(height) ".utf8) + random.bytes(200) + [UInt8](repeating: 7, count: 100)
                )
                blocks.append(block)
                try batch.appendBlock(height: UInt64(height), hash: block)
                try batch.putBlockRecord(block, [UInt8(height), 0, 0, 1])
                try batch.putUndo(height: UInt64(height), Array("undo \(height)".utf8))
            }
            for i in 0..<5 {
                let tx = try add(.transaction, Array("transaction \(i) pays ".utf8) + random.bytes(40))
                try batch.indexTransaction(tx, at: TransactionLocation(block: blocks[i % 3], position: UInt32(i)))
            }
            let task = Hash256.sha256(Array("fixture task".utf8))
            for _ in 0..<20 {
                let message = try add(.message, messages.next())
                try batch.appendHistory(task: task, messageHash: message)
            }
            // Messages whose update words the store delta codes (`.smallestWithSparseWords`): version-2 records. Their
            // own random source leaves every other object as in export-v1.
            var sectionRandom = BenchRandom(seed: 2027)
            for i in 0..<3 {
                var words = ByteWriter()
                var word: UInt32 = 0
                for _ in 0..<(100 + 50 * i) {
                    word += UInt32(1 + sectionRandom.below(400))
                    words.u32(word)
                }
                let head = Array("sectioned message \(i) ".utf8) + sectionRandom.bytes(64)
                let bytes = head + words.bytes + sectionRandom.bytes(32)
                let range = head.count..<head.count + words.bytes.count
                objects.append((.message, try batch.put(.message, bytes, preference: .smallestWithSparseWords(range))))
            }
            for iteration in 0..<2 {
                let weights = StoreBenchData.bytes(StoreBenchData.trainedWeights(count: 4096, seed: UInt64(iteration)))
                let checkpoint = try add(.checkpoint, weights)
                try batch.putCheckpoint(
                    task: task,
                    miner: [0x02, 0xAB, UInt8(iteration)],
                    iteration: UInt64(iteration),
                    object: checkpoint
                )
            }
            _ = try add(.denseTensor, StoreBenchData.bytes((0..<1000).map { Float($0) * 0.5 }))
            for seed in 0..<2 {
                _ = try add(
                    .sparseUpdate,
                    StoreBenchData.sparseUpdate(
                        parameters: StoreBenchData.mlpParameters,
                        density: 0.002,
                        seed: UInt64(seed)
                    )
                )
            }
            let root = Hash256.sha256(Array("fixture dataset".utf8))
            for index in 0..<2 {
                let batchObject = try add(
                    .batch,
                    (0..<2048).map { UInt8(truncatingIfNeeded: ($0 * (index + 3)) % 251) }
                )
                try batch.putDatasetBatch(root: root, index: UInt64(index), object: batchObject)
            }
            _ = try add(.blob, random.bytes(1024))
            _ = try add(.blob, Array("hello".utf8))
            try batch.putState(Array("balance/alice".utf8), [0, 0, 0, 0, 0, 0, 0x27, 0x10])
            try batch.putState(Array("balance/bob".utf8), [0, 0, 0, 0, 0, 0, 0, 5])
            try batch.putState(Array("nonce/alice".utf8), [3])
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try store.export(to: out + "/export-v2.pouwexp")
        let lines = objects.map { "\($0.0) \($0.1.hex)" }.joined(separator: "\n") + "\n"
        try lines.write(toFile: out + "/expected-objects-v2.txt", atomically: true, encoding: .utf8)
        print("wrote \(objects.count) objects to \(out)/export-v2.pouwexp and \(out)/expected-objects-v2.txt")
    }
}
