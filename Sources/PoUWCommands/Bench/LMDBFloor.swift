internal import Foundation
internal import PoUWLMDB

/// Bare LMDB on the same disk at the same moment, for context: what a durable commit costs without the store's
/// hashing, compression and bookkeeping (the machine is shared, so absolute numbers move).
enum LMDBFloor {
    /// Durable commits per second of one put each: (`small` 500-byte values, `large` 1 MiB values).
    static func measure(directory: String, small: Int, large: Int) throws -> (small: Double, large: Double) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let environment = try Environment(
            path: directory,
            databases: ["floor"],
            options: EnvironmentOptions(initialMapSize: 1 << 30)
        )
        let database = environment.database("floor")
        var random = BenchRandom(seed: 3)
        let smallValue = random.bytes(500)
        var start = Clock.now()
        for _ in 0..<small {
            let key = random.bytes(32)
            try environment.write { try $0.put(database, key, smallValue) }
        }
        let smallRate = Double(small) / Clock.seconds(since: start)
        var largeValue = random.bytes(1 << 20)
        start = Clock.now()
        for i in 0..<large {
            largeValue[i] &+= 1
            let key = random.bytes(32)
            try environment.write { try $0.put(database, key, largeValue) }
        }
        return (smallRate, Double(large) / Clock.seconds(since: start))
    }
}
