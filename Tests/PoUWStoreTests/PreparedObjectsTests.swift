import Foundation
import PoUWCore
import Synchronization
import Testing

@testable import PoUWStore

@Suite("Objects prepared ahead of their write")
struct PreparedObjectsTests {
    /// Message-like objects (some with a sparse words section, some repeated) and their preferences.
    func messages(_ count: Int, seed: UInt64) -> (bytes: [[UInt8]], preferences: [StoragePreference]) {
        var random = TestRandom(seed)
        var bytes: [[UInt8]] = []
        var preferences: [StoragePreference] = []
        for i in 0..<count {
            if i % 50 == 49, let earlier = bytes.first {
                bytes.append(earlier)
                preferences.append(.smallest)
                continue
            }
            var words: [UInt8] = []
            var word: UInt32 = 0
            let wordCount = i % 3 == 0 ? 100 : 10
            for _ in 0..<wordCount {
                word += UInt32(1 + random.below(300))
                withUnsafeBytes(of: word.littleEndian) { words.append(contentsOf: $0) }
            }
            let head = Array("message \(i) ".utf8) + random.bytes(40)
            bytes.append(head + words + random.bytes(64))
            preferences.append(.smallestWithSparseWords(head.count..<head.count + words.count))
        }
        return (bytes, preferences)
    }

    /// Every object's key and stored value, in key order.
    func contents(_ store: Store, _ keys: [Hash256]) throws -> [Hash256: [UInt8]] {
        try store.read { view in
            var values: [Hash256: [UInt8]] = [:]
            for key in keys { values[key] = try view.storedValue(key) }
            return values
        }
    }

    @Test("a stream of prepared batches stores exactly what list puts store, whatever the timing")
    func sameAsListPuts() throws {
        try withTemporaryDirectory { dir in
            let batches = (0..<6).map { messages(300, seed: UInt64($0)) }
            let serial = try Store.open(at: dir + "/serial", options: StoreOptions(autoTrainThreshold: nil))
            let pipelined = try Store.open(at: dir + "/pipelined", options: StoreOptions(autoTrainThreshold: nil))
            // The same first batch and dictionary in both (training is deterministic).
            let first = messages(400, seed: 99)
            for store in [serial, pipelined] {
                try store.write { _ = try $0.put(.message, contentsOf: first.bytes, preferences: first.preferences) }
                try store.trainDictionaries(kinds: [.message])
            }
            var serialKeys: [Hash256] = []
            for batch in batches {
                serialKeys += try serial.write {
                    try $0.put(.message, contentsOf: batch.bytes, preferences: batch.preferences)
                }
            }
            var pipelinedKeys: [Hash256] = []
            var next = try pipelined.prepare(.message, batches[0].bytes, preferences: batches[0].preferences)
            for index in batches.indices {
                let current = next
                if index + 1 < batches.count {
                    next = try pipelined.prepare(
                        .message,
                        batches[index + 1].bytes,
                        preferences: batches[index + 1].preferences
                    )
                }
                #expect(try current.keys() == batches[index].bytes.map { Hash256.sha256($0) })
                pipelinedKeys += try pipelined.write { try $0.put(current) }
            }
            #expect(pipelinedKeys == serialKeys)
            // The same dictionary and codecs: the stored values are the same bytes.
            #expect(try contents(pipelined, pipelinedKeys) == contents(serial, serialKeys))
            #expect(try pipelined.read { try $0.objectCount() } == serial.read { try $0.objectCount() })
            #expect(try pipelined.verify().ok)
            for (key, bytes) in zip(pipelinedKeys, batches.flatMap(\.bytes)) {
                #expect(try pipelined.get(key) == bytes)
            }
        }
    }

    @Test("objects of several kinds keep their own codecs; a second put of the same prepared objects adds nothing")
    func mixedKindsAndRetry() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/store")
            let objects = sampleObjects(3).map { (kind: $0.0, bytes: $0.1) }
            let prepared = try store.prepare(objects)
            #expect(prepared.count == objects.count)
            let keys = try store.write { try $0.put(prepared) }
            let statistics = try store.statistics()
            #expect(try store.write { try $0.put(prepared) } == keys)
            #expect(try store.statistics().kinds.map(\.count) == statistics.kinds.map(\.count))
            for (key, object) in zip(keys, objects) {
                #expect(try store.read { try $0.object(key) } == (object.kind, object.bytes))
                #expect(try store.kind(of: key) == object.kind)
            }
            #expect(try store.verify().ok)
        }
    }

    @Test("values prepared before a new dictionary is trained are put and read back (the old dictionary stays)")
    func preparedAcrossTraining() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/store", options: StoreOptions(autoTrainThreshold: nil))
            let first = messages(400, seed: 1)
            try store.write { _ = try $0.put(.message, contentsOf: first.bytes, preferences: first.preferences) }
            let firstID = try #require(try store.trainDictionaries(kinds: [.message])[.message])
            let later = messages(300, seed: 2)
            let prepared = try store.prepare(.message, later.bytes, preferences: later.preferences)
            _ = try prepared.keys()
            let other = messages(400, seed: 5)
            try store.write { _ = try $0.put(.message, contentsOf: other.bytes, preferences: other.preferences) }
            let secondID = try #require(try store.trainDictionaries(kinds: [.message])[.message])
            #expect(secondID != firstID)
            let keys = try store.write { try $0.put(prepared) }
            let ids = try store.read { view in Set(try keys.compactMap { try view.header(of: $0)?.dictionaryID }) }
            #expect(ids.contains(firstID) && !ids.contains(secondID))
            for (key, bytes) in zip(keys, later.bytes) { #expect(try store.get(key) == bytes) }
            #expect(try store.verify().ok)
        }
    }

    @Test("refused: another store's prepared objects, a preference count that does not match, an oversized object")
    func refused() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/a", options: StoreOptions(maxObjectSize: 1 << 16))
            let other = try Store.open(at: dir + "/b")
            let batch = messages(20, seed: 3)
            let foreign = try other.prepare(.message, batch.bytes)
            let error = #expect(throws: StoreError.self) { try store.write { try $0.put(foreign) } }
            #expect(error?.code == .invalidArgument)
            #expect(try store.read { try $0.objectCount() } == 0)
            let mismatch = #expect(throws: StoreError.self) {
                try store.prepare(.message, batch.bytes, preferences: [.smallest])
            }
            #expect(mismatch?.code == .invalidArgument)
            let oversized = #expect(throws: StoreError.self) {
                try store.prepare(.blob, [[1, 2, 3], [UInt8](repeating: 7, count: 1 << 17)])
            }
            #expect(oversized?.code == .invalidArgument)
        }
    }

    @Test("prepared objects dropped unput stop early and leave the store and later writes untouched")
    func droppedUnput() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/store")
            for seed in 0..<8 {
                let batch = messages(2000, seed: UInt64(seed))
                _ = try store.prepare(.message, batch.bytes, preferences: batch.preferences)
            }
            #expect(try store.read { try $0.objectCount() } == 0)
            let batch = messages(500, seed: 9)
            let keys = try store.write { try $0.put(try store.prepare(.message, batch.bytes)) }
            #expect(keys == batch.bytes.map { Hash256.sha256($0) })
            #expect(try store.verify().ok)
        }
    }

    @Test("several threads may wait for the same prepared objects while one puts them: each gets every key")
    func concurrentConsumers() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/store")
            let batch = messages(3000, seed: 11)
            let expected = batch.bytes.map { Hash256.sha256($0) }
            for _ in 0..<5 {
                let prepared = try store.prepare(.message, batch.bytes, preferences: batch.preferences)
                let results = Mutex<[[Hash256]]>([])
                DispatchQueue.concurrentPerform(iterations: 4) { thread in
                    let keys =
                        thread == 0
                        ? try? store.write { try $0.put(prepared) } : try? prepared.keys()
                    results.withLock { $0.append(keys ?? []) }
                }
                #expect(results.withLock { $0 } == Array(repeating: expected, count: 4))
            }
            #expect(try store.read { try $0.objectCount() } == Set(expected).count)
        }
    }
}
