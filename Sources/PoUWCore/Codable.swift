/// A value with exactly one canonical binary form.
///
/// Conformers write their `RecordTag` and version byte first (`ByteWriter.header`) when they are top-level
/// records; nested values may omit them. `canonicalBytes` is what gets hashed, stored and sent.
public protocol CanonicalEncodable {
    func encode(to writer: inout ByteWriter)
}

/// A value that can be decoded strictly from its canonical form.
public protocol CanonicalDecodable {
    /// Reads one value; throws `CanonicalDecodingError` on any defect.
    init(from reader: inout ByteReader) throws
}

public typealias CanonicalCodable = CanonicalEncodable & CanonicalDecodable

extension CanonicalEncodable {
    /// The canonical bytes of this value.
    public var canonicalBytes: [UInt8] {
        var writer = ByteWriter()
        encode(to: &writer)
        return writer.bytes
    }

    /// SHA-256 of the canonical bytes: the value's identity.
    public var canonicalHash: Hash256 { Hash256.sha256(canonicalBytes) }
}

extension CanonicalDecodable {
    /// Decodes a complete value, rejecting trailing bytes.
    public init(canonicalBytes: [UInt8]) throws {
        var reader = ByteReader(canonicalBytes)
        try self.init(from: &reader)
        try reader.finish()
    }
}
