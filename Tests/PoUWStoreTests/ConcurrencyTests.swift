import Foundation
import PoUWCore
import PoUWStore
import Testing

@Suite("Store concurrency and map growth")
struct ConcurrencyTests {
    @Test("readers see consistent snapshots while a writer appends, and never block")
    func readersDuringWriter() async throws {
        try await withTemporaryDirectoryAsync { dir in
            let store = try Store.open(at: dir, options: StoreOptions(durability: .fast, initialMapSize: 1 << 20))
            let task = Hash256.sha256([7])
            try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    for round in 0..<200 {
                        try store.write { batch throws in
                            for i in 0..<20 {
                                let message = try batch.put(
                                    .message,
                                    Array("round \(round) message \(i)".utf8) + [UInt8](repeating: 1, count: 300)
                                )
                                try batch.appendHistory(task: task, messageHash: message)
                            }
                        }
                    }
                    return 0
                }
                for _ in 0..<3 {
                    group.addTask {
                        var reads = 0
                        var last: UInt64 = 0
                        while last < 4000 {
                            try store.read { view throws in
                                let count = try view.historyCount(task: task)
                                #expect(count % 20 == 0, "a snapshot never shows half a batch")
                                #expect(count >= last)
                                last = count
                                if count > 0 {
                                    let hashes = try view.history(task: task, range: (count - 1)..<count)
                                    _ = try view.get(hashes[0])
                                }
                            }
                            reads += 1
                        }
                        return reads
                    }
                }
                var total = 0
                for try await reads in group { total += reads }
                #expect(total > 0)
            }
            #expect(try store.verify().ok)
        }
    }

    @Test("the map grows past its first size many times and writes keep succeeding")
    func mapGrowth() throws {
        try withTemporaryDirectory { dir in
            var hashes: [Hash256] = []
            var random = TestRandom(5)
            let store = try Store.open(at: dir, options: StoreOptions(durability: .fast, initialMapSize: 256 << 10))
            let initial = try store.statistics().mapSize
            for round in 0..<30 {
                // Mixed sizes: one batch of many small values, one single large value.
                try store.write { batch throws in
                    for _ in 0..<200 { hashes.append(try batch.put(.blob, random.bytes(600))) }
                }
                hashes.append(try store.put(.blob, random.bytes(400 << 10 + round)))
            }
            let stats = try store.statistics()
            #expect(stats.mapSize > initial * 16)
            for hash in hashes.shuffled().prefix(300) { _ = try store.get(hash) }
            #expect(try store.verify().objectsChecked == hashes.count)
        }
    }
}

func withTemporaryDirectoryAsync<R>(_ body: (String) async throws -> R) async throws -> R {
    let path = NSTemporaryDirectory() + "pouw-store-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
