/// The transform of `Codec.sparseSectionZstd`: a record whose bytes `offset ..< offset + 4 × count` are u32
/// little-endian words in non-decreasing order (an iteration message's update: strictly increasing words, the +τ
/// steps by index, then the −τ ones) is coded as
///
///     LEB128(offset) · LEB128(count) · bytes before the words · LEB128(word − previous word) each · bytes after
///
/// (the previous word starting at 0), which the store then compresses into one zstd frame. Guarantees:
/// `decode(encode(x)) == x`; `decode` checks every length against the declared size before copying and rejects
/// any malformed stream with `nil`, never trapping.
enum SparseSection {
    /// The store codes a section of fewer words with the kind's usual codec instead: for the ~500-byte messages
    /// of `pouw-bench store`'s throughput rounds (16–24 words) the section saved 4.7 % of the bytes (ratio 1.213 →
    /// 1.273) for an extra pass on the write path; a digits demo's messages have 64 words or more in 95 % of cases.
    static let minimumWords = 64

    /// The coded stream, or `nil` when `words` is not whole words inside `bytes` or they are out of order.
    static func encode(_ bytes: [UInt8], words: Range<Int>) -> [UInt8]? {
        guard words.lowerBound >= 0, words.upperBound <= bytes.count, words.count % 4 == 0 else { return nil }
        guard let coded = bytes.withUnsafeBytes({ encodeWords(UnsafeRawBufferPointer(rebasing: $0[words])) }) else {
            return nil
        }
        var out: [UInt8] = []
        out.reserveCapacity(20 + bytes.count - words.count + coded.count)
        leb128(UInt64(words.lowerBound), into: &out)
        leb128(UInt64(words.count / 4), into: &out)
        out.append(contentsOf: bytes[..<words.lowerBound])
        out.append(contentsOf: coded)
        out.append(contentsOf: bytes[words.upperBound...])
        return out
    }

    /// The most bytes a stream for a record of `size` bytes can hold (each word codes to at most 5 bytes, so at
    /// most `size / 4` more than the record, plus the two LEB128 fields).
    static func streamLimit(size: Int) -> Int { size + size / 4 + 20 }

    /// The record of `size` bytes that `stream` codes, or `nil` when the stream is malformed.
    static func decode(_ stream: UnsafeRawBufferPointer, size: Int) -> [UInt8]? {
        var position = 0
        guard let offset = leb128(stream, &position), offset <= UInt64(size),
            let count = leb128(stream, &position), count <= UInt64(size - Int(offset)) / 4
        else { return nil }
        let prefix = Int(offset)
        let wordBytes = Int(count) * 4
        let suffix = size - prefix - wordBytes
        let codedCount = stream.count - position - prefix - suffix
        guard codedCount >= 0 else { return nil }
        var ok = false
        let record = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            let out = UnsafeMutableRawBufferPointer(buffer)
            let codedStart = position + prefix
            if prefix > 0 { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: stream[position..<codedStart])) }
            ok = decodeWords(
                UnsafeRawBufferPointer(rebasing: stream[codedStart..<codedStart + codedCount]),
                count: Int(count),
                into: UnsafeMutableRawBufferPointer(rebasing: out[prefix..<prefix + wordBytes])
            )
            if ok && suffix > 0 {
                UnsafeMutableRawBufferPointer(rebasing: out[(prefix + wordBytes)...]).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: stream[(codedStart + codedCount)...])
                )
            }
            initialized = ok ? size : 0
        }
        return ok ? record : nil
    }

    /// The byte range of the words `stream` codes (from its two leading fields), or `nil` when they do not fit a
    /// record of `size` bytes.
    static func words(of stream: UnsafeRawBufferPointer, size: Int) -> Range<Int>? {
        var position = 0
        guard let offset = leb128(stream, &position), offset <= UInt64(size),
            let count = leb128(stream, &position), count <= UInt64(size - Int(offset)) / 4
        else { return nil }
        return Int(offset)..<Int(offset) + Int(count) * 4
    }

    /// The words' deltas, or `nil` when a word is below the one before it.
    private static func encodeWords(_ raw: UnsafeRawBufferPointer) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count / 2 + 8)
        var previous: UInt32 = 0
        for i in 0..<raw.count / 4 {
            let word = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            guard word >= previous else { return nil }
            leb128(UInt64(word - previous), into: &out)
            previous = word
        }
        return out
    }

    /// Decodes exactly `count` words from all of `coded` into `dst`; `false` on any malformed input (a delta
    /// beyond 32 bits, a sum beyond `UInt32.max`, bytes left over or missing).
    private static func decodeWords(
        _ coded: UnsafeRawBufferPointer,
        count: Int,
        into dst: UnsafeMutableRawBufferPointer
    ) -> Bool {
        var position = 0
        var word: UInt64 = 0
        for i in 0..<count {
            guard let delta = leb128(coded, &position), delta <= UInt64(UInt32.max) else { return false }
            word += delta
            guard word <= UInt64(UInt32.max) else { return false }
            dst.storeBytes(of: UInt32(word).littleEndian, toByteOffset: 4 * i, as: UInt32.self)
        }
        return position == coded.count
    }

    private static func leb128(_ value: UInt64, into out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    private static func leb128(_ stream: UnsafeRawBufferPointer, _ position: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < stream.count, shift < 63 {
            let byte = stream[position]
            position += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }
}
