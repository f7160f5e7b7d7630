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
    /// values, durable commits. The benchmark interleaves its rounds with the store's own, so that both meet the
    /// same disk (the machine is shared).
    final class Small {
        private let environment: Environment
        private let database: Database
        private var random = BenchRandom(seed: 4)
        private let value: [UInt8]

        init(directory: String, valueSize: Int) throws {
            (environment, database) = try LMDBFloor.open(directory)
            value = random.bytes(valueSize)
        }

        /// Seconds for 1,000 puts in one durable commit.
        func batch() throws -> Double {
            let keys = (0..<1000).map { _ in random.bytes(32) }
            let start = Clock.now()
            try environment.write { txn in
                for key in keys { try txn.put(database, key, value, flags: .noOverwrite) }
            }
            return Clock.seconds(since: start)
        }

        /// Seconds for one put in its own durable commit.
        func single() throws -> Double {
            let key = random.bytes(32)
            let start = Clock.now()
            try environment.write { try $0.put(database, key, value, flags: .noOverwrite) }
            return Clock.seconds(since: start)
        }
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
