import PoUWCore
import Testing

@Suite struct ByteCodingTests {
    @Test func varintRoundTripsAndIsMinimal() throws {
        for value: UInt64 in [0, 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max] {
            var w = ByteWriter()
            w.varint(value)
            var r = ByteReader(w.bytes)
            #expect(try r.varint() == value)
            try r.finish()
        }
    }

    @Test func rejectsNonMinimalVarint() {
        var r = ByteReader([0x80, 0x00])
        #expect(throws: CanonicalDecodingError.nonMinimalVarint(offset: 0)) { try r.varint() }
    }

    @Test func rejectsOverflowingVarint() {
        var r = ByteReader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])
        #expect(throws: CanonicalDecodingError.varintOverflow(offset: 0)) { try r.varint() }
    }

    @Test func rejectsTruncationAndTrailingBytes() throws {
        var r = ByteReader([1, 2, 3])
        #expect(throws: CanonicalDecodingError.truncated(offset: 0, needed: 1)) { try r.u32() }
        _ = try r.u8()
        #expect(throws: CanonicalDecodingError.trailingBytes(offset: 1, count: 2)) { try r.finish() }
    }

    @Test func lengthLimitIsCheckedBeforeAllocation() {
        var w = ByteWriter()
        w.varint(1 << 40)
        var r = ByteReader(w.bytes)
        #expect(throws: CanonicalDecodingError.self) { try r.lengthPrefixed(field: "payload", limit: 1024) }
    }

    @Test func hashCountIsCheckedAgainstTheInputBeforeAllocation() throws {
        var w = ByteWriter()
        w.length(2)
        w.hash(Hash256.sha256([1]))
        w.hash(Hash256.sha256([2]))
        var r = ByteReader(w.bytes)
        #expect(try r.hashes(field: "h", limit: 2) == [Hash256.sha256([1]), Hash256.sha256([2])])
        try r.finish()
        // Three claimed, two present: refused at the count (offset 1), before any hash is read.
        var three = ByteReader([3] + Array(w.bytes.dropFirst()))
        #expect(throws: CanonicalDecodingError.truncated(offset: 1, needed: 32)) {
            try three.hashes(field: "h", limit: 8)
        }
        // A count whose byte size overflows Int is refused the same way.
        var huge = ByteWriter()
        huge.varint(1 << 60)
        var h = ByteReader(huge.bytes)
        #expect(throws: CanonicalDecodingError.truncated(offset: huge.bytes.count, needed: Int.max)) {
            try h.hashes(field: "h", limit: Int.max)
        }
        var over = ByteReader([9])
        #expect(throws: CanonicalDecodingError.lengthLimitExceeded(field: "h", length: 9, limit: 8)) {
            try over.hashes(field: "h", limit: 8)
        }
    }

    @Test func fixedWidthIsLittleEndian() {
        var w = ByteWriter()
        w.u32(0x0102_0304)
        w.f32(1.0)
        #expect(w.bytes == [4, 3, 2, 1, 0x00, 0x00, 0x80, 0x3f])
    }

    @Test func hashRoundTripsThroughHexAndBytes() throws {
        let h = Hash256.sha256(Array("abc".utf8))
        #expect(h.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hash256(hex: h.hex) == h)
        var w = ByteWriter()
        w.hash(h)
        var r = ByteReader(w.bytes)
        #expect(try r.hash() == h)
        #expect(Hash256.zero < h)
    }
}
