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
            .attestation([0x79, 1, 4]),
        ]
        for sample in samples {
            let bytes = sample.canonicalBytes
            #expect(bytes[0] == RecordTag.wireMessage.rawValue)
            #expect(try WireMessage(canonicalBytes: bytes) == sample)
            #expect(throws: CanonicalDecodingError.self) { try WireMessage(canonicalBytes: bytes + [0]) }
            #expect(throws: CanonicalDecodingError.self) { try WireMessage(canonicalBytes: Array(bytes.dropLast())) }
        }
        var unknown = WireMessage.block([]).canonicalBytes
        unknown[2] = 9
        #expect(throws: CanonicalDecodingError.self) { try WireMessage(canonicalBytes: unknown) }
    }
}
