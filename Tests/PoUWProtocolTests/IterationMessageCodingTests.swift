import PoUWCore
import PoUWProtocol
import Testing

@Suite struct IterationMessageCodingTests {
    let message = IterationMessage(
        body: Samples.body(sequence: 3, previous: Samples.h("prev")),
        signature: try! MessageSignature(bytes: [UInt8](repeating: 0xab, count: 64))
    )

    @Test func roundTrips() throws {
        let bytes = message.canonicalBytes
        #expect(bytes[0] == RecordTag.iterationMessage.rawValue)
        #expect(bytes[1] == 1)
        let decoded = try IterationMessage(canonicalBytes: bytes)
        #expect(decoded == message)
        #expect(decoded.hash == Hash256.sha256(bytes))
        #expect(Array(bytes.suffix(64)) == message.signature.bytes)
        #expect(Array(bytes.dropLast(64)) == message.body.canonicalBytes)
        #expect(decoded.signedBytes == decoded.body.canonicalBytes)
        #expect(decoded.hash == message.hash)
    }

    @Test func everyTruncationIsRejected() {
        let bytes = message.canonicalBytes
        for cut in 0..<bytes.count {
            #expect(throws: CanonicalDecodingError.self) { try IterationMessage(canonicalBytes: Array(bytes[..<cut])) }
        }
    }

    @Test func trailingTagAndVersionAreRejected() {
        let bytes = message.canonicalBytes
        #expect(throws: CanonicalDecodingError.trailingBytes(offset: bytes.count, count: 1)) {
            try IterationMessage(canonicalBytes: bytes + [0])
        }
        var tag = bytes
        tag[0] = RecordTag.historyCheckpoint.rawValue
        #expect(throws: CanonicalDecodingError.unexpectedTag(expected: 0x50, found: 0x51)) {
            try IterationMessage(canonicalBytes: tag)
        }
        var version = bytes
        version[1] = 2
        #expect(throws: CanonicalDecodingError.unknownVersion(tag: 0x50, version: 2)) {
            try IterationMessage(canonicalBytes: version)
        }
    }

    /// Offset of the update's count byte in a sample body with two peer messages.
    private var updateOffset: Int { 2 + 32 + 32 + 4 + 8 + 32 + 4 + 32 + 32 + 1 + 2 * 32 }

    @Test func nonCanonicalUpdatesAreRejected() throws {
        let bytes = message.canonicalBytes
        #expect(bytes[updateOffset] == 5)
        // Swap the first two words (3, 17): no longer increasing.
        var swapped = bytes
        let first = updateOffset + 1
        for i in 0..<4 { swapped.swapAt(first + i, first + 4 + i) }
        #expect(throws: CanonicalDecodingError.self) { try IterationMessage(canonicalBytes: swapped) }
        // The same index with both signs.
        #expect(throws: IterationMessageError.updateNotCanonical(position: 1)) {
            try SparseUpdateWords(words: [5, 0x8000_0005])
        }
        #expect(throws: IterationMessageError.updateNotCanonical(position: 1)) { try SparseUpdateWords(words: [5, 5]) }
        let built = try SparseUpdateWords(steps: [(9, true), (2, false), (4, true)])
        #expect(built.words == [2, 0x8000_0004, 0x8000_0009])
    }

    @Test func nonFiniteMetricsAreRejected() {
        var bytes = message.canonicalBytes
        // loss follows the update (1 + 5·4 bytes), tau and learning rate.
        let lossOffset = updateOffset + 1 + 20 + 8
        let nan = Float.nan.bitPattern
        for i in 0..<4 { bytes[lossOffset + i] = UInt8(truncatingIfNeeded: nan >> (8 * UInt32(i))) }
        #expect(throws: CanonicalDecodingError.self) { try IterationMessage(canonicalBytes: bytes) }
        #expect(throws: IterationMessageError.invalidFloat(field: "loss", bits: nan)) {
            var body = message.body
            body.loss = .nan
            try body.validate()
        }
    }

    @Test func hugeCountsAreRejectedBeforeAllocating() {
        var writer = ByteWriter()
        writer.header(tag: .iterationMessage, version: 1)
        writer.raw([UInt8](repeating: 1, count: 32 + 32 + 4 + 8 + 32 + 4 + 32 + 32))
        writer.varint(UInt64(IterationMessageLimits.maxPeerMessages) + 1)
        #expect(
            throws: CanonicalDecodingError.lengthLimitExceeded(
                field: "appliedPeerMessages",
                length: UInt64(IterationMessageLimits.maxPeerMessages) + 1,
                limit: IterationMessageLimits.maxPeerMessages
            )
        ) { try IterationMessage(canonicalBytes: writer.bytes) }
        var update = ByteWriter()
        update.varint(1 << 20)
        var reader = ByteReader(update.bytes)
        #expect(throws: CanonicalDecodingError.self) { try SparseUpdateWords(from: &reader) }
    }

    @Test func chainStartRuleHolds() {
        #expect(throws: IterationMessageError.self) {
            var body = Samples.body(sequence: 0)
            body.previousMessage = Samples.h("x")
            try body.validate()
        }
        #expect(throws: IterationMessageError.self) {
            var body = Samples.body(sequence: 1, previous: Samples.h("x"))
            body.startTime = body.finishTime + 1
            try body.validate()
        }
    }
}
