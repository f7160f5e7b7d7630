import PoUWCore
import Testing

@testable import PoUWCrypto

/// ECVRF-P256-SHA256-TAI against RFC 9381 appendix B.1 (examples 10–12), including the intermediate values the
/// RFC prints (H and the nonce k), and a rejection test for every defect a verifier must catch.
@Suite struct VRFTests {
    struct Vector: Sendable, CustomStringConvertible {
        let name: String
        let secret: String
        let publicKey: String
        let alpha: [UInt8]
        let h: String
        let k: String
        let pi: String
        let beta: String
        var description: String { name }
    }

    static let vectors: [Vector] = [
        Vector(
            name: "example 10",
            secret: "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721",
            publicKey: "0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6",
            alpha: Array("sample".utf8),
            h: "0272a877532e9ac193aff4401234266f59900a4a9e3fc3cfc6a4b7e467a15d06d4",
            k: "0d90591273453d2dc67312d39914e3a93e194ab47a58cd598886897076986f77",
            pi: "035b5c726e8c0e2c488a107c600578ee75cb702343c153cb1eb8dec77f4b5071b4a53f0a46f018bc2c56e58d383f2305e0"
                + "975972c26feea0eb122fe7893c15af376b33edf7de17c6ea056d4d82de6bc02f",
            beta: "a3ad7b0ef73d8fc6655053ea22f9bede8c743f08bbed3d38821f0e16474b505e"
        ),
        Vector(
            name: "example 11",
            secret: "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721",
            publicKey: "0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6",
            alpha: Array("test".utf8),
            h: "02173119b4fff5e6f8afed4868a29fe8920f1b54c2cf89cc7b301d0d473de6b974",
            k: "5852353a868bdce26938cde1826723e58bf8cb06dd2fed475213ea6f3b12e961",
            pi: "034dac60aba508ba0c01aa9be80377ebd7562c4a52d74722e0abae7dc3080ddb56c19e067b15a8a8174905b13617804534"
                + "214f935b94c2287f797e393eb0816969d864f37625b443f30f1a5a33f2b3c854",
            beta: "a284f94ceec2ff4b3794629da7cbafa49121972671b466cab4ce170aa365f26d"
        ),
        Vector(
            name: "example 12",
            secret: "2ca1411a41b17b24cc8c3b089cfd033f1920202a6c0de8abb97df1498d50d2c8",
            publicKey: "03596375e6ce57e0f20294fc46bdfcfd19a39f8161b58695b3ec5b3d16427c274d",
            alpha: Array("Example using ECDSA key from Appendix L.4.2 of ANSI.X9-62-2005".utf8),
            h: "0258055c26c4b01d01c00fb57567955f7d39cd6f6e85fd37c58f696cc6b7aa761d",
            k: "5689e2e08e1110b4dda293ac21667eac6db5de4a46a519c73d533f69be2f4da3",
            pi: "03d03398bf53aa23831d7d1b2937e005fb0062cbefa06796579f2a1fc7e7b8c667d091c00b0f5c3619d10ecea44363b5a5"
                + "99cadc5b2957e223fec62e81f7b4825fc799a771a3d7334b9186bdbee87316b1",
            beta: "90871e06da5caa39a3c61578ebb844de8635e27ac0b13e829997d0d95dd98c19"
        ),
    ]

    static func bytes(_ hex: String) throws -> [UInt8] { try #require(Hex.decode(hex)) }

    /// The P-256 group order q, big-endian.
    static let order = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"

    @Test(arguments: vectors) func rfc9381Vector(_ v: Vector) throws {
        let secret = try VRF.SecretKey(bytes: Self.bytes(v.secret))
        #expect(Hex.encode(secret.publicKey.bytes) == v.publicKey)
        let ctx = BNContext()
        let h = try VRF.encodeToCurve(salt: secret.publicKey.bytes, alpha: v.alpha, ctx)
        let hString = P256.shared.encode(h, ctx)
        #expect(Hex.encode(hString) == v.h)
        #expect(Hex.encode(VRF.nonce(secret: secret.bytes, hString: hString).bytes(32)) == v.k)
        let proof = secret.prove(alpha: v.alpha)
        #expect(Hex.encode(proof.bytes) == v.pi)
        #expect(Hex.encode(VRF.proofToHash(proof)) == v.beta)
        let publicKey = try VRF.PublicKey(bytes: Self.bytes(v.publicKey))
        let beta = try publicKey.verify(proof: VRF.Proof(bytes: Self.bytes(v.pi)), alpha: v.alpha)
        #expect(Hex.encode(beta) == v.beta)
    }

    static func expectInvalid(_ code: CryptoError.Code, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("accepted input that must be rejected (\(code))")
        } catch {
            #expect((error as? CryptoError)?.code == code, "\(error)")
        }
    }

    @Test func rejectsWrongKeyAndWrongAlpha() throws {
        let v = Self.vectors[0]
        let proof = try VRF.Proof(bytes: Self.bytes(v.pi))
        let other = try VRF.PublicKey(bytes: Self.bytes(Self.vectors[2].publicKey))
        Self.expectInvalid(.invalidProof) { _ = try other.verify(proof: proof, alpha: v.alpha) }
        let key = try VRF.PublicKey(bytes: Self.bytes(v.publicKey))
        Self.expectInvalid(.invalidProof) { _ = try key.verify(proof: proof, alpha: Array("notsample".utf8)) }
        Self.expectInvalid(.invalidProof) { _ = try key.verify(proof: proof, alpha: []) }
    }

    /// Flipping any single byte of pi makes it either undecodable or invalid, never accepted.
    @Test func rejectsEveryFlippedProofByte() throws {
        let v = Self.vectors[1]
        let pi = try Self.bytes(v.pi)
        let key = try VRF.PublicKey(bytes: Self.bytes(v.publicKey))
        for i in pi.indices {
            for mask: UInt8 in [0x01, 0x80] {
                var flipped = pi
                flipped[i] ^= mask
                do {
                    _ = try key.verify(proofBytes: flipped, alpha: v.alpha)
                    Issue.record("flipped byte \(i) accepted")
                } catch {
                    #expect([.invalidProof, .invalidPoint, .invalidScalar].contains(error.code))
                }
            }
        }
    }

    @Test func rejectsPointsNotOnTheCurve() throws {
        let v = Self.vectors[0]
        var pi = try Self.bytes(v.pi)
        // x = 0 gives y² = b, and b is not a square mod p for P-256... search for an x with no point instead of
        // relying on that: the first x whose compressed encoding OpenSSL refuses.
        var x: [UInt8] = [UInt8](repeating: 0, count: 32)
        var found = false
        for last in 0..<255 {
            x[31] = UInt8(last)
            if (try? VRF.PublicKey(bytes: [0x02] + x)) == nil {
                found = true
                break
            }
        }
        #expect(found)
        pi.replaceSubrange(0..<33, with: [0x02] + x)
        Self.expectInvalid(.invalidPoint) { _ = try VRF.Proof(bytes: pi) }
        Self.expectInvalid(.invalidPublicKey) { _ = try VRF.PublicKey(bytes: [0x02] + x) }
        // x ≥ p, the uncompressed/hybrid/identity prefixes and a wrong length.
        let p = try Self.bytes("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
        Self.expectInvalid(.invalidPublicKey) { _ = try VRF.PublicKey(bytes: [0x02] + p) }
        let y = try Self.bytes(v.publicKey)
        for prefix: UInt8 in [0x00, 0x01, 0x04, 0x06, 0x07, 0xff] {
            Self.expectInvalid(.invalidPublicKey) { _ = try VRF.PublicKey(bytes: [prefix] + y.dropFirst()) }
        }
        Self.expectInvalid(.invalidLength) { _ = try VRF.PublicKey(bytes: [0x00]) }
        Self.expectInvalid(.invalidLength) { _ = try VRF.PublicKey(bytes: Array(y.dropLast())) }
    }

    /// s' = s + q is the same scalar modulo q but a non-canonical encoding: RFC 9381 section 5.4.4 rejects s ≥ q.
    @Test func rejectsNonCanonicalScalar() throws {
        let v = Self.vectors[0]
        let pi = try Self.bytes(v.pi)
        let q = try Self.bytes(Self.order)
        var s = Array(pi[49...])
        var carry = 0
        for i in stride(from: 31, through: 0, by: -1) {
            let sum = Int(s[i]) + Int(q[i]) + carry
            s[i] = UInt8(truncatingIfNeeded: sum)
            carry = sum >> 8
        }
        if carry == 0 {
            Self.expectInvalid(.invalidScalar) { _ = try VRF.Proof(bytes: Array(pi[..<49]) + s) }
        }
        // s = q exactly, and s = 2^256 − 1.
        Self.expectInvalid(.invalidScalar) { _ = try VRF.Proof(bytes: Array(pi[..<49]) + q) }
        Self.expectInvalid(.invalidScalar) {
            _ = try VRF.Proof(bytes: Array(pi[..<49]) + [UInt8](repeating: 0xff, count: 32))
        }
        Self.expectInvalid(.invalidLength) { _ = try VRF.Proof(bytes: Array(pi.dropLast())) }
        Self.expectInvalid(.invalidLength) { _ = try VRF.Proof(bytes: pi + [0]) }
    }

    @Test func rejectsInvalidSecretKeys() throws {
        Self.expectInvalid(.invalidSecretKey) { _ = try VRF.SecretKey(bytes: [UInt8](repeating: 0, count: 32)) }
        Self.expectInvalid(.invalidSecretKey) { _ = try VRF.SecretKey(bytes: Self.bytes(Self.order)) }
        Self.expectInvalid(.invalidSecretKey) { _ = try VRF.SecretKey(bytes: [UInt8](repeating: 0xff, count: 32)) }
        Self.expectInvalid(.invalidLength) { _ = try VRF.SecretKey(bytes: [1]) }
    }

    @Test func randomKeysProveAndVerify() throws {
        let a = VRF.SecretKey()
        let b = VRF.SecretKey()
        #expect(a.bytes != b.bytes)
        for n in 0..<8 {
            let alpha = Array("round \(n)".utf8)
            let proof = a.prove(alpha: alpha)
            #expect(a.prove(alpha: alpha) == proof)
            #expect(try a.publicKey.verify(proof: proof, alpha: alpha) == proof.output)
            #expect(throws: CryptoError.self) { try b.publicKey.verify(proof: proof, alpha: alpha) }
        }
        #expect(a.prove(alpha: [1]).output != a.prove(alpha: [2]).output)
    }
}

/// The P-256 group object is shared by every thread; proofs made and checked from many tasks at once must all be
/// the deterministic, valid ones.
@Suite struct VRFConcurrencyTests {
    @Test func concurrentProveAndVerify() async throws {
        let key = try VRF.SecretKey(bytes: [UInt8](repeating: 0x11, count: 32))
        let expected = (0..<8).map { key.prove(alpha: [UInt8($0)]) }
        let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var wrong = 0
                    for round in 0..<25 {
                        let i = (task + round) % expected.count
                        let proof = key.prove(alpha: [UInt8(i)])
                        if proof != expected[i] { wrong += 1 }
                        if (try? key.publicKey.verify(proof: proof, alpha: [UInt8(i)])) != proof.output { wrong += 1 }
                        if (try? key.publicKey.verify(proof: proof, alpha: [UInt8(i), 0])) != nil { wrong += 1 }
                    }
                    return wrong
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(wrong == 0)
    }
}
