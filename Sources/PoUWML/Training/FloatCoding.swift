import PoUWCore

/// Bulk little-endian coding of `Float`/`Int32` arrays inside canonical records (bit patterns, 4 bytes each).
///
/// Guarantees: identical bytes on every platform (byte-swapped on big-endian hosts); decoding rejects NaN and
/// ±∞ with an error naming the tensor.
enum FloatCoding {
    static func write(_ values: [Float], to writer: inout ByteWriter) {
        #if _endian(little)
        values.withUnsafeBytes { writer.raw($0) }
        #else
        for v in values { writer.f32(v) }
        #endif
    }

    static func write(_ values: [Int32], to writer: inout ByteWriter) {
        #if _endian(little)
        values.withUnsafeBytes { writer.raw($0) }
        #else
        for v in values { writer.u32(UInt32(bitPattern: v)) }
        #endif
    }

    /// Reads `count` finite floats; `field` names the tensor in errors. Copies straight from the reader's bytes
    /// into the result (no intermediate buffer, no zero fill).
    static func readFinite(_ count: Int, field: String, from reader: inout ByteReader) throws -> [Float] {
        let out = try reader.withRaw(count * 4) { src in
            [Float](unsafeUninitializedCapacity: count) { dst, initialized in
                UnsafeMutableRawBufferPointer(dst).copyMemory(from: src)
                initialized = count
            }
        }
        #if _endian(little)
        try checkFinite(out, field: field)
        return out
        #else
        let swapped = out.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        try checkFinite(swapped, field: field)
        return swapped
        #endif
    }

    static func readInt32(_ count: Int, from reader: inout ByteReader) throws -> [Int32] {
        let out = try reader.withRaw(count * 4) { src in
            [Int32](unsafeUninitializedCapacity: count) { dst, initialized in
                UnsafeMutableRawBufferPointer(dst).copyMemory(from: src)
                initialized = count
            }
        }
        #if _endian(little)
        return out
        #else
        return out.map { Int32(littleEndian: $0) }
        #endif
    }

    /// Whether any element is below zero (one pass that vectorizes; -0 is not below zero).
    static func hasNegative(_ values: [Float]) -> Bool {
        values.withUnsafeBufferPointer { buffer in
            var negative: UInt32 = 0
            for v in buffer { negative |= UInt32(v < 0 ? 1 : 0) }
            return negative != 0
        }
    }

    /// Throws `invalidValue(field:)` for the first NaN or infinity.
    static func checkFinite(_ values: [Float], field: String) throws {
        // A float is NaN or ±∞ exactly when its exponent bits are all ones; test all of them in one pass first.
        let allFinite = values.withUnsafeBufferPointer { buffer in
            var bad: UInt32 = 0
            for v in buffer { bad |= UInt32((v.bitPattern & 0x7F80_0000) == 0x7F80_0000 ? 1 : 0) }
            return bad == 0
        }
        if allFinite { return }
        for (i, v) in values.enumerated() where !v.isFinite {
            throw CanonicalDecodingError.invalidValue(field: field, reason: "element \(i) is \(v) (must be finite)")
        }
    }
}
