/// The gzip container (RFC 1952) around `Inflate`.
///
/// Guarantees: checks the magic, method (deflate), reserved flags, optional header CRC16, and each member's
/// CRC32 and ISIZE trailer; concatenated members are decoded in order; trailing bytes that are not a member
/// are an error.
public enum Gzip {
    /// Whether `bytes` starts with the gzip magic number.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Decompresses a whole gzip file.
    public static func decompress(_ bytes: [UInt8], limit: Int = 1 << 31) throws(InflateError) -> [UInt8] {
        var output: [UInt8] = []
        var offset = 0
        repeat {
            offset = try member(bytes, at: offset, limit: limit - output.count, into: &output)
        } while offset < bytes.count
        return output
    }

    private static func member(
        _ b: [UInt8],
        at start: Int,
        limit: Int,
        into output: inout [UInt8]
    ) throws(InflateError) -> Int {
        guard b.count - start >= 18 else { throw start == 0 ? .notGzip : .unexpectedEnd }
        guard b[start] == 0x1f, b[start + 1] == 0x8b else { throw .notGzip }
        guard b[start + 2] == 8 else { throw .unsupportedMethod(b[start + 2]) }
        let flags = b[start + 3]
        guard flags & 0xe0 == 0 else { throw .reservedFlags(flags) }
        var p = start + 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard p + 2 <= b.count else { throw .unexpectedEnd }
            p += 2 + (Int(b[p]) | Int(b[p + 1]) << 8)
        }
        for bit in [UInt8(0x08), 0x10] where flags & bit != 0 {  // FNAME, FCOMMENT: zero-terminated
            while p < b.count && b[p] != 0 { p += 1 }
            p += 1
        }
        if flags & 0x02 != 0 {  // FHCRC
            guard p + 2 <= b.count else { throw .unexpectedEnd }
            let stored = UInt32(b[p]) | UInt32(b[p + 1]) << 8
            guard CRC32.checksum(Array(b[start..<p])) & 0xffff == stored else { throw .headerChecksumMismatch }
            p += 2
        }
        guard p <= b.count else { throw .unexpectedEnd }
        let (data, end) = try Inflate.decompress(b, from: p, limit: limit)
        guard end + 8 <= b.count else { throw .unexpectedEnd }
        let crc = UInt32(b[end]) | UInt32(b[end + 1]) << 8 | UInt32(b[end + 2]) << 16 | UInt32(b[end + 3]) << 24
        let size =
            UInt32(b[end + 4]) | UInt32(b[end + 5]) << 8 | UInt32(b[end + 6]) << 16 | UInt32(b[end + 7]) << 24
        let computed = CRC32.checksum(data)
        guard computed == crc else { throw .crcMismatch(expected: crc, computed: computed) }
        let actual = UInt32(truncatingIfNeeded: data.count)
        guard actual == size else { throw .sizeMismatch(expected: size, computed: actual) }
        if output.isEmpty { output = data } else { output.append(contentsOf: data) }
        return end + 8
    }
}
