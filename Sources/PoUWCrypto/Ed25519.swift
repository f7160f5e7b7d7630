internal import COpenSSL

/// Ed25519 signatures (RFC 8032, pure Ed25519 without context or pre-hashing) over OpenSSL's libcrypto.
///
/// Guarantees: signatures are deterministic and byte-identical to RFC 8032's; verification rejects signatures
/// whose scalar `S` is not below the group order and public keys that do not decode to a curve point; no
/// function traps on outside input. Keys are immutable values and safe to share between tasks.
public enum Ed25519 {
    /// Bytes in a seed (the RFC 8032 private key), a public key and a signature.
    public static let seedByteCount = 32
    public static let publicKeyByteCount = 32
    public static let signatureByteCount = 64

    /// A signing key: the 32-byte RFC 8032 seed and its public key.
    public struct PrivateKey: Sendable {
        /// The 32-byte seed; whoever holds it can sign.
        public let seed: [UInt8]
        /// The matching public key.
        public let publicKey: PublicKey
        private let key: EVPKey

        /// A fresh key from OpenSSL's DRBG.
        public init() {
            // A 32-byte seed from the DRBG is always a valid Ed25519 seed, so this cannot fail.
            do {
                try self.init(seed: SecureRandom.bytes(Ed25519.seedByteCount))
            } catch {
                preconditionFailure("OpenSSL refused a random Ed25519 seed: \(error)")
            }
        }

        /// The key whose RFC 8032 seed is `seed` (exactly 32 bytes).
        public init(seed: [UInt8]) throws(CryptoError) {
            guard seed.count == Ed25519.seedByteCount else {
                throw .length("Ed25519 seed", expected: Ed25519.seedByteCount, found: seed.count)
            }
            let pkey = seed.withUnsafeBufferPointer {
                EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
            }
            guard let pkey else { throw CryptoError(.libraryFailure, "OpenSSL could not load an Ed25519 seed") }
            let key = EVPKey(pkey)
            var publicBytes = [UInt8](repeating: 0, count: Ed25519.publicKeyByteCount)
            var length = publicBytes.count
            let ok = publicBytes.withUnsafeMutableBufferPointer {
                EVP_PKEY_get_raw_public_key(pkey, $0.baseAddress, &length)
            }
            guard ok == 1, length == Ed25519.publicKeyByteCount else {
                throw CryptoError(.libraryFailure, "OpenSSL could not derive the Ed25519 public key")
            }
            self.seed = seed
            self.key = key
            self.publicKey = try PublicKey(bytes: publicBytes)
        }

        /// The 64-byte RFC 8032 signature of `message`.
        public func sign(_ message: [UInt8]) -> [UInt8] {
            var signature = [UInt8](repeating: 0, count: Ed25519.signatureByteCount)
            let ok = key.withDigestContext { ctx, pkey -> Bool in
                guard EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1 else { return false }
                var length = Ed25519.signatureByteCount
                let signed = signature.withUnsafeMutableBufferPointer { out in
                    message.withUnsafeBufferPointer { msg in
                        EVP_DigestSign(ctx, out.baseAddress, &length, msg.baseAddress, msg.count)
                    }
                }
                return signed == 1 && length == Ed25519.signatureByteCount
            }
            // Signing with a loaded key has no input-dependent failure; only memory exhaustion can get here.
            precondition(ok, "OpenSSL Ed25519 signing failed")
            return signature
        }
    }

    /// A verifying key: 32 bytes as RFC 8032 encodes them.
    ///
    /// Equality and hashing compare the bytes. A 32-byte string that is not a point encoding is accepted here and
    /// fails every verification (OpenSSL decodes the point while verifying).
    public struct PublicKey: Sendable, Hashable {
        /// The 32 encoded bytes.
        public let bytes: [UInt8]
        private let key: EVPKey

        /// A public key from its 32 bytes.
        public init(bytes: [UInt8]) throws(CryptoError) {
            guard bytes.count == Ed25519.publicKeyByteCount else {
                throw .length("Ed25519 public key", expected: Ed25519.publicKeyByteCount, found: bytes.count)
            }
            let pkey = bytes.withUnsafeBufferPointer {
                EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
            }
            guard let pkey else {
                throw CryptoError(.invalidPublicKey, "OpenSSL rejected the Ed25519 public key bytes")
            }
            self.bytes = bytes
            self.key = EVPKey(pkey)
        }

        /// Whether `signature` is a valid RFC 8032 signature of `message` under this key. Any defect (wrong length,
        /// non-canonical `S`, undecodable point, wrong key or message) gives `false`.
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            guard signature.count == Ed25519.signatureByteCount else { return false }
            return signature.withUnsafeBufferPointer { sig in
                message.withUnsafeBufferPointer { msg in key.verify(signature: sig, message: msg) }
            }
        }

        public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.bytes == rhs.bytes }

        public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
    }
}
