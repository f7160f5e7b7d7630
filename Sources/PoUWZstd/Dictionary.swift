internal import CZstd

/// A trained zstd dictionary digested for compression at a fixed level (`ZSTD_CDict`).
///
/// Guarantees: immutable after creation and safe to share between threads (zstd only reads it).
public final class CompressionDictionary: @unchecked Sendable {
    let cdict: OpaquePointer
    /// The dictionary id (from its header).
    public let id: UInt32
    public let level: Int

    /// Digests `bytes` (a dictionary from `ZstdDictionary.train`) for compression at `level`.
    public init(bytes: [UInt8], level: Int) throws {
        let id = ZstdDictionary.id(of: bytes)
        guard id != 0 else { throw ZstdError.dictionaryFailed("not a zstd dictionary (no dictionary id)") }
        guard let cdict = bytes.withUnsafeBytes({ ZSTD_createCDict($0.baseAddress, $0.count, Int32(level)) }) else {
            throw ZstdError.dictionaryFailed("could not digest a dictionary of \(bytes.count) bytes")
        }
        self.cdict = cdict
        self.id = id
        self.level = level
    }

    deinit { ZSTD_freeCDict(cdict) }
}

/// A zstd dictionary digested for decompression (`ZSTD_DDict`).
///
/// Guarantees: immutable after creation and safe to share between threads.
public final class DecompressionDictionary: @unchecked Sendable {
    let ddict: OpaquePointer
    public let id: UInt32

    public init(bytes: [UInt8]) throws {
        let id = ZstdDictionary.id(of: bytes)
        guard id != 0 else { throw ZstdError.dictionaryFailed("not a zstd dictionary (no dictionary id)") }
        guard let ddict = bytes.withUnsafeBytes({ ZSTD_createDDict($0.baseAddress, $0.count) }) else {
            throw ZstdError.dictionaryFailed("could not load a dictionary of \(bytes.count) bytes")
        }
        self.ddict = ddict
        self.id = id
    }

    deinit { ZSTD_freeDDict(ddict) }
}

/// Training and identifying zstd dictionaries (ZDICT).
public enum ZstdDictionary {
    /// Trains a dictionary of at most `capacity` bytes from `samples` (`ZDICT_trainFromBuffer`, deterministic for
    /// the same samples). Needs enough varied samples (hundreds); otherwise throws `dictionaryFailed`.
    public static func train(samples: [[UInt8]], capacity: Int) throws -> [UInt8] {
        var joined = [UInt8]()
        joined.reserveCapacity(samples.reduce(0) { $0 + $1.count })
        var sizes = [Int]()
        sizes.reserveCapacity(samples.count)
        for sample in samples {
            joined.append(contentsOf: sample)
            sizes.append(sample.count)
        }
        var size = 0
        let dictionary = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            size = joined.withUnsafeBytes { src in
                sizes.withUnsafeBufferPointer { sz in
                    ZDICT_trainFromBuffer(
                        buffer.baseAddress,
                        capacity,
                        src.baseAddress,
                        sz.baseAddress,
                        UInt32(sz.count)
                    )
                }
            }
            initialized = ZDICT_isError(size) != 0 ? 0 : size
        }
        if ZDICT_isError(size) != 0 { throw ZstdError.dictionaryFailed(String(cString: ZDICT_getErrorName(size))) }
        return dictionary
    }

    /// The id in a dictionary's header, or 0 for bytes that are not a zstd dictionary.
    public static func id(of dictionary: [UInt8]) -> UInt32 {
        dictionary.withUnsafeBytes { ZSTD_getDictID_fromDict($0.baseAddress, $0.count) }
    }
}
