import PoUWCore
import Testing

@testable import PoUWStore

/// `Store.getCheckingConcurrently`: the same bytes as `get`, and the same named error when they do not hash to
/// their key — only reported by `verified()`, which may run after the caller used the bytes.
@Suite("Reads whose hash check runs on another core")
struct ConcurrentCheckTests {
    /// A checkpoint-shaped object above the concurrent threshold (float planes, shuffled and compressed).
    static func largeCheckpoint(_ seed: UInt64) -> [UInt8] {
        var random = TestRandom(seed)
        var out = [UInt8]()
        out.reserveCapacity(ObjectUnderCheck.concurrentThreshold + 4_096)
        while out.count < ObjectUnderCheck.concurrentThreshold + 4_096 {
            let value = Float(Int(random.next() % 2000) - 1000) / 7919
            withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    @Test("gives exactly what get gives, small or large, every codec")
    func sameBytesAsGet() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            var random = TestRandom(9)
            let objects = sampleObjects(4) + [(.checkpoint, Self.largeCheckpoint(1)), (.blob, random.bytes(300_000))]
            for (kind, bytes) in objects {
                let hash = try store.put(kind, bytes)
                let read = try store.getCheckingConcurrently(hash)
                #expect(read.key == hash)
                #expect(read.bytes == bytes)
                #expect(read.bytes == (try store.get(hash)))
                try read.verified()
                try read.verified()  // any number of times
            }
            let absent = #expect(throws: StoreError.self) { try store.getCheckingConcurrently(Hash256.sha256([7])) }
            #expect(absent?.code == .missingObject)
        }
    }

    @Test("bytes that decode but do not hash to their key: verified() throws get's corruptValue")
    func substitutedObject() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            for (size, seed) in [(ObjectUnderCheck.concurrentThreshold + 4_096, UInt64(2)), (80_000, 3)] {
                let honest = Array(Self.largeCheckpoint(seed).prefix(size))
                var other = honest
                other[size / 2] ^= 0x01
                // The key of `honest` holding the stored value of `other`: every frame check passes, the hash fails.
                let otherKey = try store.put(.checkpoint, other)
                let value = try #require(try store.read { try $0.storedValue(otherKey) })
                let key = Hash256.sha256(honest)
                try store.write { batch in
                    try batch.putEncoded(hash: key, kind: .checkpoint, rawCount: other.count, value: value)
                }
                let plain = #expect(throws: StoreError.self) { try store.get(key) }
                #expect(plain?.code == .corruptValue)
                let read = try store.getCheckingConcurrently(key)
                #expect(read.bytes == other)
                for _ in 0..<2 {
                    let checked = #expect(throws: StoreError.self) { try read.verified() }
                    #expect(checked?.code == .corruptValue)
                    #expect(checked.map { "\($0)" } == plain.map { "\($0)" })
                }
            }
        }
    }
}
