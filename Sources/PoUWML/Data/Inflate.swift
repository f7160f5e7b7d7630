/// A raw DEFLATE decoder (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks.
///
/// Guarantees: rejects every malformed stream with an `InflateError` (never traps, never reads out of
/// bounds); over-subscribed codes are rejected, incomplete codes only decode the codes they define; output is
/// capped at `limit` bytes.
public enum Inflate {
    /// Decompresses a raw deflate stream starting at `start`; returns the data and the offset just past the
    /// final block (byte-aligned).
    public static func decompress(
        _ input: [UInt8],
        from start: Int = 0,
        limit: Int = 1 << 31
    ) throws(InflateError) -> (output: [UInt8], end: Int) {
        var out: [UInt8] = []
        out.reserveCapacity(min(limit, max(1024, (input.count - start) * 3)))
        let result: Result<Int, InflateError> = input.withUnsafeBytes { raw in
            var bits = BitReader(raw, offset: start)
            do throws(InflateError) {
                try blocks(&bits, &out, limit)
                return .success(bits.alignedOffset)
            } catch {
                return .failure(error)
            }
        }
        return (out, try result.get())
    }

    private static func blocks(_ bits: inout BitReader, _ out: inout [UInt8], _ limit: Int) throws(InflateError) {
        var final = false
        while !final {
            final = try bits.take(1) == 1
            switch try bits.take(2) {
            case 0: try stored(&bits, &out, limit)
            case 1: try codes(&bits, &out, limit, Tables.fixedLiteral, Tables.fixedDistance)
            case 2:
                let (lit, dist) = try dynamicTables(&bits)
                try codes(&bits, &out, limit, lit, dist)
            default: throw .invalidBlockType
            }
        }
    }

    private static func stored(_ bits: inout BitReader, _ out: inout [UInt8], _ limit: Int) throws(InflateError) {
        bits.alignToByte()
        let len = Int(try bits.take(16))
        let nlen = Int(try bits.take(16))
        guard len == ~nlen & 0xffff else { throw .storedLengthMismatch }
        guard out.count + len <= limit else { throw .outputLimitExceeded(limit) }
        try bits.copyBytes(len, into: &out)
    }

    private static let lengthBase: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtra: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distBase: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distExtra: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    private static func codes(
        _ bits: inout BitReader,
        _ out: inout [UInt8],
        _ limit: Int,
        _ lit: Huffman,
        _ dist: Huffman
    ) throws(InflateError) {
        while true {
            let sym = try lit.decode(&bits)
            if sym < 256 {
                guard out.count < limit else { throw .outputLimitExceeded(limit) }
                out.append(UInt8(sym))
                continue
            }
            if sym == 256 { return }
            let li = sym - 257
            guard li < 29 else { throw .invalidSymbol }
            let length = lengthBase[li] + Int(try bits.take(lengthExtra[li]))
            let ds = try dist.decode(&bits)
            guard ds < 30 else { throw .invalidSymbol }
            let distance = distBase[ds] + Int(try bits.take(distExtra[ds]))
            guard distance <= out.count else { throw .distanceTooFar(distance: distance, available: out.count) }
            guard out.count + length <= limit else { throw .outputLimitExceeded(limit) }
            // Byte by byte: the source may overlap the bytes being written (distance < length).
            var from = out.count - distance
            for _ in 0..<length {
                out.append(out[from])
                from += 1
            }
        }
    }

    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private static func dynamicTables(_ bits: inout BitReader) throws(InflateError) -> (Huffman, Huffman) {
        let hlit = Int(try bits.take(5)) + 257
        let hdist = Int(try bits.take(5)) + 1
        let hclen = Int(try bits.take(4)) + 4
        guard hlit <= 286, hdist <= 30 else { throw .invalidCodeLengths("HLIT \(hlit) or HDIST \(hdist) too large") }
        var clLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<hclen { clLengths[codeLengthOrder[i]] = UInt8(try bits.take(3)) }
        let clCode = try Huffman(lengths: clLengths)
        var lengths: [UInt8] = []
        lengths.reserveCapacity(hlit + hdist)
        while lengths.count < hlit + hdist {
            let sym = try clCode.decode(&bits)
            switch sym {
            case 0..<16: lengths.append(UInt8(sym))
            case 16:
                guard let last = lengths.last else {
                    throw .invalidCodeLengths("repeat code 16 with no previous length")
                }
                let n = 3 + Int(try bits.take(2))
                lengths.append(contentsOf: repeatElement(last, count: n))
            case 17: lengths.append(contentsOf: repeatElement(0, count: 3 + Int(try bits.take(3))))
            default: lengths.append(contentsOf: repeatElement(0, count: 11 + Int(try bits.take(7))))
            }
        }
        guard lengths.count == hlit + hdist else { throw .invalidCodeLengths("repeat runs past the code count") }
        guard lengths[256] != 0 else { throw .invalidCodeLengths("no end-of-block code") }
        let lit = try Huffman(lengths: Array(lengths[0..<hlit]))
        let dist = try Huffman(lengths: Array(lengths[hlit...]))
        return (lit, dist)
    }

    private enum Tables {
        static let fixedLiteral: Huffman = {
            var l = [UInt8](repeating: 8, count: 288)
            for i in 144..<256 { l[i] = 9 }
            for i in 256..<280 { l[i] = 7 }
            // The fixed code is complete by definition.
            return (try? Huffman(lengths: l)) ?? Huffman.empty
        }()
        static let fixedDistance: Huffman = (try? Huffman(lengths: [UInt8](repeating: 5, count: 30))) ?? Huffman.empty
    }
}

/// A canonical Huffman code as a direct lookup table indexed by the next `maxLength` input bits.
struct Huffman: Sendable {
    /// `symbol << 4 | length`, 0 for bit patterns no code starts with.
    let table: [UInt32]
    let maxLength: Int

    static let empty = Huffman(table: [0, 0], maxLength: 1)

    private init(table: [UInt32], maxLength: Int) {
        self.table = table
        self.maxLength = maxLength
    }

    init(lengths: [UInt8]) throws(InflateError) {
        var counts = [Int](repeating: 0, count: 16)
        for l in lengths where l > 0 { counts[Int(l)] += 1 }
        var maxLength = 0
        for l in 1..<16 where counts[l] > 0 { maxLength = l }
        if maxLength == 0 {
            // No codes (allowed for an unused distance code): every lookup fails.
            self = .empty
            return
        }
        var left = 1
        for l in 1..<16 {
            left <<= 1
            left -= counts[l]
            if left < 0 { throw .invalidCodeLengths("over-subscribed code") }
        }
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for l in 1..<16 {
            next[l] = code
            code = (code + counts[l]) << 1
        }
        var table = [UInt32](repeating: 0, count: 1 << maxLength)
        for (symbol, l8) in lengths.enumerated() where l8 > 0 {
            let l = Int(l8)
            let c = next[l]
            next[l] += 1
            var reversed = 0
            for b in 0..<l where c & (1 << b) != 0 { reversed |= 1 << (l - 1 - b) }
            let entry = UInt32(symbol) << 4 | UInt32(l)
            var i = reversed
            while i < table.count {
                table[i] = entry
                i += 1 << l
            }
        }
        self.table = table
        self.maxLength = maxLength
    }

    @inline(__always)
    func decode(_ bits: inout BitReader) throws(InflateError) -> Int {
        let peeked = bits.peek(maxLength)
        let entry = table[Int(peeked.value)]
        let length = Int(entry & 15)
        guard length > 0, length <= peeked.available else {
            throw peeked.available < maxLength ? .unexpectedEnd : .invalidSymbol
        }
        bits.skip(length)
        return Int(entry >> 4)
    }
}

/// Reads bits least-significant first from a byte buffer, as DEFLATE packs them.
struct BitReader {
    let bytes: UnsafeRawBufferPointer
    var offset: Int
    var buffer: UInt64 = 0
    var count = 0

    init(_ bytes: UnsafeRawBufferPointer, offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    @inline(__always)
    mutating func refill() {
        while count <= 56 && offset < bytes.count {
            buffer |= UInt64(bytes[offset]) << UInt64(count)
            offset += 1
            count += 8
        }
    }

    /// The next `n` bits (fewer may be available at the end; `available` says how many are real).
    @inline(__always)
    mutating func peek(_ n: Int) -> (value: UInt64, available: Int) {
        if count < n { refill() }
        return (buffer & ((1 << UInt64(n)) - 1), min(count, n))
    }

    @inline(__always)
    mutating func skip(_ n: Int) {
        buffer >>= UInt64(n)
        count -= n
    }

    @inline(__always)
    mutating func take(_ n: Int) throws(InflateError) -> UInt64 {
        if n == 0 { return 0 }
        if count < n { refill() }
        guard count >= n else { throw .unexpectedEnd }
        let v = buffer & ((1 << UInt64(n)) - 1)
        skip(n)
        return v
    }

    mutating func alignToByte() { skip(count % 8) }

    /// The offset of the first byte not yet consumed, after dropping bits of a partial byte.
    var alignedOffset: Int { offset - count / 8 }

    mutating func copyBytes(_ n: Int, into out: inout [UInt8]) throws(InflateError) {
        alignToByte()
        let start = alignedOffset
        guard start + n <= bytes.count else { throw .unexpectedEnd }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<start + n]))
        offset = start + n
        buffer = 0
        count = 0
    }
}
