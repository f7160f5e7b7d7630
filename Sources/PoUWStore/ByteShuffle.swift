/// The 4-plane byte shuffle for float32 arrays: output holds every element's byte 0, then every byte 1, and so
/// on. Exponent and high mantissa bytes of similar floats then sit together, which zstd's entropy stage exploits.
/// A length that is not a multiple of 4 (a record whose short head puts its tensors off the 4-byte grid) shuffles
/// its first `4⌊n/4⌋` bytes and keeps the last `n mod 4` bytes as they are, at the end: the planes are still
/// planes, only shifted by the head's length.
enum ByteShuffle {
    /// Shuffles `src` into `dst` (as many bytes).
    static func shuffle(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) {
        let n = src.count / 4
        copyTail(src, into: dst)
        guard n > 0, let s = src.baseAddress, let d = dst.baseAddress else { return }
        let out = d.assumingMemoryBound(to: UInt8.self)
        for i in 0..<n {
            let word = UInt32(littleEndian: s.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
            out[i] = UInt8(truncatingIfNeeded: word)
            out[n &+ i] = UInt8(truncatingIfNeeded: word &>> 8)
            out[2 &* n &+ i] = UInt8(truncatingIfNeeded: word &>> 16)
            out[3 &* n &+ i] = UInt8(truncatingIfNeeded: word &>> 24)
        }
    }

    /// Inverse of `shuffle`.
    static func unshuffle(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) {
        let n = src.count / 4
        copyTail(src, into: dst)
        guard n > 0, let s = src.baseAddress, let d = dst.baseAddress else { return }
        let input = s.assumingMemoryBound(to: UInt8.self)
        for i in 0..<n {
            let word =
                UInt32(input[i]) | UInt32(input[n &+ i]) &<< 8 | UInt32(input[2 &* n &+ i]) &<< 16
                | UInt32(input[3 &* n &+ i]) &<< 24
            d.storeBytes(of: word.littleEndian, toByteOffset: i &* 4, as: UInt32.self)
        }
    }

    /// The last `count mod 4` bytes, which both directions leave in place.
    private static func copyTail(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) {
        let start = src.count / 4 * 4
        guard start < src.count else { return }
        UnsafeMutableRawBufferPointer(rebasing: dst[start..<src.count])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start...]))
    }
}
