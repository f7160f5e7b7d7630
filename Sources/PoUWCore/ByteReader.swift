/// Reads canonical bytes strictly: every defect is a distinct `CanonicalDecodingError`, never a trap, and no
/// allocation is sized from input without a limit check first.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    /// Index of the next byte to read.
    public private(set) var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - offset }

    /// Reads and checks a record's tag, returning its version if it is in `versions`.
    @discardableResult
    public mutating func header(tag: RecordTag, versions: ClosedRange<UInt8>) throws -> UInt8 {
        let found = try u8()
        guard found == tag.rawValue else {
            throw CanonicalDecodingError.unexpectedTag(expected: tag.rawValue, found: found)
        }
        let version = try u8()
        guard versions.contains(version) else {
            throw CanonicalDecodingError.unknownVersion(tag: tag.rawValue, version: version)
        }
        return version
    }

    /// Throws `.trailingBytes` unless every byte has been read. Call at the end of a top-level decode.
    public func finish() throws {
        if remaining != 0 { throw CanonicalDecodingError.trailingBytes(offset: offset, count: remaining) }
    }

    public mutating func u8() throws -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A boolean encoded as exactly 0 or 1.
    public mutating func bool(field: String = "bool") throws -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let other: throw CanonicalDecodingError.invalidValue(field: field, reason: "byte \(other) is not 0 or 1")
        }
    }

    public mutating func u16() throws -> UInt16 { try fixed() }

    public mutating func u32() throws -> UInt32 { try fixed() }

    public mutating func u64() throws -> UInt64 { try fixed() }

    public mutating func i64() throws -> Int64 { Int64(bitPattern: try fixed()) }

    public mutating func f32() throws -> Float { Float(bitPattern: try fixed()) }

    /// Minimal unsigned LEB128, at most 64 bits.
    public mutating func varint() throws -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            let payload = UInt64(byte & 0x7f)
            if shift == 63 && payload > 1 { throw CanonicalDecodingError.varintOverflow(offset: start) }
            result |= payload << shift
            if byte & 0x80 == 0 {
                if byte == 0 && offset - start > 1 { throw CanonicalDecodingError.nonMinimalVarint(offset: start) }
                return result
            }
            shift += 7
            if shift > 63 { throw CanonicalDecodingError.varintOverflow(offset: start) }
        }
    }

    /// A LEB128 length or count no greater than `limit`.
    public mutating func length(field: String, limit: Int) throws -> Int {
        let value = try varint()
        guard value <= UInt64(limit) else {
            throw CanonicalDecodingError.lengthLimitExceeded(field: field, length: value, limit: limit)
        }
        return Int(value)
    }

    /// Exactly `count` raw bytes.
    public mutating func raw(_ count: Int) throws -> [UInt8] {
        try need(count)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A LEB128 length (at most `limit`) followed by that many bytes.
    /// Reads `count` bytes without copying them: `body` sees them in place (valid only during the call).
    public mutating func withRaw<T>(_ count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        try need(count)
        defer { offset += count }
        return try bytes.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[offset..<offset + count]))
        }
    }

    public mutating func lengthPrefixed(field: String, limit: Int) throws -> [UInt8] {
        let n = try length(field: field, limit: limit)
        return try raw(n)
    }

    /// A LEB128 byte length (at most `limit`) followed by valid UTF-8.
    public mutating func string(field: String, limit: Int) throws -> String {
        let utf8 = try lengthPrefixed(field: field, limit: limit)
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw CanonicalDecodingError.invalidValue(field: field, reason: "not valid UTF-8")
        }
        return text
    }

    public mutating func hash() throws -> Hash256 {
        try need(32)
        let h = Hash256(bytes: bytes[offset..<offset + 32])!
        offset += 32
        return h
    }

    /// A LEB128 count (at most `limit`) of 32-byte hashes, then the hashes. The count is checked against the bytes
    /// left before anything is allocated: a huge declared count is refused as `.truncated` at once, at no cost.
    public mutating func hashes(field: String, limit: Int) throws -> [Hash256] {
        let count = try length(field: field, limit: limit)
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: 32)
        if overflow || byteCount > remaining {
            throw CanonicalDecodingError.truncated(offset: offset, needed: overflow ? Int.max : byteCount - remaining)
        }
        var out = [Hash256]()
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try hash()) }
        return out
    }

    private func need(_ count: Int) throws {
        if count > remaining { throw CanonicalDecodingError.truncated(offset: offset, needed: count - remaining) }
    }

    private mutating func fixed<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let size = MemoryLayout<T>.size
        try need(size)
        var value: T = 0
        for i in 0..<size {
            value |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i)
        }
        offset += size
        return value
    }
}
