internal import PoUWCore

/// The header in front of every stored value: `version u8 · kind u8 · codec u8 · rawLength LEB128 ·
/// dictionaryID LEB128 · crc8` (see Docs/store-format.md). The CRC-8 covers the header's other bytes, so a
/// flipped bit in the header (say, in the kind) is caught even when the payload still decodes.
///
/// Guarantees: one encoding per header (minimal LEB128); parsing never traps and names the key on any defect.
public struct ValueHeader: Sendable, Equatable {
    /// The only value format this build writes and reads.
    public static let formatVersion: UInt8 = 1
    /// Longest possible header: 3 bytes plus two 10-byte LEB128 fields.
    static let maxSize = 24

    public var kind: ObjectKind
    public var codec: Codec
    /// Length of the decoded object.
    public var rawLength: Int
    /// Dictionary used (`zstdDictionary` codec), else 0.
    public var dictionaryID: UInt32

    public init(kind: ObjectKind, codec: Codec, rawLength: Int, dictionaryID: UInt32 = 0) {
        self.kind = kind
        self.codec = codec
        self.rawLength = rawLength
        self.dictionaryID = dictionaryID
    }

    /// The header's bytes.
    public var bytes: [UInt8] {
        var writer = ByteWriter(capacity: 12)
        writer.u8(Self.formatVersion)
        writer.u8(kind.rawValue)
        writer.u8(codec.rawValue)
        writer.length(rawLength)
        writer.varint(UInt64(dictionaryID))
        writer.u8(Self.crc8(writer.bytes[...]))
        return writer.bytes
    }

    /// Parses a header at the start of `raw`; returns it and its size.
    static func parse(_ raw: UnsafeRawBufferPointer, key: Hash256) throws -> (ValueHeader, Int) {
        guard raw.count >= 1 else { throw StoreError(.truncatedFrame, "empty stored value", hash: key) }
        guard raw[0] == formatVersion else {
            throw StoreError(.unknownFormatVersion, "value format version \(raw[0]) is not \(formatVersion)", hash: key)
        }
        guard raw.count >= 6 else { throw StoreError(.truncatedFrame, "stored value header is cut short", hash: key) }
        guard let kind = ObjectKind(rawValue: raw[1]) else {
            throw StoreError(.corruptValue, "unknown object kind \(raw[1]) in value header", hash: key)
        }
        guard let codec = Codec(rawValue: raw[2]) else {
            throw StoreError(.corruptValue, "unknown codec \(raw[2]) in value header", hash: key)
        }
        var offset = 3
        let rawLength = try leb128(raw, &offset, key: key)
        let dictionary = try leb128(raw, &offset, key: key)
        guard offset < raw.count else {
            throw StoreError(.truncatedFrame, "stored value header is cut short", hash: key)
        }
        let stored = raw[offset]
        var computed: UInt8 = 0
        for i in 0..<offset { computed = Self.crcTable[Int(computed ^ raw[i])] }
        guard stored == computed else {
            throw StoreError(.corruptValue, "value header checksum mismatch", hash: key)
        }
        offset += 1
        guard rawLength <= UInt64(Int.max), dictionary <= UInt64(UInt32.max) else {
            throw StoreError(.corruptValue, "value header field out of range", hash: key)
        }
        // Codec 2 always names a dictionary, codec 5 may, the others never do.
        if codec == .zstdDictionary ? dictionary == 0 : dictionary != 0 && codec != .sparseSectionZstd {
            throw StoreError(.corruptValue, "dictionary id \(dictionary) does not fit codec \(codec)", hash: key)
        }
        let header = ValueHeader(
            kind: kind,
            codec: codec,
            rawLength: Int(rawLength),
            dictionaryID: UInt32(dictionary)
        )
        return (header, offset)
    }

    /// CRC-8 (polynomial 0x07, initial value 0) of `bytes`.
    static func crc8(_ bytes: ArraySlice<UInt8>) -> UInt8 {
        var crc: UInt8 = 0
        for byte in bytes { crc = crcTable[Int(crc ^ byte)] }
        return crc
    }

    static let crcTable: [UInt8] = (0..<256).map { (value: Int) -> UInt8 in
        var crc = UInt8(value)
        for _ in 0..<8 { crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x07 : crc << 1 }
        return crc
    }

    private static func leb128(_ raw: UnsafeRawBufferPointer, _ offset: inout Int, key: Hash256) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < raw.count else {
                throw StoreError(.truncatedFrame, "stored value header is cut short", hash: key)
            }
            let byte = raw[offset]
            offset += 1
            guard shift < 63 || byte <= 1 else {
                throw StoreError(.corruptValue, "value header integer overflows", hash: key)
            }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }
}
