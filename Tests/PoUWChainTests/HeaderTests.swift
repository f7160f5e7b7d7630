import PoUWCore
import Testing

@testable import PoUWChain

@Suite("Block header v1")
struct HeaderTests {
    static let sample = BlockHeader(
        version: 1,
        prev: Hash256(hex: String(repeating: "11", count: 32))!,
        txRoot: Hash256(hex: String(repeating: "22", count: 32))!,
        time: 1_764_000_123,
        bits: 0x207f_ffff,
        nonce: Hash256(hex: String(repeating: "33", count: 32))!,
        msgHash: Hash256(hex: String(repeating: "44", count: 32))!,
        historyRoot: Hash256(hex: String(repeating: "55", count: 32))!
    )

    @Test func layoutAndRoundTrip() throws {
        let bytes = Self.sample.canonicalBytes
        #expect(bytes.count == BlockHeader.encodedSize)
        #expect(bytes.count == 178)
        #expect(Array(bytes[0..<6]) == [0x10, 0x01, 0x01, 0x00, 0x00, 0x00])
        #expect(Array(bytes[70..<78]) == [0x7b, 0x81, 0x24, 0x69, 0x00, 0x00, 0x00, 0x00])
        #expect(Array(bytes[78..<82]) == [0xff, 0xff, 0x7f, 0x20])
        #expect(try BlockHeader(canonicalBytes: bytes) == Self.sample)
        #expect(Self.sample.id == Hash256.sha256d(bytes))
    }

    @Test func strictDecoding() {
        var bytes = Self.sample.canonicalBytes
        #expect(throws: CanonicalDecodingError.self) { try BlockHeader(canonicalBytes: Array(bytes.dropLast())) }
        #expect(throws: CanonicalDecodingError.trailingBytes(offset: 178, count: 1)) {
            try BlockHeader(canonicalBytes: bytes + [0])
        }
        bytes[1] = 2
        #expect(throws: CanonicalDecodingError.unknownVersion(tag: 0x10, version: 2)) {
            try BlockHeader(canonicalBytes: bytes)
        }
    }
}
