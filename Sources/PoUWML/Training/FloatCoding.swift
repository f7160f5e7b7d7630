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

    /// Reads `count` finite floats; `field` names the tensor in errors.
    static func readFinite(_ count: Int, field: String, from reader: inout ByteReader) throws -> [Float] {
        let raw = try reader.raw(count * 4)
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBytes { dst in
            raw.withUnsafeBytes { src in dst.copyMemory(from: src) }
        }
        #if !_endian(little)
        for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
        #endif
        try checkFinite(out, field: field)
        return out
    }

    static func readInt32(_ count: Int, from reader: inout ByteReader) throws -> [Int32] {
        let raw = try reader.raw(count * 4)
        var out = [Int32](repeating: 0, count: count)
        out.withUnsafeMutableBytes { dst in
            raw.withUnsafeBytes { src in dst.copyMemory(from: src) }
        }
        #if !_endian(little)
        for i in 0..<count { out[i] = Int32(littleEndian: out[i]) }
        #endif
        return out
    }

    /// Throws `invalidValue(field:)` for the first NaN or infinity.
    static func checkFinite(_ values: [Float], field: String) throws {
        for (i, v) in values.enumerated() where !v.isFinite {
            throw CanonicalDecodingError.invalidValue(field: field, reason: "element \(i) is \(v) (must be finite)")
        }
    }
}
