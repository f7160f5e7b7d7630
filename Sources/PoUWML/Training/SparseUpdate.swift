public import PoUWCore

/// One iteration's quantised weight update: a set of `±τ` steps on distinct parameters.
///
/// Word format: bit 31 is the sign (1 = −τ), bits 0–30 the flat parameter index (`Architecture` layout). Words
/// are sorted ascending by their 32-bit value (so all `+τ` words come first, each group by index), and no index
/// appears twice. Canonical bytes (version 1): `tag 0x32, version 1, τ f32, parameterCount LEB128,
/// wordCount LEB128, words u32 LE…`. Guarantees: any value of this type satisfies all of the above (the
/// initialisers check), τ is finite and positive.
public struct SparseUpdate: Sendable, Equatable, CanonicalCodable {
    public static let version: UInt8 = 1
    public static let signBit: UInt32 = 1 << 31

    /// The step size every word stands for.
    public let tau: Float
    /// The model's parameter count (every index is below it).
    public let parameterCount: Int
    /// Sorted words, see the type's documentation.
    public let words: [UInt32]

    /// Checks and wraps `words`; throws `CanonicalDecodingError.invalidValue` naming the defect.
    public init(tau: Float, parameterCount: Int, words: [UInt32]) throws {
        guard tau.isFinite, tau > 0 else {
            throw CanonicalDecodingError.invalidValue(
                field: "sparseUpdate.tau",
                reason: "\(tau) is not a finite positive number"
            )
        }
        guard parameterCount > 0, parameterCount <= TaskDefinition.maxParameters else {
            throw CanonicalDecodingError.invalidValue(
                field: "sparseUpdate.parameterCount",
                reason: "\(parameterCount) is outside 1…\(TaskDefinition.maxParameters)"
            )
        }
        var previous: UInt32? = nil
        var firstNegative = words.count
        for (i, word) in words.enumerated() {
            if let previous, word <= previous {
                throw CanonicalDecodingError.invalidValue(
                    field: "sparseUpdate.words",
                    reason: "word \(i) is not greater than the one before it"
                )
            }
            let index = Int(word & ~Self.signBit)
            if index >= parameterCount {
                throw CanonicalDecodingError.invalidValue(
                    field: "sparseUpdate.words",
                    reason: "word \(i) has parameter index \(index), out of range for \(parameterCount) parameters"
                )
            }
            if word & Self.signBit != 0 && firstNegative == words.count { firstNegative = i }
            previous = word
        }
        // The same index with both signs: merge the two sorted index lists.
        var a = 0
        var b = firstNegative
        while a < firstNegative && b < words.count {
            let ia = words[a]
            let ib = words[b] & ~Self.signBit
            if ia == ib {
                throw CanonicalDecodingError.invalidValue(
                    field: "sparseUpdate.words",
                    reason: "parameter index \(ia) appears with both signs"
                )
            }
            if ia < ib { a += 1 } else { b += 1 }
        }
        self.tau = tau
        self.parameterCount = parameterCount
        self.words = words
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .sparseUpdate, versions: Self.version...Self.version)
        let tau = try reader.f32()
        let count = try reader.length(field: "sparseUpdate.parameterCount", limit: TaskDefinition.maxParameters)
        let n = try reader.length(field: "sparseUpdate.wordCount", limit: count)
        let raw = try reader.raw(n * 4)
        var words = [UInt32](repeating: 0, count: n)
        for i in 0..<n {
            let b0 = UInt32(raw[4 * i])
            let b1 = UInt32(raw[4 * i + 1]) << 8
            let b2 = UInt32(raw[4 * i + 2]) << 16
            let b3 = UInt32(raw[4 * i + 3]) << 24
            words[i] = b0 | b1 | b2 | b3
        }
        try self.init(tau: tau, parameterCount: count, words: words)
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .sparseUpdate, version: Self.version)
        writer.f32(tau)
        writer.length(parameterCount)
        writer.length(words.count)
        for word in words { writer.u32(word) }
    }

    /// Number of `+τ` and `−τ` steps.
    public var count: Int { words.count }
}
