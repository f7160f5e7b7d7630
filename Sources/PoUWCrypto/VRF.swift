/// ECVRF-P256-SHA256-TAI (RFC 9381, suite 0x01): a verifiable random function over NIST P-256 with SHA-256,
/// try-and-increment encode-to-curve and RFC 6979 nonces, built on OpenSSL's EC arithmetic.
///
/// Guarantees: proofs and outputs are byte-identical to RFC 9381's (appendix B.1 vectors); verification does the
/// full validation of section 5.3 (public key and Gamma decode to non-identity points of P-256, `s < q`) and
/// throws `CryptoError` for every rejection, never traps on outside input. Keys and proofs are immutable values.
public enum VRF {
    /// The RFC 9381 suite string of ECVRF-P256-SHA256-TAI.
    public static let suite: UInt8 = 0x01
    /// Bytes in a secret key (the scalar x), a public key (compressed point), a proof, an output (beta).
    public static let secretKeyByteCount = 32
    public static let publicKeyByteCount = 33
    public static let proofByteCount = 81
    public static let outputByteCount = 32
    static let challengeByteCount = 16

    /// A VRF secret key: the scalar x (1 ≤ x < q, 32 bytes big-endian) and its public key Y = x·B.
    public struct SecretKey: Sendable {
        /// The 32-byte scalar; whoever holds it can prove.
        public let bytes: [UInt8]
        public let publicKey: PublicKey

        /// A fresh key from OpenSSL's DRBG.
        public init() {
            while true {
                let candidate = SecureRandom.bytes(VRF.secretKeyByteCount)
                if let key = try? SecretKey(bytes: candidate) {
                    self = key
                    return
                }
            }
        }

        /// The key whose scalar is `bytes` (32 bytes big-endian, 1 ≤ x < q).
        public init(bytes: [UInt8]) throws(CryptoError) {
            guard bytes.count == VRF.secretKeyByteCount else {
                throw .length("VRF secret key", expected: VRF.secretKeyByteCount, found: bytes.count)
            }
            let curve = P256.shared
            guard bytes.contains(where: { $0 != 0 }), curve.isBelowOrder(bytes) else {
                throw CryptoError(.invalidSecretKey, "VRF secret key must be a scalar in 1..<q (the P-256 order)")
            }
            let ctx = BNContext()
            let y = curve.mul(generator: BigNum(bytes: bytes, secret: true), ctx)
            self.bytes = bytes
            self.publicKey = PublicKey(validated: curve.encode(y, ctx))
        }

        /// The RFC 9381 proof (pi) for input `alpha` (section 5.1). Deterministic.
        ///
        /// Traps only if try-and-increment finds no point in 256 tries (probability about 2^-256) or OpenSSL runs
        /// out of memory.
        public func prove(alpha: [UInt8]) -> Proof {
            let curve = P256.shared
            let ctx = BNContext()
            let h: ECPoint
            do {
                h = try VRF.encodeToCurve(salt: publicKey.bytes, alpha: alpha, ctx)
            } catch {
                preconditionFailure("ECVRF encode_to_curve: \(error)")
            }
            let hString = curve.encode(h, ctx)
            let x = BigNum(bytes: bytes, secret: true)
            let gamma = curve.mul(generator: nil, point: h, scalar: x, ctx)
            let k = VRF.nonce(secret: bytes, hString: hString)
            let u = curve.mul(generator: k, ctx)
            let v = curve.mul(generator: nil, point: h, scalar: k, ctx)
            let gammaString = curve.encode(gamma, ctx)
            let c = VRF.challenge(
                [publicKey.bytes, hString, gammaString, curve.encode(u, ctx), curve.encode(v, ctx)])
            let s = curve.mulAdd(k, BigNum(bytes: c), x, ctx)
            return Proof(validated: gammaString + c + s.bytes(32))
        }
    }

    /// A VRF public key: Y as a 33-byte SEC1 compressed point, validated to be a non-identity point of P-256.
    public struct PublicKey: Sendable, Hashable {
        public let bytes: [UInt8]

        /// A public key from its 33 bytes; throws `.invalidLength` or `.invalidPublicKey`.
        public init(bytes: [UInt8]) throws(CryptoError) {
            do {
                _ = try P256.shared.decode(bytes, BNContext())
            } catch  where error.code == .invalidPoint {
                throw CryptoError(.invalidPublicKey, "VRF public key: \(error.message)")
            }
            self.bytes = bytes
        }

        init(validated bytes: [UInt8]) { self.bytes = bytes }

        /// Verifies `proof` for input `alpha` (RFC 9381 section 5.3) and returns the output beta (32 bytes).
        /// Throws `.invalidProof` when the proof does not verify.
        public func verify(proof: Proof, alpha: [UInt8]) throws(CryptoError) -> [UInt8] {
            let curve = P256.shared
            let ctx = BNContext()
            let y = try curve.decode(bytes, ctx)
            let gamma = try curve.decode(proof.bytes[0..<33], ctx)
            let cBytes = Array(proof.bytes[33..<49])
            let c = BigNum(bytes: cBytes)
            let s = BigNum(bytes: proof.bytes[49..<81])
            let h = try VRF.encodeToCurve(salt: bytes, alpha: alpha, ctx)
            let minusC = c.isZero ? c : curve.negate(c)
            // U = s·B − c·Y and V = s·H − c·Gamma.
            let u = curve.mul(generator: s, point: y, scalar: minusC, ctx)
            let v = curve.mul(s, h, minusC, gamma, ctx)
            guard !curve.isIdentity(u), !curve.isIdentity(v) else {
                throw CryptoError(.invalidProof, "VRF proof does not verify for this key and input")
            }
            let expected = VRF.challenge(
                [bytes, curve.encode(h, ctx), Array(proof.bytes[0..<33]), curve.encode(u, ctx), curve.encode(v, ctx)])
            guard expected == cBytes else {
                throw CryptoError(.invalidProof, "VRF proof does not verify for this key and input")
            }
            return VRF.proofToHash(proof)
        }

        /// Verifies a proof given as bytes; throws for a malformed proof as for an invalid one.
        public func verify(proofBytes: [UInt8], alpha: [UInt8]) throws(CryptoError) -> [UInt8] {
            try verify(proof: Proof(bytes: proofBytes), alpha: alpha)
        }
    }

    /// A VRF proof pi: Gamma (33-byte compressed point) ‖ c (16 bytes) ‖ s (32 bytes), 81 bytes in all.
    ///
    /// A decoded proof has a Gamma that is a non-identity point of P-256 and `s < q`; whether it verifies is
    /// `PublicKey.verify`'s question.
    public struct Proof: Sendable, Hashable {
        public let bytes: [UInt8]

        /// Parses and validates an 81-byte proof (RFC 9381 section 5.4.4, decode_proof).
        public init(bytes: [UInt8]) throws(CryptoError) {
            guard bytes.count == VRF.proofByteCount else {
                throw .length("VRF proof", expected: VRF.proofByteCount, found: bytes.count)
            }
            let curve = P256.shared
            _ = try curve.decode(bytes[0..<33], BNContext())
            guard curve.isBelowOrder(bytes[49..<81]) else {
                throw CryptoError(.invalidScalar, "VRF proof scalar s is not below the group order")
            }
            self.bytes = bytes
        }

        init(validated bytes: [UInt8]) { self.bytes = bytes }

        /// The output beta of this proof (`VRF.proofToHash`).
        public var output: [UInt8] { VRF.proofToHash(self) }
    }

    /// beta = SHA-256(suite ‖ 0x03 ‖ Gamma ‖ 0x00) (RFC 9381 section 5.2; the cofactor of P-256 is 1). Only
    /// meaningful for a proof that verified.
    public static func proofToHash(_ proof: Proof) -> [UInt8] {
        var hasher = SHA256.Hasher()
        hasher.update([suite, 0x03])
        hasher.update(Array(proof.bytes[0..<33]))
        hasher.update([0x00])
        return hasher.finalize().bytes
    }

    /// encode_to_curve_try_and_increment (RFC 9381 section 5.4.1.1) with salt = PK_string.
    static func encodeToCurve(salt: [UInt8], alpha: [UInt8], _ ctx: BNContext) throws(CryptoError) -> ECPoint {
        let curve = P256.shared
        for counter in 0...255 {
            var hasher = SHA256.Hasher()
            hasher.update([suite, 0x01])
            hasher.update(salt)
            hasher.update(alpha)
            hasher.update([UInt8(counter), 0x00])
            let candidate = [0x02] + hasher.finalize().bytes
            if let point = curve.tryDecode(candidate, ctx) { return point }
        }
        throw CryptoError(.hashToCurveFailed, "try-and-increment found no P-256 point in 256 attempts")
    }

    /// The nonce k of RFC 6979 section 3.2 with HMAC-SHA-256, message h_string (RFC 9381 section 5.4.2.1).
    static func nonce(secret x: [UInt8], hString: [UInt8]) -> BigNum {
        let curve = P256.shared
        // bits2octets(SHA-256(h_string)): qlen = hlen = 256, so reduce once mod q.
        var h1 = SHA256.hash(hString).bytes
        if !curve.isBelowOrder(h1) {
            let reduced = BigNum()
            precondition(BN_subtract(reduced, BigNum(bytes: h1), curve.order), "BN_sub failed")
            h1 = reduced.bytes(32)
        }
        var v = [UInt8](repeating: 0x01, count: 32)
        var k = [UInt8](repeating: 0x00, count: 32)
        k = HMACSHA256.mac(key: k, v, [0x00], x, h1)
        v = HMACSHA256.mac(key: k, v)
        k = HMACSHA256.mac(key: k, v, [0x01], x, h1)
        v = HMACSHA256.mac(key: k, v)
        while true {
            v = HMACSHA256.mac(key: k, v)
            if v.contains(where: { $0 != 0 }) && curve.isBelowOrder(v) { return BigNum(bytes: v, secret: true) }
            k = HMACSHA256.mac(key: k, v, [0x00])
            v = HMACSHA256.mac(key: k, v)
        }
    }

    /// challenge_generation (RFC 9381 section 5.4.3): the first 16 bytes of
    /// SHA-256(suite ‖ 0x02 ‖ P1 ‖ … ‖ P5 ‖ 0x00).
    static func challenge(_ points: [[UInt8]]) -> [UInt8] {
        var hasher = SHA256.Hasher()
        hasher.update([suite, 0x02])
        for point in points { hasher.update(point) }
        hasher.update([0x00])
        return Array(hasher.finalize().bytes.prefix(challengeByteCount))
    }
}
