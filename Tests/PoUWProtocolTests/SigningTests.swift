import Foundation
import PoUWCore
import PoUWCrypto
import PoUWProtocol
import Testing

@Suite struct SigningTests {
    @Test func signedMessagesVerify() throws {
        let message = Samples.message(sequence: 1, previous: Samples.h("p"))
        #expect(message.hasValidSignature)
        #expect(try IterationMessage(canonicalBytes: message.canonicalBytes).hasValidSignature)
        #expect(
            throws: SigningError.keyMismatch(expected: Samples.key(7))
        ) { try Samples.body(sequence: 1, previous: Samples.h("p")).signed(with: Samples.signer(8)) }
    }

    @Test func cheatAlteredUpdateBreaksTheSignature() throws {
        let message = Samples.message(sequence: 1, previous: Samples.h("p"))
        var body = message.body
        body.update = try SparseUpdateWords(words: [3, 17, 1_001, 0x8000_0004, 0x8000_0010])
        let altered = IterationMessage(body: body, signature: message.signature)
        #expect(!altered.hasValidSignature)
        // Flipping any single byte of the signed content (where it still decodes) breaks the signature.
        let bytes = message.canonicalBytes
        var decodedFlips = 0
        for i in 2..<bytes.count {
            var flipped = bytes
            flipped[i] ^= 0x01
            guard let decoded = try? IterationMessage(canonicalBytes: flipped) else { continue }
            decodedFlips += 1
            #expect(!decoded.hasValidSignature, "flip at byte \(i) still verified")
        }
        #expect(decodedFlips > bytes.count / 2)
    }

    @Test func cheatMessageSignedByAnotherKey() throws {
        let body = Samples.body(sequence: 1, previous: Samples.h("p"))
        let forged = IterationMessage(
            body: body,
            signature: try MessageSignature(bytes: Samples.signer(8).sign(body.canonicalBytes))
        )
        #expect(!forged.hasValidSignature)
        // A key that is not a curve point never verifies.
        var notAPoint = body
        notAPoint.minerKey = try NodeKey(bytes: [UInt8](repeating: 0xff, count: 32))
        #expect(!IterationMessage(body: notAPoint, signature: forged.signature).hasValidSignature)
    }

    static let fixtureDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/protocol")

    /// The fixture message: sample content, sequence 3, committed template "template", signed by seed 07….
    static var fixtureMessage: IterationMessage {
        Samples.message(sequence: 3, previous: Samples.h("prev"), commitment: Samples.h("template"))
    }

    @Test func goldenIterationMessage() throws {
        let message = Self.fixtureMessage
        let hexURL = Self.fixtureDirectory.appendingPathComponent("iteration-message-v1.hex")
        let hashURL = Self.fixtureDirectory.appendingPathComponent("iteration-message-v1.sha256")
        if ProcessInfo.processInfo.environment["POUW_REGENERATE_FIXTURES"] == "1" {
            try FileManager.default.createDirectory(at: Self.fixtureDirectory, withIntermediateDirectories: true)
            try (Hex.encode(message.canonicalBytes) + "\n").write(to: hexURL, atomically: true, encoding: .utf8)
            try (message.hash.hex + "\n").write(to: hashURL, atomically: true, encoding: .utf8)
        }
        let hex = try String(contentsOf: hexURL, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let hash = try String(contentsOf: hashURL, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes = try #require(Hex.decode(hex))
        #expect(bytes == message.canonicalBytes)
        #expect(Hash256.sha256(bytes).hex == hash)
        #expect(message.hash.hex == hash)
        let decoded = try IterationMessage(canonicalBytes: bytes)
        #expect(decoded == message)
        #expect(decoded.hasValidSignature)
        // The worked example of Docs/protocol.md: the interval for a 101,770-parameter model and batches of 32.
        let interval = NonceInterval(message: decoded.body, parameters: 101_770, batchSize: 32)
        #expect(interval.base.hex == "710cb57108637dc5de660079cf03b58fff6c15291767d56df9eb1c9a0f2b22de")
        #expect(interval.size == 3)
    }
}
