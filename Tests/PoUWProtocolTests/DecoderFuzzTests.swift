import Foundation
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWFuzzSupport
import PoUWProtocol
import Testing

/// Throws random and mutated inputs at every protocol decoder that reads bytes from another node or from a store:
/// each must either throw a `CanonicalDecodingError` or decode to a value whose canonical encoding is exactly the
/// input (one encoding per value), never crash. Seeds are real encodings (the golden fixtures, `Samples`,
/// `TaskGroup`); 100,000 inputs per decoder by default, 2,000,000 with POUW_LONG_TESTS=1. Seeded, so a failure
/// reproduces.
@Suite("Decoder fuzz: protocol formats")
struct ProtocolDecoderFuzzTests {
    static let count = DecoderFuzz.iterations(100_000, long: 2_000_000)

    /// The golden EVIDENCE payloads (`Fixtures/protocol/evidence-v1.txt`, lines `name hex`) whose name starts with
    /// `prefix`.
    static func evidenceFixtures(_ prefix: String) throws -> [[UInt8]] {
        let text = try String(contentsOfFile: EvidenceFixtureTests.path, encoding: .utf8)
        var out: [[UInt8]] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, parts[0].hasPrefix(prefix) else { continue }
            out.append(try #require(Hex.decode(parts[1])))
        }
        return out
    }

    /// The golden IT_RES (`Fixtures/protocol/iteration-message-v1.hex`) and messages of a three-miner task group,
    /// with and without peers and updates.
    static func messages() throws -> [IterationMessage] {
        let hex = try String(
            contentsOf: SigningTests.fixtureDirectory.appendingPathComponent("iteration-message-v1.hex"),
            encoding: .utf8
        )
        var group = TaskGroup()
        let first = group.advance(0)
        let second = group.advance(1, peers: [first])
        let third = group.advance(0, peers: [second])
        return [
            try IterationMessage(
                canonicalBytes: try #require(Hex.decode(hex.trimmingCharacters(in: .whitespacesAndNewlines)))
            ),
            first, second, third,
            Samples.message(sequence: 0, peers: []),
            Samples.message(sequence: 3, previous: Samples.h("previous"), miner: 2),
        ]
    }

    /// Checkpoints of two supervisors, signed, and the ones inside the golden equivocation proofs.
    static func checkpoints() throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for (n, size) in [(UInt8(4), UInt64(0)), (5, 17), (6, 1 << 40)] {
            let unsigned = HistoryCheckpoint(
                taskID: Samples.task,
                supervisor: Samples.key(n),
                miner: Samples.key(7),
                size: size,
                root: Samples.h("root \(size)"),
                time: 1_700_000_000_000 + size,
                signature: try MessageSignature(bytes: [UInt8](repeating: 0, count: 64))
            )
            let signature = try MessageSignature(bytes: Samples.signer(n).sign(unsigned.signedBytes))
            out.append(
                HistoryCheckpoint(
                    taskID: unsigned.taskID,
                    supervisor: unsigned.supervisor,
                    miner: unsigned.miner,
                    size: unsigned.size,
                    root: unsigned.root,
                    time: unsigned.time,
                    signature: signature
                ).canonicalBytes
            )
        }
        for bytes in try evidenceFixtures("equivocation-proof") {
            let proof = try EquivocationProof(canonicalBytes: bytes)
            out += [proof.smaller.canonicalBytes, proof.larger.canonicalBytes]
        }
        return out
    }

    static let all: [DecoderFuzz.Decoder] = [
        DecoderFuzz.Decoder.canonical(UnsignedIterationMessage.self, "unsigned iteration message") {
            try messages().map(\.body.canonicalBytes)
                + [Samples.body(sequence: 0, update: .empty, peers: []).canonicalBytes]
        },
        // The signed message keeps the bytes it was decoded from: re-encode its body to check that they are canonical.
        DecoderFuzz.Decoder(
            "iteration message",
            seeds: { try messages().map(\.canonicalBytes) },
            roundTrip: { input in
                let message = try IterationMessage(canonicalBytes: input)
                return message.body.canonicalBytes + message.signature.bytes
            }
        ),
        DecoderFuzz.Decoder(
            "sparse update words",
            seeds: {
                [
                    Samples.defaultUpdate.canonicalBytes, SparseUpdateWords.empty.canonicalBytes,
                    try SparseUpdateWords(words: [0x8000_0000, 0xffff_fffe]).canonicalBytes,
                ]
            },
            roundTrip: { input in
                var reader = ByteReader(input)
                let update = try SparseUpdateWords(from: &reader)
                try reader.finish()
                return update.canonicalBytes
            }
        ),
        DecoderFuzz.Decoder.canonical(HistoryCheckpoint.self, "history checkpoint") { try checkpoints() },
        DecoderFuzz.Decoder.canonical(FailedReplayProof.self, "failed replay proof") {
            try evidenceFixtures("failed-replay-proof")
        },
        DecoderFuzz.Decoder.canonical(DoubleSignatureProof.self, "double signature proof") {
            // Embedded (v1) from the fixture and from the task group; by hash (v2).
            let group = TaskGroup()
            let message = group.next(2)
            let twin = group.next(2) { $0.loss = 7 }
            let other = group.next(2) { $0.loss = 9 }
            return try evidenceFixtures("double-signature-proof") + [
                try DoubleSignatureProof(message, other).canonicalBytes,
                try DoubleSignatureProof(twin, message).canonicalBytes,
            ]
        },
        DecoderFuzz.Decoder.canonical(EquivocationProof.self, "equivocation proof") {
            try evidenceFixtures("equivocation-proof")
        },
        DecoderFuzz.Decoder.canonical(PoUWEconomics.Evidence.self, "evidence") { try evidenceFixtures("evidence-") },
        DecoderFuzz.Decoder.canonical(BlockAttestation.self, "block attestation") {
            let key = Samples.signer(9)
            return [
                BlockAttestation.sign(
                    task: Samples.task,
                    block: Samples.h("block"),
                    ticket: Samples.h("ticket"),
                    proof: [UInt8](repeating: 3, count: 80),
                    key: key
                ).canonicalBytes,
                BlockAttestation.sign(task: .zero, block: .zero, ticket: .zero, proof: [], key: key).canonicalBytes,
            ]
        },
    ]

    @Test(arguments: all) func fuzz(decoder: DecoderFuzz.Decoder) throws {
        let problems = try decoder.fuzz(count: Self.count)
        #expect(problems.isEmpty, "\(problems)")
    }

    /// The harness can fail: a decoder planted with a defect (it ignores trailing bytes, so two encodings decode to
    /// one value) is caught within a few thousand inputs.
    @Test func fuzzerFindsAPlantedDefect() throws {
        let lax = DecoderFuzz.Decoder(
            "failed replay proof without finish()",
            seeds: { try Self.evidenceFixtures("failed-replay-proof") },
            roundTrip: { input in
                var reader = ByteReader(input)
                return try FailedReplayProof(from: &reader).canonicalBytes
            }
        )
        let problems = try lax.fuzz(count: 2_000)
        #expect(problems.contains { $0.contains("decoded, but re-encodes to") }, "\(problems)")
    }
}
