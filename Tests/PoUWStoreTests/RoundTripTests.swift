import Foundation
import PoUWCore
import PoUWStore
import PoUWZstd
import Testing

@Suite("Store objects round trip")
struct RoundTripTests {
    @Test("every kind round-trips, reopened, with the codec its kind calls for")
    func everyKindRoundTrips() throws {
        try withTemporaryDirectory { dir in
            var keys: [(ObjectKind, [UInt8], Hash256)] = []
            do {
                let store = try Store.open(at: dir)
                for (kind, bytes) in sampleObjects() {
                    let hash = try store.put(kind, bytes)
                    #expect(hash == Hash256.sha256(bytes))
                    keys.append((kind, bytes, hash))
                }
            }
            let store = try Store.open(at: dir, options: StoreOptions(readOnly: true))
            for (kind, bytes, hash) in keys {
                #expect(try store.get(hash) == bytes)
                #expect(try store.kind(of: hash) == kind)
                #expect(try store.contains(hash))
                let (header, stored) = try store.read { view in (try view.header(of: hash), try view.storedValue(hash))
                }
                let value = try #require(stored)
                let rawHeader = ValueHeader(kind: kind, codec: .raw, rawLength: bytes.count).bytes
                #expect(value.count <= rawHeader.count + bytes.count, "never more than raw + header")
                if kind == .checkpoint || kind == .denseTensor { #expect(header?.codec == .shuffle4Zstd) }
                if kind == .sparseUpdate { #expect(header?.codec == .sparseDeltaZstd) }
                if kind == .batch { #expect(header?.codec == .zstd) }
            }
            let random = keys.first { $0.1.count == 3000 }
            #expect(try store.read { try $0.header(of: random!.2)?.codec } == .raw, "incompressible bytes stay raw")
        }
    }

    @Test("a dense value whose length is not a multiple of 4 is stored as 4 byte planes plus its last bytes")
    func shuffleKeepsTheTail() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            let (_, bytes) = try #require(sampleObjects().last)
            #expect(bytes.count % 4 == 3)
            let hash = try store.put(.checkpoint, bytes)
            #expect(try store.get(hash) == bytes)
            let value = try #require(try store.read { try $0.storedValue(hash) })
            let header = try #require(try store.read { try $0.header(of: hash) })
            #expect(header.codec == .shuffle4Zstd)
            let frame = value.dropFirst(header.bytes.count)
            let planes = try Array(frame).withUnsafeBytes {
                try Zstd.decompress(RawSpan(_unsafeBytes: $0), limit: bytes.count)
            }
            let n = bytes.count / 4
            for i in [0, 1, n / 2, n - 1] {
                #expect(
                    [planes[i], planes[n + i], planes[2 * n + i], planes[3 * n + i]] == Array(bytes[4 * i..<4 * i + 4])
                )
            }
            #expect(Array(planes.suffix(3)) == Array(bytes.suffix(3)))
        }
    }

    @Test("fastestRead stores a value raw; the first put decides, get and verify are unchanged")
    func fastestReadIsRaw() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            let objects = sampleObjects().filter { $0.0 == .checkpoint }
            #expect(objects.count == 2)
            let fast = try store.put(.checkpoint, objects[0].1, preference: .fastestRead)
            let small = try store.write { try $0.put(.checkpoint, objects[1].1, preference: .smallest) }
            func codec(_ hash: Hash256) throws -> Codec? {
                try store.read { try $0.header(of: hash)?.codec }
            }
            #expect(try codec(fast) == .raw)
            #expect(try codec(small) == .shuffle4Zstd)
            // Putting the same bytes with the other preference is still a no-op.
            try store.put(.checkpoint, objects[0].1)
            try store.put(.checkpoint, objects[1].1, preference: .fastestRead)
            #expect(try codec(fast) == .raw)
            #expect(try codec(small) == .shuffle4Zstd)
            #expect(try store.get(fast) == objects[0].1)
            let underCheck = try store.getCheckingConcurrently(fast)
            #expect(underCheck.bytes == objects[0].1)
            try underCheck.verified()
            #expect(try store.verify().ok)
        }
    }

    @Test("put is idempotent: same key, one copy, counters unchanged")
    func idempotentPut() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            let bytes = Array("the same bytes".utf8)
            let first = try store.put(.blob, bytes)
            let before = try store.statistics()
            let second = try store.put(.blob, bytes)
            let third = try store.write { try $0.put(.blob, bytes) }
            #expect(first == second && second == third)
            let after = try store.statistics()
            #expect(after.kinds.map(\.count) == before.kinds.map(\.count))
            #expect(indexEntries(after) == 1)
            #expect(after.collections.first { $0.name == "values" }?.entries == 1, "one stored value")
        }
    }

    @Test("put(contentsOf:) stores exactly what one put per object stores: same keys, values and counters")
    func putContentsOfMatchesSinglePuts() throws {
        try withTemporaryDirectory { dir in
            var random = TestRandom(17)
            // Enough objects for several encoding threads; a repeat inside the list, one already stored, and a
            // compressible and an incompressible mix.
            var objects = (0..<400).map { i in
                i % 3 == 0
                    ? Array("message \(i) ".utf8) + random.bytes(300) : Array(repeating: UInt8(i % 251), count: 500)
            }
            objects.append(objects[7])
            let one = try Store.open(at: dir + "/one")
            let many = try Store.open(at: dir + "/many")
            try one.put(.message, objects[42])
            try many.put(.message, objects[42])
            let single = try one.write { batch in try objects.map { try batch.put(.message, $0) } }
            let batched = try many.write { batch in try batch.put(.message, contentsOf: objects) }
            #expect(batched == single)
            #expect(batched == objects.map { Hash256.sha256($0) })
            for hash in Set(single) {
                #expect(try one.read { try $0.storedValue(hash) } == many.read { try $0.storedValue(hash) })
            }
            #expect(try one.statistics().kinds.map(\.count) == many.statistics().kinds.map(\.count))
            #expect(try many.statistics().kinds.first?.count == UInt64(Set(single).count))
            #expect(try many.verify().ok)
            let tooLarge = try Store.open(at: dir + "/limit", options: StoreOptions(maxObjectSize: 1000))
            let error = #expect(throws: StoreError.self) {
                try tooLarge.write { try $0.put(.blob, contentsOf: [[1], [UInt8](repeating: 0, count: 1001)]) }
            }
            #expect(error?.code == .invalidArgument)
            #expect(try tooLarge.statistics().kinds.isEmpty, "nothing of a refused list is stored")
        }
    }

    @Test("a batch commits all or nothing")
    func batchIsAtomic() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            struct Abort: Error {}
            #expect(throws: Abort.self) {
                try store.write { batch throws in
                    try batch.put(.blob, [1, 2, 3])
                    try batch.appendBlock(height: 0, hash: .zero)
                    throw Abort()
                }
            }
            #expect(try store.contains(Hash256.sha256([1, 2, 3])) == false)
            #expect(try store.read { try $0.tipHeight() } == nil)
        }
    }

    @Test("dictionaries: trained, used, kept, and old values stay readable after retraining")
    func dictionaries() throws {
        try withTemporaryDirectory { dir in
            var random = TestRandom(9)
            func message(_ i: Int) -> [UInt8] {
                Array("IT_RES task=alpha miner=\(i % 5) epoch=\(i / 100) loss=0.\(i % 97) acc=0.\(i % 89) ".utf8)
                    + random.bytes(16) + Array(repeating: UInt8(i % 3), count: 40)
            }
            var first: [Hash256] = []
            var firstID: UInt32 = 0
            do {
                let store = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: 300))
                try store.write { batch in for i in 0..<400 { first.append(try batch.put(.message, message(i))) } }
                // Automatic training ran after that commit.
                let list = store.dictionaryList
                #expect(list.count == 1 && list[0].kind == .message && list[0].current)
                firstID = list[0].id
                let later = try store.put(.message, message(1000))
                #expect(try store.read { try $0.header(of: later) }?.dictionaryID == firstID)
                // Retrain explicitly: a new dictionary becomes current, the old one is kept.
                try store.write { batch in for i in 400..<900 { first.append(try batch.put(.message, message(i))) } }
                let trained = try store.trainDictionaries(kinds: [.message], minimumSamples: 100)
                #expect(trained[.message] != nil)
                #expect(store.dictionaryList.count == 2)
            }
            let store = try Store.open(at: dir, options: StoreOptions(readOnly: true))
            #expect(store.dictionaryList.count == 2)
            #expect(store.dictionary(id: firstID) != nil)
            for hash in first { _ = try store.get(hash) }
            let report = try store.verify()
            #expect(report.ok)
        }
    }
}
