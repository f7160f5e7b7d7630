public import PoUWCore

/// A sparse ±τ update as carried in an iteration message: 32-bit words, bit 31 the sign (set = −τ), bits 0–30
/// the flat parameter index.
///
/// Guarantees: the words are strictly increasing as unsigned integers (so all +τ entries come first, each group
/// by increasing index) and no parameter index appears twice (not even with both signs). This is the one
/// canonical order, so equal updates have equal bytes. Canonical form (nested, no tag): LEB128 count, then each
/// word as u32 little-endian.
public struct SparseUpdateWords: Sendable, Hashable {
    /// Bit 31: the word is a −τ step.
    public static let signBit: UInt32 = 1 << 31
    /// Bits 0–30: the flat parameter index.
    public static let indexMask: UInt32 = signBit - 1

    /// The words in canonical order.
    public let words: [UInt32]

    /// The empty update.
    public static let empty = SparseUpdateWords(validated: [])

    /// Checks the canonical order; throws `IterationMessageError.updateNotCanonical` at the first offending word.
    public init(words: [UInt32]) throws(IterationMessageError) {
        try Self.check(words)
        self.words = words
    }

    private init(validated words: [UInt32]) { self.words = words }

    /// Builds the canonical update from (index, sign) steps in any order; throws if an index repeats or does not
    /// fit in 31 bits.
    public init(steps: [(index: UInt32, negative: Bool)]) throws(IterationMessageError) {
        var words = [UInt32]()
        words.reserveCapacity(steps.count)
        for step in steps {
            guard step.index <= Self.indexMask else { throw .updateNotCanonical(position: words.count) }
            words.append(step.index | (step.negative ? Self.signBit : 0))
        }
        words.sort()
        try self.init(words: words)
    }

    /// Number of ±τ steps.
    public var count: Int { words.count }

    /// The largest parameter index named, or `nil` for the empty update.
    public var maxIndex: UInt32? { words.lazy.map { $0 & Self.indexMask }.max() }

    private static func check(_ words: [UInt32]) throws(IterationMessageError) {
        if words.count > IterationMessageLimits.maxUpdateWords {
            throw .updateNotCanonical(position: IterationMessageLimits.maxUpdateWords)
        }
        let position: Int? = words.withUnsafeBufferPointer { firstViolation($0) }
        if let position { throw .updateNotCanonical(position: position) }
    }

    /// The position of the first word that breaks the canonical order, or `nil`. Strictly increasing words; then
    /// the negative half (bit 31 set) must not repeat an index of the positive half. Both halves are sorted by
    /// index, so a merge walk finds a repeat in linear time; the walk advances without data-dependent branches
    /// (the two halves interleave unpredictably, and a mispredicted branch per word costs more than the word).
    private static func firstViolation(_ w: UnsafeBufferPointer<UInt32>) -> Int? {
        let count = w.count
        guard count > 1 else { return nil }
        var descents: UInt32 = 0
        for i in 1..<count { descents |= w[i - 1] >= w[i] ? 1 : 0 }
        if descents != 0 {
            for i in 1..<count where w[i] <= w[i - 1] { return i }
        }
        // Words ascend, so the negative half starts at the first word with bit 31 set.
        var split = count
        if w[count - 1] & signBit != 0 {
            var low = 0
            var high = count - 1
            while low < high {
                let mid = (low + high) / 2
                if w[mid] & signBit != 0 { high = mid } else { low = mid + 1 }
            }
            split = low
        }
        return firstRepeat(w, split: split)
    }

    /// The first position in the negative half `w[split...]` whose index also appears in the positive half
    /// `w[..<split]` (both sorted by index), or `nil`. The negative half is cut into 4 lanes, each starting its
    /// merge walk at the first positive index not below the lane's first index (binary search); the 4 walks run
    /// interleaved, so the CPU overlaps their load-compare-advance chains (one walk waits on its previous step
    /// each time). Lanes cover the negative half in order, so the lowest lane's first repeat is the first one.
    private static func firstRepeat(_ w: UnsafeBufferPointer<UInt32>, split: Int) -> Int? {
        let count = w.count
        guard split > 0, split < count else { return nil }
        let negatives = count - split
        let lanes = 4
        // Lane k covers negative positions [start[k], end[k]); p[k] is its walk's position in the positive half.
        var n = (0, 0, 0, 0)
        var end = (0, 0, 0, 0)
        var p = (0, 0, 0, 0)
        func lowerBound(_ index: UInt32) -> Int {
            var low = 0
            var high = split
            while low < high {
                let mid = (low + high) / 2
                if w[mid] < index { low = mid + 1 } else { high = mid }
            }
            return low
        }
        func lane(_ k: Int) -> (n: Int, end: Int, p: Int) {
            let start = split + negatives * k / lanes
            let stop = split + negatives * (k + 1) / lanes
            return (start, stop, start < stop ? lowerBound(w[start] & indexMask) : split)
        }
        (n.0, end.0, p.0) = lane(0)
        (n.1, end.1, p.1) = lane(1)
        (n.2, end.2, p.2) = lane(2)
        (n.3, end.3, p.3) = lane(3)
        // A lane that found a repeat stops there (its n is the repeat); one that ran out stops with n = end.
        var found = (false, false, false, false)
        @inline(__always)
        func step(_ p: inout Int, _ n: inout Int, _ end: Int, _ found: inout Bool) -> Bool {
            guard !found, p < split, n < end else { return false }
            let pi = w[p]
            let ni = w[n] & indexMask
            if pi == ni {
                found = true
                return false
            }
            let advance = pi < ni ? 1 : 0
            p &+= advance
            n &+= 1 &- advance
            return true
        }
        while true {
            let a = step(&p.0, &n.0, end.0, &found.0)
            let b = step(&p.1, &n.1, end.1, &found.1)
            let c = step(&p.2, &n.2, end.2, &found.2)
            let d = step(&p.3, &n.3, end.3, &found.3)
            if !(a || b || c || d) { break }
        }
        if found.0 { return n.0 }
        if found.1 { return n.1 }
        if found.2 { return n.2 }
        if found.3 { return n.3 }
        return nil
    }

    /// Writes the nested canonical form (count, words).
    public func encode(to writer: inout ByteWriter) {
        writer.length(words.count)
        #if _endian(little)
        words.withUnsafeBytes { writer.raw($0) }
        #else
        for word in words { writer.u32(word) }
        #endif
    }

    /// Reads the nested canonical form strictly (limit, length against the input, canonical order).
    public init(from reader: inout ByteReader) throws {
        let n = try reader.length(field: "update", limit: IterationMessageLimits.maxUpdateWords)
        guard n * 4 <= reader.remaining else {
            throw CanonicalDecodingError.truncated(offset: reader.offset, needed: n * 4 - reader.remaining)
        }
        let words = try reader.withRaw(n * 4) { raw in
            [UInt32](unsafeUninitializedCapacity: n) { buffer, initialized in
                #if _endian(little)
                if n > 0, let base = buffer.baseAddress, let source = raw.baseAddress {
                    UnsafeMutableRawPointer(base).copyMemory(from: source, byteCount: n * 4)
                }
                #else
                for i in 0..<n {
                    buffer[i] = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                }
                #endif
                initialized = n
            }
        }
        do {
            try self.init(words: words)
        } catch {
            throw CanonicalDecodingError.invalidValue(field: "update", reason: error.description)
        }
    }

    /// The nested canonical bytes (what the nonce precursor hashes).
    public var canonicalBytes: [UInt8] {
        var writer = ByteWriter(capacity: 5 + 4 * words.count)
        encode(to: &writer)
        return writer.bytes
    }
}
