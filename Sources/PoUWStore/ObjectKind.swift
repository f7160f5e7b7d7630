/// What an object holds; decides its codec. The raw value is part of the stored format and of export streams,
/// so a value, once assigned, is never reused.
public enum ObjectKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case block = 1
    case blockHeader = 2
    case transaction = 3
    /// A protocol message (small record).
    case message = 4
    /// A model checkpoint: float32 little-endian array.
    case checkpoint = 5
    /// Any other dense float32 little-endian array.
    case denseTensor = 6
    /// Sorted UInt32 little-endian words: bit 31 the sign, bits 0–30 the index.
    case sparseUpdate = 7
    /// Dataset batch bytes.
    case batch = 8
    /// Anything else.
    case blob = 9

    /// Small records whose codec is a trained dictionary once enough samples exist.
    public var usesDictionary: Bool {
        switch self {
        case .block, .blockHeader, .transaction, .message: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .block: "block"
        case .blockHeader: "blockHeader"
        case .transaction: "transaction"
        case .message: "message"
        case .checkpoint: "checkpoint"
        case .denseTensor: "denseTensor"
        case .sparseUpdate: "sparseUpdate"
        case .batch: "batch"
        case .blob: "blob"
        }
    }

    /// Parses a kind's name as printed by `description`.
    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = kind
    }
}

/// How a value's payload is encoded. Part of the stored format; values are never reused.
public enum Codec: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// The raw bytes themselves (when compression does not pay).
    case raw = 0
    /// One zstd frame of the raw bytes.
    case zstd = 1
    /// One zstd frame of the raw bytes compressed with the dictionary named in the header.
    case zstdDictionary = 2
    /// Float32 array split into 4 byte planes (all byte 0s, then all byte 1s, …), then one zstd frame.
    case shuffle4Zstd = 3
    /// Sparse update words as LEB128 of `(index delta << 1) | sign`, then one zstd frame.
    case sparseDeltaZstd = 4
    /// A record that carries non-decreasing u32 words in one section (an iteration message's update): LEB128 of
    /// the section's offset and word count, the bytes before it, each word as the LEB128 of its difference from
    /// the one before, the bytes after it; then one zstd frame, with the dictionary named in the header when it is
    /// not 0 (`SparseSection`).
    case sparseSectionZstd = 5

    public var description: String {
        switch self {
        case .raw: "raw"
        case .zstd: "zstd"
        case .zstdDictionary: "zstd+dict"
        case .shuffle4Zstd: "shuffle4+zstd"
        case .sparseDeltaZstd: "sparse-delta+zstd"
        case .sparseSectionZstd: "sparse-section+zstd"
        }
    }
}
