import PoUWCrypto

/// SHA-256 over data fed in pieces — e.g. a record's small header, then its large tensors in place — so a
/// multi-megabyte record can be hashed without first being copied into one buffer.
///
/// Guarantees: the result equals `Hash256.sha256` of the concatenation of everything fed, in order; a hasher is
/// finalized once (a second `finalize()` is a programmer error and traps).
public struct Hash256Hasher: ~Copyable {
    private var hasher = SHA256.Hasher()

    public init() {}

    /// Feeds more bytes.
    public mutating func update(_ bytes: [UInt8]) { hasher.update(bytes) }

    /// Feeds more bytes, read in place.
    public mutating func update(_ span: RawSpan) { hasher.update(span) }

    /// The hash of everything fed so far.
    public mutating func finalize() -> Hash256 { Hash256(hasher.finalize()) }
}
