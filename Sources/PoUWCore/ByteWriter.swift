/// Builds canonical bytes: little-endian fixed-width integers, minimal unsigned LEB128 for lengths and counts,
/// floats as their IEEE-754 binary32 bit patterns. There is exactly one way to write each value.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes a record's type tag and version byte: the first two bytes of every canonical record.
    public mutating func header(tag: RecordTag, version: UInt8) {
        bytes.append(tag.rawValue)
        bytes.append(version)
    }

    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func u16(_ value: UInt16) { fixed(value) }

    public mutating func u32(_ value: UInt32) { fixed(value) }

    public mutating func u64(_ value: UInt64) { fixed(value) }

    public mutating func i64(_ value: Int64) { fixed(UInt64(bitPattern: value)) }

    /// A float's exact binary32 bit pattern (NaN payloads included: callers reject NaN where it is invalid).
    public mutating func f32(_ value: Float) { fixed(value.bitPattern) }

    /// Minimal unsigned LEB128.
    public mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Minimal unsigned LEB128 of a non-negative `Int` (a length or count).
    public mutating func length(_ value: Int) {
        precondition(value >= 0, "negative length")
        varint(UInt64(value))
    }

    /// Raw bytes with no length prefix (fixed-size fields such as keys and signatures).
    public mutating func raw(_ value: some Sequence<UInt8>) { bytes.append(contentsOf: value) }

    /// A LEB128 length followed by the bytes.
    public mutating func lengthPrefixed(_ value: [UInt8]) {
        length(value.count)
        bytes.append(contentsOf: value)
    }

    /// A LEB128 byte length followed by UTF-8.
    public mutating func string(_ value: String) { lengthPrefixed(Array(value.utf8)) }

    public mutating func hash(_ value: Hash256) {
        fixed(value.w0.bigEndian)
        fixed(value.w1.bigEndian)
        fixed(value.w2.bigEndian)
        fixed(value.w3.bigEndian)
    }

    private mutating func fixed<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
