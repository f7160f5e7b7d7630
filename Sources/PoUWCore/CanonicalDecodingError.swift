/// Why canonical bytes were rejected. Every decoder in the node throws only this type, one distinct case per
/// kind of defect, so that callers and tests can tell a truncated record from a malicious one.
public enum CanonicalDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input ended before `needed` more bytes could be read (at byte `offset`).
    case truncated(offset: Int, needed: Int)
    /// Bytes were left over after a complete record (`count` of them, starting at `offset`).
    case trailingBytes(offset: Int, count: Int)
    /// A LEB128 integer used more bytes than its value needs, or overflowed 64 bits.
    case nonMinimalVarint(offset: Int)
    case varintOverflow(offset: Int)
    /// A length or count exceeded the decoder's limit for that field.
    case lengthLimitExceeded(field: String, length: UInt64, limit: Int)
    /// The record's type tag was not the one expected.
    case unexpectedTag(expected: UInt8, found: UInt8)
    /// The record's version byte is not one this build understands.
    case unknownVersion(tag: UInt8, version: UInt8)
    /// A field held a value outside its domain (an enum discriminant, a flag byte, a NaN, …).
    case invalidValue(field: String, reason: String)

    public var description: String {
        switch self {
        case .truncated(let offset, let needed): "truncated input: needed \(needed) more byte(s) at offset \(offset)"
        case .trailingBytes(let offset, let count): "\(count) trailing byte(s) after the record at offset \(offset)"
        case .nonMinimalVarint(let offset): "non-minimal LEB128 integer at offset \(offset)"
        case .varintOverflow(let offset): "LEB128 integer overflows 64 bits at offset \(offset)"
        case .lengthLimitExceeded(let field, let length, let limit):
            "\(field): length \(length) exceeds the limit of \(limit)"
        case .unexpectedTag(let expected, let found):
            "unexpected record tag 0x\(Hex.encode([found])) (expected 0x\(Hex.encode([expected])))"
        case .unknownVersion(let tag, let version): "record tag 0x\(Hex.encode([tag])): unknown version \(version)"
        case .invalidValue(let field, let reason): "\(field): \(reason)"
        }
    }
}
