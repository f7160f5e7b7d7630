public import PoUWCrypto

/// A 256-bit hash: the identity of every object, block, transaction and message in the node.
///
/// Guarantees: value semantics, 32 bytes exactly, ordering equals lexicographic byte order, hex is lowercase.
public struct Hash256: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 32 bytes as four big-endian words (`w0` holds bytes 0–7).
    public let w0: UInt64
    public let w1: UInt64
    public let w2: UInt64
    public let w3: UInt64

    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    public init(_ digest: SHA256.Digest) {
        self.init(w0: digest.w0, w1: digest.w1, w2: digest.w2, w3: digest.w3)
    }

    /// The all-zero hash (used for "no previous", e.g. the parent of genesis).
    public static let zero = Hash256(w0: 0, w1: 0, w2: 0, w3: 0)

    /// Creates a hash from exactly 32 bytes; `nil` for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, byte) in bytes.enumerated() {
            words[i / 8] = words[i / 8] << 8 | UInt64(byte)
        }
        self.init(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// Parses 64 hex digits (either case); `nil` for anything else.
    public init?(hex: some StringProtocol) {
        guard let bytes = Hex.decode(hex), bytes.count == 32 else { return nil }
        self.init(bytes: bytes)
    }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> Hash256 { Hash256(SHA256.hash(bytes)) }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: ArraySlice<UInt8>) -> Hash256 { Hash256(SHA256.hash(bytes)) }

    /// SHA-256 of the bytes a span covers.
    public static func sha256(_ span: RawSpan) -> Hash256 { Hash256(SHA256.hash(span)) }

    /// SHA-256d (SHA-256 twice) of `bytes`.
    public static func sha256d(_ bytes: [UInt8]) -> Hash256 { Hash256(SHA256.doubleHash(bytes)) }

    /// The 32 bytes in order.
    public var bytes: [UInt8] { SHA256.Digest(w0: w0, w1: w1, w2: w2, w3: w3).bytes }

    /// Lowercase hex, 64 characters.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    /// The first 12 hex digits, for tables and logs.
    public var short: String { String(hex.prefix(12)) }

    // Hashing for sets and dictionaries. The words are already uniformly distributed (SHA-256 output), so one
    // word, mixed with the table's per-process random seed, is enough: no SipHash rounds, and without the seed
    // no one can choose hashes that collide in a table (a peer grinding keys cannot slow a node's lookups down).

    public func hash(into hasher: inout Hasher) { hasher.combine(w0) }

    public func _rawHashValue(seed: Int) -> Int {
        // SplitMix64's finalizer: a bijection, so distinct (w0 ^ seed) stay distinct.
        var z = w0 ^ UInt64(truncatingIfNeeded: seed)
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return Int(truncatingIfNeeded: z ^ (z >> 31))
    }

    public static func < (lhs: Hash256, rhs: Hash256) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }
}
