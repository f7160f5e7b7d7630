internal import Foundation
internal import PoUWLMDB

/// Bare LMDB on the same disk at the same moment, for context: what the store's access patterns cost without its
/// hashing, compression and bookkeeping (the machine is shared, so absolute numbers move).
enum LMDBFloor {
    /// Durable commits per second of one 1 MiB put each.
    static func large(directory: String, count: Int) throws -> Double {
        let (environment, database) = try open(directory)
        var random = BenchRandom(seed: 3)
        var value = random.bytes(1 << 20)
        let start = Clock.now()
        for i in 0..<count {
            value[i] &+= 1
            let key = random.bytes(32)
            try environment.write { try $0.put(database, key, value) }
        }
        return Double(count) / Clock.seconds(since: start)
    }

    /// The small-object pattern of the store, bare: random 32-byte keys (content hashes) and `valueSize`-byte
    /// values. First `warmup` batches of 1,000 then `batches` timed batches of 1,000 puts per durable commit,
    /// then `single` timed durable commits of one put each on the same (by then equally full) database.
    /// Returns puts per second of both.
    static func small(
        directory: String,
        valueSize: Int,
        warmup: Int,
        batches: Int,
        single: Int
    ) throws -> (batched: Double, single: Double) {
        let (environment, database) = try open(directory)
        var random = BenchRandom(seed: 4)
        let value = random.bytes(valueSize)
        var batchedSeconds = 0.0
        for round in 0..<warmup + batches {
            let keys = (0..<1000).map { _ in random.bytes(32) }
            let start = Clock.now()
            try environment.write { txn in for key in keys { try txn.put(database, key, value, flags: .noOverwrite) } }
            if round >= warmup { batchedSeconds += Clock.seconds(since: start) }
        }
        let start = Clock.now()
        for _ in 0..<single {
            let key = random.bytes(32)
            try environment.write { try $0.put(database, key, value, flags: .noOverwrite) }
        }
        return (Double(batches * 1000) / batchedSeconds, Double(single) / Clock.seconds(since: start))
    }

    private static func open(_ directory: String) throws -> (Environment, Database) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let environment = try Environment(
            path: directory,
            databases: ["floor"],
            options: EnvironmentOptions(initialMapSize: 1 << 30)
        )
        return (environment, environment.database("floor"))
    }
}
