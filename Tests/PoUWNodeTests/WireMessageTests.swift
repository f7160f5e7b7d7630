import PoUWCore
import PoUWNode
import PoUWProtocol
import Testing

@Suite struct WireMessageTests {
    @Test func everyKindRoundTripsAndDefectsAreNamed() throws {
        let key = try NodeKey(bytes: [UInt8](repeating: 7, count: 32))
        let samples: [WireMessage] = [
            .iteration([1, 2, 3]),
            .block([]),
            .transaction([9]),
            .checkpoint(task: Hash256.sha256([1]), miner: key, sequence: 42, state: [5, 6]),
            .selectionProof(task: Hash256.sha256([2]), ticket: Hash256.sha256([3]), proof: [8, 9], owner: key),
            .getObjects(request: 7, hashes: [Hash256.sha256([4]), Hash256.sha256([5])]),
            .getObjects(request: 0, hashes: []),
            .objects(request: 7, items: [[1], [], [2, 3]]),
            .tip(id: Hash256.sha256([6]), height: 12),
            .historyCheckpoint([0x51, 2, 4]),
            .attestation([0x79, 1, 4]),
            .taskManifest([0x81, 1, 0]),
            .endOfTraining([0x82, 1]),
            .evaluatorVote([0x83, 1]),
        ]
        for sample in samples {
            let bytes = sample.canonicalBytes
            #expect(bytes[0] == RecordTag.wireMessage.rawValue)
            #expect(try WireMessage(canonicalBytes: bytes) == sample)
            #expect(throws: CanonicalDecodingError.self) { try WireMessage(canonicalBytes: bytes + [0]) }
            #expect(throws: CanonicalDecodingError.self) { try WireMessage(canonicalBytes: Array(bytes.dropLast())) }
        }
        var unknown = WireMessage.block([]).canonicalBytes
        unknown[2] = 12  // the first kind not in use
        #expect(throws: CanonicalDecodingError.self) { try WireMessage(canonicalBytes: unknown) }
        // A history checkpoint is kind 0x20 and at most 1 KiB.
        #expect(WireMessage.historyCheckpoint([]).canonicalBytes[2] == 0x20)
        var oversized = ByteWriter()
        oversized.header(tag: .wireMessage, version: WireMessage.version)
        oversized.u8(0x20)
        oversized.lengthPrefixed([UInt8](repeating: 0, count: 1_025))
        #expect(throws: CanonicalDecodingError.self) { try WireMessage(canonicalBytes: oversized.bytes) }
    }
}
