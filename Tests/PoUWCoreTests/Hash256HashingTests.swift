import PoUWCore
import Testing

/// `Hash256` hashes one word for sets and dictionaries; equality still compares all 32 bytes.
@Suite struct Hash256HashingTests {
    @Test func keysThatShareTheHashedWordStayDistinct() {
        // Every key has the same first word: all land in one probe chain, and each must still be found by itself.
        let keys = (0..<2_000).map { Hash256(w0: 42, w1: UInt64($0 % 7), w2: UInt64($0), w3: UInt64($0 / 3)) }
        var table: [Hash256: Int] = [:]
        for (index, key) in keys.enumerated() { table[key] = index }
        #expect(table.count == keys.count)
        for (index, key) in keys.enumerated() { #expect(table[key] == index) }
        #expect(table[Hash256(w0: 42, w1: 0, w2: 0, w3: 1)] == nil)
        #expect(Set(keys).count == keys.count)
    }

    @Test func equalHashesHashEqually() {
        let a = Hash256.sha256(Array("pouw".utf8))
        let b = Hash256(bytes: a.bytes)!
        #expect(a == b && a.hashValue == b.hashValue)
        var hasherA = Hasher()
        var hasherB = Hasher()
        a.hash(into: &hasherA)
        b.hash(into: &hasherB)
        #expect(hasherA.finalize() == hasherB.finalize())
    }
}
