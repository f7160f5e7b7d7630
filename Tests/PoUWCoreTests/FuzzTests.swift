import PoUWCore
import PoUWCrypto
import Testing

/// Every decoder on this branch gets ≥ 100,000 random and mutated inputs (20× with `POUW_LONG_TESTS=1`): no
/// crash, only the declared error type, and whatever decodes re-encodes to exactly the input (one canonical form).
@Suite struct FuzzTests {
    static let count = Fuzz.iterations(100_000)

    static func check(_ report: Fuzz.Report, acceptsSome: Bool = true) {
        #expect(report.total >= count)
        #expect(report.unexpected.isEmpty, "\(report.unexpected.map { "\(Hex.encode($0.input)): \($0.error)" })")
        #expect(report.rejected > 0)
        if acceptsSome { #expect(report.accepted > 0) }
    }

    static func decodingError(_ error: any Error) -> Bool { error is CanonicalDecodingError }
    static func cryptoError(_ error: any Error) -> Bool { error is CryptoError }
    static func amountError(_ error: any Error) -> Bool { error is AmountError }

    /// Decodes `T` and demands that a success re-encodes to the same bytes.
    static func roundTrip<T: CanonicalCodable>(_: T.Type) -> ([UInt8]) throws -> Void {
        { input in
            let value = try T(canonicalBytes: input)
            #expect(value.canonicalBytes == input, "\(T.self) decoded non-canonical bytes \(Hex.encode(input))")
        }
    }

    @Test func byteReaderPrimitives() {
        var seedWriter = ByteWriter()
        seedWriter.header(tag: .merkleInclusionProof, version: 1)
        seedWriter.varint(300)
        seedWriter.bool(true)
        seedWriter.u16(7)
        seedWriter.u32(9)
        seedWriter.u64(11)
        seedWriter.i64(-3)
        seedWriter.f32(1.5)
        seedWriter.string("héllo")
        seedWriter.lengthPrefixed([1, 2, 3])
        seedWriter.hash(Hash256.sha256([1]))
        let report = Fuzz.run(
            seeds: [seedWriter.bytes],
            iterations: Self.count,
            seed: 1,
            isExpected: Self.decodingError
        ) { input in
            var r = ByteReader(input)
            try r.header(tag: .merkleInclusionProof, versions: 1...1)
            _ = try r.varint()
            _ = try r.bool()
            _ = try r.u16()
            _ = try r.u32()
            _ = try r.u64()
            _ = try r.i64()
            _ = try r.f32()
            _ = try r.string(field: "s", limit: 64)
            _ = try r.lengthPrefixed(field: "b", limit: 64)
            _ = try r.hash()
            try r.finish()
        }
        Self.check(report)
        // Lengths and varints alone, where the interesting defects (non-minimal, overflow, huge) live.
        let varints = Fuzz.run(
            seeds: [[0x80, 0x01], [0xff, 0xff, 0x03]],
            iterations: Self.count,
            seed: 2,
            isExpected: Self.decodingError
        ) { input in
            var r = ByteReader(input)
            _ = try r.lengthPrefixed(field: "x", limit: 1 << 20)
            try r.finish()
        }
        Self.check(varints)
    }

    @Test func merkleProofs() throws {
        let tree = MerkleTree(leaves: (0..<13).map { [UInt8($0)] })
        let inclusion = try (0..<13).map { try tree.inclusionProof(index: $0).canonicalBytes }
        let consistency = try (0...13).map { try tree.consistencyProof(from: $0).canonicalBytes }
        Self.check(
            Fuzz.run(
                seeds: inclusion,
                iterations: Self.count,
                seed: 3,
                isExpected: Self.decodingError,
                Self.roundTrip(MerkleInclusionProof.self)
            )
        )
        Self.check(
            Fuzz.run(
                seeds: consistency,
                iterations: Self.count,
                seed: 4,
                isExpected: Self.decodingError,
                Self.roundTrip(MerkleConsistencyProof.self)
            )
        )
        // Decoded proofs of any shape must verify to false, not trap.
        let root = tree.root
        let verifying = Fuzz.run(
            seeds: inclusion + consistency,
            iterations: Self.count,
            seed: 5,
            isExpected: Self.decodingError
        ) { input in
            if let proof = try? MerkleInclusionProof(canonicalBytes: input) {
                _ = proof.verify(leafHash: root, root: root)
            } else {
                let proof = try MerkleConsistencyProof(canonicalBytes: input)
                _ = proof.verify(oldRoot: root, newRoot: root)
            }
        }
        Self.check(verifying)
    }

    @Test func amountAndAddress() {
        Self.check(
            Fuzz.run(
                seeds: [Amount(units: 12_345).canonicalBytes],
                iterations: Self.count,
                seed: 6,
                isExpected: Self.decodingError,
                Self.roundTrip(Amount.self)
            )
        )
        let address = Address(bytes: (0..<20).map { UInt8($0) })!
        Self.check(
            Fuzz.run(
                seeds: [address.canonicalBytes],
                iterations: Self.count,
                seed: 7,
                isExpected: Self.decodingError,
                Self.roundTrip(Address.self)
            )
        )
        let texts = ["12.345 PAI", "0.00000001", "184467440737.09551615 PAI", "7"].map { Array($0.utf8) }
        let parsing = Fuzz.run(
            seeds: texts,
            iterations: Self.count,
            seed: 8,
            maxLength: 32,
            isExpected: Self.amountError
        ) { input in
            let amount = try Amount.parse(String(decoding: input, as: UTF8.self))
            #expect(try Amount.parse(amount.description) == amount)
        }
        Self.check(parsing)
        let hexes = Fuzz.run(
            seeds: [Array(address.hex.utf8)],
            iterations: Self.count,
            seed: 9,
            maxLength: 48,
            isExpected: Self.decodingError
        ) { input in
            guard Address(hex: String(decoding: input, as: UTF8.self)) != nil else {
                throw CanonicalDecodingError.invalidValue(field: "hex", reason: "rejected")
            }
        }
        Self.check(hexes)
    }

    @Test func ed25519KeysAndSignatures() throws {
        let key = try Ed25519.PrivateKey(seed: [UInt8](repeating: 9, count: 32))
        let message: [UInt8] = [1, 2, 3]
        let signature = key.sign(message)
        Self.check(
            Fuzz.run(
                seeds: [key.publicKey.bytes],
                iterations: Self.count,
                seed: 10,
                maxLength: 40,
                isExpected: Self.cryptoError
            ) { input in
                _ = try Ed25519.PublicKey(bytes: input)
            }
        )
        Self.check(
            Fuzz.run(seeds: [key.seed], iterations: Self.count, seed: 11, maxLength: 40, isExpected: Self.cryptoError) {
                input in
                _ = try Ed25519.PrivateKey(seed: input)
            }
        )
        // Mutated signatures: only the original verifies.
        let verifying = Fuzz.run(
            seeds: [signature],
            iterations: Self.count / 10,
            seed: 12,
            maxLength: 70,
            isExpected: Self.cryptoError
        ) { input in
            guard key.publicKey.isValidSignature(input, for: message) else {
                throw CryptoError(.invalidProof, "rejected")
            }
            #expect(input == signature)
        }
        #expect(verifying.accepted >= 1)
        #expect(verifying.unexpected.isEmpty)
    }

    @Test func vrfKeysAndProofs() throws {
        let secret = try VRF.SecretKey(bytes: [UInt8](repeating: 5, count: 32))
        let alpha: [UInt8] = [7, 7]
        let proof = secret.prove(alpha: alpha)
        Self.check(
            Fuzz.run(
                seeds: [proof.bytes],
                iterations: Self.count,
                seed: 13,
                maxLength: 90,
                isExpected: Self.cryptoError
            ) { input in
                _ = try VRF.Proof(bytes: input)
            }
        )
        Self.check(
            Fuzz.run(
                seeds: [secret.publicKey.bytes],
                iterations: Self.count,
                seed: 14,
                maxLength: 40,
                isExpected: Self.cryptoError
            ) { input in
                _ = try VRF.PublicKey(bytes: input)
            }
        )
        Self.check(
            Fuzz.run(
                seeds: [secret.bytes],
                iterations: Self.count,
                seed: 15,
                maxLength: 40,
                isExpected: Self.cryptoError
            ) { input in
                _ = try VRF.SecretKey(bytes: input)
            }
        )
        // Full verification of mutated proofs is slower: a tenth as many, and only the original may verify.
        let verifying = Fuzz.run(
            seeds: [proof.bytes],
            iterations: Self.count / 50,
            seed: 16,
            maxLength: 90,
            isExpected: Self.cryptoError
        ) { input in
            _ = try secret.publicKey.verify(proofBytes: input, alpha: alpha)
            #expect(input == proof.bytes)
        }
        #expect(verifying.accepted >= 1)
        #expect(verifying.unexpected.isEmpty)
    }

    @Test func prngIsDeterministic() {
        var a = Fuzz.PRNG(seed: 42)
        var b = Fuzz.PRNG(seed: 42)
        #expect(a.bytes(64) == b.bytes(64))
        var c = Fuzz.PRNG(seed: 43)
        #expect(a.bytes(64) != c.bytes(64))
    }
}
