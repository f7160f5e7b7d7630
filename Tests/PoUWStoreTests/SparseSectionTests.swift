import Foundation
import PoUWCore
import PoUWZstd
import Testing

@testable import PoUWStore

/// `Codec.sparseSectionZstd`: a record's non-decreasing u32 words delta coded, the rest as it is, in one zstd frame
/// (with the kind's dictionary when it has one). Tests: round trips through the transform and the store, the
/// fall-backs, the pinned stream layout, malformed streams, and the stock `zstd` tool.
@Suite("Sparse section codec")
struct SparseSectionTests {
    /// A record of `prefix` random bytes, `count` increasing words (the +τ ones, then the −τ ones, as an
    /// iteration message orders them) and `suffix` random bytes; returns it with the words' byte range.
    static func record(prefix: Int, count: Int, suffix: Int, seed: UInt64) -> ([UInt8], Range<Int>) {
        var random = TestRandom(seed)
        var indices = Set<UInt32>()
        while indices.count < count { indices.insert(UInt32(random.next() % 6_570)) }
        let words = indices.sorted().map { $0 | (random.next() & 1 == 0 ? 0 : 1 << 31) }.sorted()
        // A message-like prefix: a part every record shares (what a dictionary learns), then random bytes.
        var bytes = (0..<prefix).map { $0 < 64 ? UInt8($0 * 7 % 251) : UInt8(truncatingIfNeeded: random.next()) }
        for word in words { withUnsafeBytes(of: word.littleEndian) { bytes += $0 } }
        bytes += (0..<suffix).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        return (bytes, prefix..<prefix + 4 * count)
    }

    @Test("the transform round-trips records of every shape")
    func transformRoundTrips() throws {
        for (seed, shape) in [(0, 8, 0), (0, 8, 5), (8, 8, 0), (300, 1000, 164), (2, 200, 3)].enumerated() {
            let (bytes, words) = Self.record(prefix: shape.0, count: shape.1, suffix: shape.2, seed: UInt64(seed))
            let stream = try #require(SparseSection.encode(bytes, words: words))
            #expect(stream.count <= SparseSection.streamLimit(size: bytes.count))
            let decoded = stream.withUnsafeBytes { SparseSection.decode($0, size: bytes.count) }
            #expect(decoded == bytes, "shape \(shape)")
        }
    }

    @Test("ranges that are not whole, ordered words are refused")
    func refusedRanges() {
        let (bytes, words) = Self.record(prefix: 10, count: 20, suffix: 10, seed: 3)
        #expect(SparseSection.encode(bytes, words: words.lowerBound..<words.upperBound - 1) == nil)  // not whole
        #expect(SparseSection.encode(bytes, words: words.lowerBound..<bytes.count + 4) == nil)  // outside
        var disordered = bytes
        disordered[words.lowerBound + 3] = 0xFF  // the first word above all the others
        #expect(SparseSection.encode(disordered, words: words) == nil)
    }

    @Test("the stream layout is pinned")
    func pinnedLayout() {
        // Prefix AA BB, words 1, 2, 300, 0x80000005 (eight of them: four repeated), suffix CC.
        let values: [UInt32] = [1, 2, 300, 300, 300, 300, 0x8000_0005, 0x8000_0005]
        var bytes: [UInt8] = [0xAA, 0xBB]
        for value in values { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        bytes.append(0xCC)
        let stream = SparseSection.encode(bytes, words: 2..<34)
        #expect(
            stream == [
                0x02, 0x08, 0xAA, 0xBB,  // offset 2, 8 words, the bytes before
                0x01, 0x01, 0xAA, 0x02, 0x00, 0x00, 0x00,  // deltas 1, 1, 298, 0, 0, 0
                0xD9, 0xFD, 0xFF, 0xFF, 0x07, 0x00,  // 0x80000005 − 300, 0
                0xCC,  // the bytes after
            ]
        )
        let fields: [UInt8] = [0x01, 0x04, 0x05, 0x23, 0xC5, 0xC6, 0x04]  // version, kind, codec 5, 35, dictionary
        #expect(
            ValueHeader(kind: .message, codec: .sparseSectionZstd, rawLength: 35, dictionaryID: 0x12345).bytes
                == fields + [ValueHeader.crc8(fields[...])]
        )
    }

    @Test("malformed streams are refused, never trapping")
    func malformedStreams() throws {
        let (bytes, words) = Self.record(prefix: 40, count: 50, suffix: 30, seed: 5)
        let stream = try #require(SparseSection.encode(bytes, words: words))
        func decode(_ s: [UInt8], size: Int = bytes.count) -> [UInt8]? {
            s.withUnsafeBytes { SparseSection.decode($0, size: size) }
        }
        #expect(decode(Array(stream.dropLast())) == nil)  // a byte missing
        #expect(decode(stream + [0]) == nil)  // a byte left over
        #expect(decode(stream, size: bytes.count - 1) == nil)  // another declared size
        #expect(decode([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) == nil)  // offset beyond
        #expect(decode([0x00, 0xFF, 0xFF, 0x03] + bytes) == nil)  // more words than fit
        #expect(decode([]) == nil)
        // Every single-byte change and every cut either decodes to a record of the declared size or is refused.
        var random = TestRandom(11)
        for _ in 0..<2_000 {
            var mutated = stream
            let at = Int(random.next() % UInt64(mutated.count))
            mutated[at] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            if let out = decode(mutated) { #expect(out.count == bytes.count) }
            let cut = Array(stream.prefix(Int(random.next() % UInt64(stream.count))))
            #expect(decode(cut) == nil)
        }
    }

    @Test("the store keeps a record with its words delta coded, with and without the dictionary, exactly")
    func storeRoundTrip() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: nil))
            let records = (0..<40).map { Self.record(prefix: 200, count: 150 + $0, suffix: 164, seed: UInt64($0)) }
            let first = try store.write { batch in
                try batch.put(
                    .message,
                    contentsOf: records.map(\.0),
                    preferences: records.map { .smallestWithSparseWords($0.1) }
                )
            }
            #expect(try store.trainDictionaries(minimumSamples: 20)[.message] != nil)
            let (bytes, words) = Self.record(prefix: 200, count: 300, suffix: 164, seed: 99)
            let withDictionary = try store.put(.message, bytes, preference: .smallestWithSparseWords(words))
            // Out of order: the words are not coded, the record is still kept exactly.
            var shuffled = bytes
            shuffled[words.lowerBound + 3] = 0xFF
            let fallBack = try store.put(.message, shuffled, preference: .smallestWithSparseWords(words))
            try store.read { view in
                #expect(try view.header(of: first[0])?.codec == .sparseSectionZstd)
                #expect(try view.header(of: first[0])?.dictionaryID == 0)
                let header = try #require(try view.header(of: withDictionary))
                #expect(header.codec == .sparseSectionZstd && header.dictionaryID != 0)
                #expect(try view.header(of: fallBack)?.codec == .zstdDictionary)
                #expect(try #require(try view.storedValue(withDictionary)).count < bytes.count * 2 / 3)
            }
            for (index, hash) in first.enumerated() { #expect(try store.get(hash) == records[index].0) }
            #expect(try store.get(withDictionary) == bytes)
            #expect(try store.get(fallBack) == shuffled)
            #expect(try store.verify().ok)
            // Fewer than 64 words: the kind's usual codec.
            let (few, fewWords) = Self.record(prefix: 200, count: SparseSection.minimumWords - 1, suffix: 164, seed: 5)
            let fewHash = try store.put(.message, few, preference: .smallestWithSparseWords(fewWords))
            #expect(try store.read { try $0.header(of: fewHash) }?.codec == .zstdDictionary)
            #expect(try store.get(fewHash) == few)
            // One preference per object, or none.
            #expect(throws: StoreError.self) {
                try store.write { try $0.put(.message, contentsOf: [bytes], preferences: []) }
            }
        }
    }

    @Test("the stock zstd tool decodes the frame to the pinned stream, with the exported dictionary")
    func stockZstd() throws {
        let zstd = try #require(systemTool("zstd"), "zstd is installed by Tools/dev.sh")
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: nil))
            for seed in 0..<40 {
                let (bytes, words) = Self.record(prefix: 200, count: 200, suffix: 164, seed: UInt64(seed))
                try store.put(.message, bytes, preference: .smallestWithSparseWords(words))
            }
            #expect(try store.trainDictionaries(minimumSamples: 20)[.message] != nil)
            let (bytes, words) = Self.record(prefix: 200, count: 200, suffix: 164, seed: 77)
            let hash = try store.put(.message, bytes, preference: .smallestWithSparseWords(words))
            let (header, value) = try store.read { view in
                (try #require(try view.header(of: hash)), try #require(try view.storedValue(hash)))
            }
            #expect(header.codec == .sparseSectionZstd)
            let dictionaryPath = dir + "/dictionary"
            try Data(try #require(store.dictionary(id: header.dictionaryID))).write(
                to: URL(fileURLWithPath: dictionaryPath)
            )
            let frame = Data(value.dropFirst(header.bytes.count))
            let decoded = try run(zstd, ["-d", "-c", "-q", "-D", dictionaryPath], stdin: frame)
            #expect(decoded.status == 0, "\(decoded.stderr)")
            #expect([UInt8](decoded.stdout) == SparseSection.encode(bytes, words: words))
        }
    }
}
