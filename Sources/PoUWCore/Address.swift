public import PoUWCrypto

/// An account address: the first 20 bytes of SHA-256 of an Ed25519 public key (PROTOCOL.md, "Primitives").
///
/// Guarantees: exactly 20 bytes; equality, hashing and ordering follow the bytes; hex is lowercase, 40 digits.
/// Canonical form: the 20 raw bytes (a nested value, no tag).
public struct Address: Sendable, Hashable, Comparable, CustomStringConvertible, CanonicalCodable {
    /// Bytes in an address.
    public static let byteCount = 20

    // Bytes 0–7, 8–15 and 16–19, big-endian, so that tuple order is byte order.
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt32

    /// The address of `publicKey`.
    public init(publicKey: Ed25519.PublicKey) {
        let digest = SHA256.hash(publicKey.bytes)
        high = digest.w0
        middle = digest.w1
        low = UInt32(truncatingIfNeeded: digest.w2 >> 32)
    }

    /// An address from exactly 20 bytes; `nil` for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Address.byteCount else { return nil }
        var words: [UInt64] = [0, 0, 0]
        for (i, byte) in bytes.enumerated() { words[i / 8] = words[i / 8] << 8 | UInt64(byte) }
        high = words[0]
        middle = words[1]
        low = UInt32(truncatingIfNeeded: words[2])
    }

    /// Parses 40 hex digits (either case, optional `0x`); `nil` for anything else.
    public init?(hex: some StringProtocol) {
        guard let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// The 20 bytes in order.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Address.byteCount)
        withUnsafeBytes(of: high.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: middle.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: low.bigEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// Lowercase hex, 40 characters.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    public static func < (lhs: Address, rhs: Address) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }

    public func encode(to writer: inout ByteWriter) { writer.raw(bytes) }

    public init(from reader: inout ByteReader) throws {
        let raw = try reader.raw(Address.byteCount)
        guard let address = Address(bytes: raw) else {
            throw CanonicalDecodingError.invalidValue(field: "address", reason: "not 20 bytes")
        }
        self = address
    }
}
