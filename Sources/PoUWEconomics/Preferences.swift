public import PoUWCore

/// Which kind of preferences a role declares.
public enum PreferenceKind: UInt8, Sendable, Hashable {
    case compute = 0
    case storage = 1
}

/// What a compute worker (miner, evaluator, verifier) offers: the model types it will train, its GPUs and the
/// largest dataset it accepts. Canonical: model types are unique, sorted by their UTF-8 bytes, 1…16 of them,
/// each 1…32 bytes of `[a-z0-9_-]`.
public struct ComputePreferences: Sendable, Hashable {
    public static let maxModelTypes = 16
    public static let maxModelTypeLength = 32

    public let modelTypes: [String]
    public let gpuCount: UInt16
    /// Memory of each GPU, MiB.
    public let gpuMemoryMiB: UInt32
    public let maxDatasetBytes: UInt64

    /// Sorts and deduplicates `modelTypes`; throws `CanonicalDecodingError.invalidValue` for an empty list,
    /// too many entries or a malformed name.
    public init(modelTypes: [String], gpuCount: UInt16, gpuMemoryMiB: UInt32, maxDatasetBytes: UInt64) throws {
        let sorted = Array(Set(modelTypes)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        try Self.checkModelTypes(sorted)
        self.modelTypes = sorted
        self.gpuCount = gpuCount
        self.gpuMemoryMiB = gpuMemoryMiB
        self.maxDatasetBytes = maxDatasetBytes
    }

    static func checkModelTypes(_ names: [String]) throws {
        guard !names.isEmpty, names.count <= maxModelTypes else {
            throw CanonicalDecodingError.invalidValue(field: "modelTypes", reason: "need 1…\(maxModelTypes) entries")
        }
        for name in names { try checkModelType(name) }
    }

    static func checkModelType(_ name: String) throws {
        let utf8 = Array(name.utf8)
        let allowed = utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
        guard !utf8.isEmpty, utf8.count <= maxModelTypeLength, allowed else {
            throw CanonicalDecodingError.invalidValue(field: "modelType", reason: "'\(name)' is not 1…32 of [a-z0-9_-]")
        }
    }
}

/// How a supervisor keeps the task's data and message history available.
public enum RedundancyScheme: Sendable, Hashable {
    /// `copies` full copies (1…16).
    case replication(copies: UInt8)
    /// Erasure coding: any `data` of `data + parity` shards rebuild the data (data 1…32, parity 0…32).
    case erasure(data: UInt8, parity: UInt8)

    /// How many lost copies or shards the scheme survives.
    public var faultsTolerated: UInt8 {
        switch self {
        case .replication(let copies): copies - 1
        case .erasure(_, let parity): parity
        }
    }

    /// Bytes stored for `bytes` of payload, rounded up: `bytes × copies` or `ceil(bytes × (d + p) / d)`.
    public func storedBytes(for bytes: UInt64) -> UInt128 {
        switch self {
        case .replication(let copies): UInt128(bytes) * UInt128(copies)
        case .erasure(let data, let parity):
            (UInt128(bytes) * (UInt128(data) + UInt128(parity)) + UInt128(data) - 1) / UInt128(data)
        }
    }

    func validate() throws {
        switch self {
        case .replication(let copies) where (1...16).contains(copies): return
        case .erasure(let data, let parity) where (1...32).contains(data) && parity <= 32: return
        default: throw CanonicalDecodingError.invalidValue(field: "redundancy", reason: "parameters out of range")
        }
    }
}

/// What a supervisor offers: storage, bandwidth and its redundancy scheme.
public struct StoragePreferences: Sendable, Hashable {
    public let storageBytes: UInt64
    public let bandwidthMbps: UInt32
    public let redundancy: RedundancyScheme

    /// Throws `CanonicalDecodingError.invalidValue` when the redundancy parameters are out of range.
    public init(storageBytes: UInt64, bandwidthMbps: UInt32, redundancy: RedundancyScheme) throws {
        try redundancy.validate()
        self.storageBytes = storageBytes
        self.bandwidthMbps = bandwidthMbps
        self.redundancy = redundancy
    }
}

/// The preference vector a BUY_TICKETS transaction carries (the seed's shape). Canonical record 0x71 v1:
/// `kind u8` then, for compute, `count varint, (len varint, utf8)*, gpuCount u16, gpuMemoryMiB u32,
/// maxDatasetBytes u64`; for storage, `storageBytes u64, bandwidthMbps u32, scheme u8 (0 replication: copies u8;
/// 1 erasure: data u8, parity u8)`. The decoder rejects unsorted or duplicate model types, so each value has
/// exactly one encoding.
public enum Preferences: Sendable, Hashable, CanonicalCodable {
    case compute(ComputePreferences)
    case storage(StoragePreferences)

    public var kind: PreferenceKind {
        switch self {
        case .compute: .compute
        case .storage: .storage
        }
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .ticketPreferences, version: 1)
        writer.u8(kind.rawValue)
        switch self {
        case .compute(let c):
            writer.length(c.modelTypes.count)
            for name in c.modelTypes { writer.string(name) }
            writer.u16(c.gpuCount)
            writer.u32(c.gpuMemoryMiB)
            writer.u64(c.maxDatasetBytes)
        case .storage(let s):
            writer.u64(s.storageBytes)
            writer.u32(s.bandwidthMbps)
            switch s.redundancy {
            case .replication(let copies):
                writer.u8(0)
                writer.u8(copies)
            case .erasure(let data, let parity):
                writer.u8(1)
                writer.u8(data)
                writer.u8(parity)
            }
        }
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .ticketPreferences, versions: 1...1)
        switch try reader.u8() {
        case PreferenceKind.compute.rawValue:
            let count = try reader.length(field: "modelTypes", limit: ComputePreferences.maxModelTypes)
            var names: [String] = []
            for _ in 0..<count {
                let name = try reader.string(field: "modelType", limit: ComputePreferences.maxModelTypeLength)
                if let last = names.last, !Array(last.utf8).lexicographicallyPrecedes(Array(name.utf8)) {
                    throw CanonicalDecodingError.invalidValue(field: "modelTypes", reason: "not strictly sorted")
                }
                names.append(name)
            }
            try ComputePreferences.checkModelTypes(names)
            self = .compute(
                try ComputePreferences(
                    modelTypes: names,
                    gpuCount: try reader.u16(),
                    gpuMemoryMiB: try reader.u32(),
                    maxDatasetBytes: try reader.u64()
                )
            )
        case PreferenceKind.storage.rawValue:
            let storage = try reader.u64()
            let bandwidth = try reader.u32()
            let scheme: RedundancyScheme
            switch try reader.u8() {
            case 0: scheme = .replication(copies: try reader.u8())
            case 1: scheme = .erasure(data: try reader.u8(), parity: try reader.u8())
            case let other:
                throw CanonicalDecodingError.invalidValue(field: "redundancy", reason: "unknown scheme \(other)")
            }
            self = .storage(try StoragePreferences(storageBytes: storage, bandwidthMbps: bandwidth, redundancy: scheme))
        case let other:
            throw CanonicalDecodingError.invalidValue(field: "preferences.kind", reason: "unknown kind \(other)")
        }
    }
}
