/// The delta coding of sparse updates: the raw form is little-endian UInt32 words (bit 31 the sign, bits 0–30
/// the index) sorted by index; the coded form is, per word, LEB128 of `(index − previous index) << 1 | sign`.
enum SparseCoding {
    /// The coded form, or `nil` when `raw` is not a whole number of words with non-decreasing indices (the
    /// store then uses plain zstd).
    static func encode(_ raw: UnsafeRawBufferPointer) -> [UInt8]? {
        guard raw.count % 4 == 0, let base = raw.baseAddress else { return raw.isEmpty ? [] : nil }
        var out = [UInt8]()
        out.reserveCapacity(raw.count / 2 + 16)
        var previous: UInt32 = 0
        for i in 0..<raw.count / 4 {
            let word = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
            let index = word & 0x7fff_ffff
            guard index >= previous else { return nil }
            var value = UInt64(index - previous) << 1 | UInt64(word >> 31)
            previous = index
            while value >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: value) | 0x80)
                value >>= 7
            }
            out.append(UInt8(value))
        }
        return out
    }

    /// Decodes exactly `wordCount` words from `coded` into `dst`; `false` on any malformed input.
    static func decode(
        _ coded: UnsafeRawBufferPointer,
        wordCount: Int,
        into dst: UnsafeMutableRawBufferPointer
    )
        -> Bool
    {
        var offset = 0
        var index: UInt64 = 0
        for i in 0..<wordCount {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard offset < coded.count, shift < 35 else { return false }
                let byte = coded[offset]
                offset += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
            }
            index += value >> 1
            guard index <= 0x7fff_ffff else { return false }
            let word = UInt32(index) | UInt32(value & 1) << 31
            dst.storeBytes(of: word.littleEndian, toByteOffset: i * 4, as: UInt32.self)
        }
        return offset == coded.count
    }
}
