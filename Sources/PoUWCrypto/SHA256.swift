internal import COpenSSL

/// SHA-256 (FIPS 180-4) over OpenSSL's libcrypto.
///
/// Guarantees: results are the standard SHA-256 digests; no pointer into the hashed bytes is retained after a
/// call returns. The one-shot forms allocate nothing but the returned digest.
public enum SHA256 {
    /// A 32-byte SHA-256 digest held as four big-endian 64-bit words, so that comparing words in order compares
    /// the bytes lexicographically.
    public struct Digest: Sendable, Hashable {
        public var w0: UInt64
        public var w1: UInt64
        public var w2: UInt64
        public var w3: UInt64

        public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
            self.w0 = w0
            self.w1 = w1
            self.w2 = w2
            self.w3 = w3
        }

        /// The 32 digest bytes in order.
        public var bytes: [UInt8] {
            var out = [UInt8]()
            out.reserveCapacity(32)
            for word in [w0, w1, w2, w3] {
                for shift in stride(from: 56, through: 0, by: -8) {
                    out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
                }
            }
            return out
        }

        static func fromRaw(_ raw: UnsafeRawBufferPointer) -> Digest {
            func word(_ i: Int) -> UInt64 {
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
            }
            return Digest(w0: word(0), w1: word(1), w2: word(2), w3: word(3))
        }
    }

    /// The SHA-256 digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> Digest {
        bytes.withUnsafeBytes { hashRaw($0) }
    }

    /// The SHA-256 digest of `bytes`.
    public static func hash(_ bytes: ArraySlice<UInt8>) -> Digest {
        bytes.withUnsafeBytes { hashRaw($0) }
    }

    /// The SHA-256 digest of the bytes a span covers.
    public static func hash(_ span: RawSpan) -> Digest {
        span.withUnsafeBytes { hashRaw($0) }
    }

    /// SHA-256d: SHA-256 applied twice, as Bitcoin-family block ids use.
    public static func doubleHash(_ bytes: [UInt8]) -> Digest {
        hash(hash(bytes).bytes)
    }

    static func hashRaw(_ raw: UnsafeRawBufferPointer) -> Digest {
        // The context on the stack, not OpenSSL 3's one-shot `SHA256()`: that one fetches the algorithm on every
        // call, which triples the cost of hashing a 500-byte record (0.9 against 0.3 µs here).
        var context = SHA256_CTX()
        SHA256_Init(&context)
        _ = SHA256_Update(&context, raw.baseAddress, raw.count)
        return withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
            _ = SHA256_Final(out.baseAddress!.assumingMemoryBound(to: UInt8.self), &context)
            return Digest.fromRaw(UnsafeRawBufferPointer(out))
        }
    }

    /// Incremental SHA-256 for data that arrives in pieces; `finalize()` may be called once.
    ///
    /// Not `Sendable`: one hasher belongs to one task at a time.
    public struct Hasher: ~Copyable {
        private var context: SHA256_CTX
        private var finished = false

        public init() {
            context = SHA256_CTX()
            SHA256_Init(&context)
        }

        /// Feeds more bytes.
        public mutating func update(_ bytes: [UInt8]) {
            precondition(!finished, "SHA256.Hasher used after finalize()")
            bytes.withUnsafeBytes { raw in
                _ = SHA256_Update(&context, raw.baseAddress, raw.count)
            }
        }

        /// Feeds more bytes.
        public mutating func update(_ span: RawSpan) {
            precondition(!finished, "SHA256.Hasher used after finalize()")
            span.withUnsafeBytes { raw in
                _ = SHA256_Update(&context, raw.baseAddress, raw.count)
            }
        }

        /// The digest of everything fed so far.
        public mutating func finalize() -> Digest {
            precondition(!finished, "SHA256.Hasher finalized twice")
            finished = true
            return withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
                _ = SHA256_Final(out.baseAddress!.assumingMemoryBound(to: UInt8.self), &context)
                return Digest.fromRaw(UnsafeRawBufferPointer(out))
            }
        }
    }
}
