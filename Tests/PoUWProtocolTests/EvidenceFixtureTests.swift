import Foundation
import PoUWCore
import PoUWEconomics
import PoUWProtocol
import Testing

/// The canonical bytes of every EVIDENCE payload record (0x58, 0x59, 0x5a) and of an economics `Evidence` (0x73)
/// carrying one, pinned in `Fixtures/protocol/evidence-v1.txt` (`name hex` per line). Regenerate only for an
/// intended format change: `POUW_REGENERATE_FIXTURES=1 swift test --filter EvidenceFixtureTests`.
@Suite("Golden fixtures: EVIDENCE payloads")
struct EvidenceFixtureTests {
    static let path = DigitsWorld.root.appendingPathComponent("Fixtures/protocol/evidence-v1.txt").path

    /// (name, bytes) of every sample, built from `Samples` (deterministic keys; Ed25519 signing is deterministic).
    static func samples() throws -> [(String, [UInt8])] {
        let first = Samples.message(sequence: 4, previous: Samples.h("p"))
        var body = first.body
        body.loss = 1.25
        let double = try DoubleSignatureProof(first, try body.signed(with: Samples.signer(7)))
        let large = try Self.largeDoubleSignature()
        let h3 = try EvidenceCheckerTests.history(["a", "b", "c"])
        let fork3 = try EvidenceCheckerTests.history(["a", "x", "c"])
        let h2 = try EvidenceCheckerTests.history(["a", "b"])
        let fork5 = try EvidenceCheckerTests.history(["a", "x", "c", "d", "e"])
        let same = try EquivocationProof(
            EvidenceCheckerTests.checkpoint(h3),
            EvidenceCheckerTests.checkpoint(fork3),
            history: nil
        )
        let prefix = try EquivocationProof(
            EvidenceCheckerTests.checkpoint(h2),
            EvidenceCheckerTests.checkpoint(fork5),
            history: fork5
        )
        let ticket = Samples.h("ticket")
        return [
            (
                "failed-replay-proof",
                FailedReplayProof(messageHash: Samples.message(sequence: 3, previous: Samples.h("p")).hash)
                    .canonicalBytes
            ),
            ("double-signature-proof", double.canonicalBytes),
            ("double-signature-proof-by-hash", large.canonicalBytes),
            ("equivocation-proof-same-size", same.canonicalBytes),
            ("equivocation-proof-prefix", prefix.canonicalBytes),
            (
                "evidence-double-signature",
                PoUWEconomics.Evidence.doubleSignature(double, ticket: ticket).canonicalBytes
            ),
            (
                "evidence-equivocating-checkpoint",
                PoUWEconomics.Evidence.equivocatingCheckpoint(prefix, ticket: ticket).canonicalBytes
            ),
        ]
    }

    /// Two messages of one slot whose updates are too large to embed (16 384 words each): a v2 (by hash) proof.
    static func largeDoubleSignature() throws -> DoubleSignatureProof {
        var body = Samples.body(sequence: 9, previous: Samples.h("p"))
        body.update = try SparseUpdateWords(words: (0..<UInt32(16_384)).map { $0 * 2 })
        let a = try body.signed(with: Samples.signer(7))
        body.loss = 2.5
        return try DoubleSignatureProof(a, try body.signed(with: Samples.signer(7)))
    }

    @Test func bytesArePinnedAndDecodeBack() throws {
        let samples = try Self.samples()
        let rendered = samples.map { "\($0.0) \(Hex.encode($0.1))\n" }.joined()
        if ProcessInfo.processInfo.environment["POUW_REGENERATE_FIXTURES"] == "1" {
            try rendered.write(toFile: Self.path, atomically: true, encoding: .utf8)
        }
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        #expect(text == rendered, "an EVIDENCE format changed; see Fixtures/README.md")
        let checker = ReplayEvidenceChecker(artefacts: MemoryArtefacts())
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            let name = String(parts[0])
            let bytes = try #require(Hex.decode(parts[1]))
            switch name {
            case "failed-replay-proof":
                #expect(try FailedReplayProof(canonicalBytes: bytes).canonicalBytes == bytes)
            case "double-signature-proof", "double-signature-proof-by-hash":
                #expect(try DoubleSignatureProof(canonicalBytes: bytes).canonicalBytes == bytes)
            case "equivocation-proof-same-size", "equivocation-proof-prefix":
                #expect(try EquivocationProof(canonicalBytes: bytes).canonicalBytes == bytes)
            default:
                // The self-contained kinds are proven from the fixture bytes alone.
                let evidence = try PoUWEconomics.Evidence(canonicalBytes: bytes)
                #expect(evidence.canonicalBytes == bytes)
                #expect(checker.check(evidence) == .proven, "\(name)")
            }
        }
        #expect(text.split(separator: "\n").count == samples.count)
    }
}
