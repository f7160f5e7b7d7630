import PoUWCore

/// The Ed25519 public key of a protocol participant (miner, supervisor, evaluator) as it appears in records:
/// exactly 32 bytes.
///
/// Guarantees: the length is always 32; ordering is lexicographic by bytes (used wherever keys must be sorted
/// deterministically). Whether the bytes are a valid curve point is decided when a signature is verified.
public struct NodeKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Length of an Ed25519 public key.
    public static let byteCount = 32

    /// The 32 key bytes.
    public let bytes: [UInt8]

    /// Wraps exactly 32 bytes; throws `IterationMessageError.badKeyLength` otherwise.
    public init(bytes: [UInt8]) throws(IterationMessageError) {
        guard bytes.count == Self.byteCount else { throw .badKeyLength(bytes.count) }
        self.bytes = bytes
    }

    /// Lowercase hex of the key.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    /// The first 12 hex digits, for tables and logs.
    public var short: String { String(hex.prefix(12)) }

    public static func < (lhs: NodeKey, rhs: NodeKey) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// An Ed25519 signature as it appears in messages: exactly 64 bytes.
///
/// Guarantees: the length is always 64. Validity is checked against a key and a message, never assumed.
public struct MessageSignature: Sendable, Hashable {
    /// Length of an Ed25519 signature.
    public static let byteCount = 64

    /// The 64 signature bytes.
    public let bytes: [UInt8]

    /// Wraps exactly 64 bytes; throws `IterationMessageError.badSignatureLength` otherwise.
    public init(bytes: [UInt8]) throws(IterationMessageError) {
        guard bytes.count == Self.byteCount else { throw .badSignatureLength(bytes.count) }
        self.bytes = bytes
    }
}
