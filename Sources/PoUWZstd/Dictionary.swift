internal import CZstd

/// A trained zstd dictionary digested for compression at a fixed level (`ZSTD_CDict`).
///
/// Guarantees: immutable after creation and safe to share between threads (zstd only reads it). Frames it writes
/// are standard frames whatever its `acceleration`: that only changes how hard the compressor looks for matches.
public final class CompressionDictionary: @unchecked Sendable {
    let cdict: OpaquePointer
    /// The dictionary id (from its header).
    public let id: UInt32
    public let level: Int
    /// How fast the match search skips ahead through bytes that do not match (zstd's `targetLength` for the fast
    /// strategy); 1 is the level's own search.
    public let acceleration: Int

    /// Digests `bytes` (a dictionary from `ZstdDictionary.train`) for compression at `level`.
    ///
    /// With `acceleration` above 1 (and a level whose strategy is zstd's fast one, as level 1's is), the search
    /// steps further after each miss, and literals stay Huffman coded (zstd turns them off for an accelerated
    /// search unless told). On ~500-byte messages that are mostly hashes, signatures and update values, 4 halves
    /// the time to compress one (the search is most of it) for ~2 % more stored bytes.
    public init(bytes: [UInt8], level: Int, acceleration: Int = 1) throws {
        let id = ZstdDictionary.id(of: bytes)
        guard id != 0 else { throw ZstdError.dictionaryFailed("not a zstd dictionary (no dictionary id)") }
        guard acceleration >= 1 else { throw ZstdError.dictionaryFailed("acceleration \(acceleration) is below 1") }
        guard let parameters = ZSTD_createCCtxParams() else {
            throw ZstdError.dictionaryFailed("could not allocate compression parameters")
        }
        defer { ZSTD_freeCCtxParams(parameters) }
        var rc = ZSTD_CCtxParams_setParameter(parameters, ZSTD_c_compressionLevel, Int32(level))
        if ZSTD_isError(rc) == 0, acceleration > 1,
            ZSTD_getCParams(Int32(level), UInt64(0), bytes.count).strategy == ZSTD_fast
        {
            rc = ZSTD_CCtxParams_setParameter(parameters, ZSTD_c_targetLength, Int32(acceleration))
        }
        if ZSTD_isError(rc) != 0 { throw ZstdError.dictionaryFailed(Zstd.errorName(rc)) }
        let digested = bytes.withUnsafeBytes {
            ZSTD_createCDict_advanced2(
                $0.baseAddress,
                $0.count,
                ZSTD_dlm_byCopy,
                ZSTD_dct_auto,
                parameters,
                ZSTD_customMem(customAlloc: nil, customFree: nil, opaque: nil)
            )
        }
        guard let cdict = digested else {
            throw ZstdError.dictionaryFailed("could not digest a dictionary of \(bytes.count) bytes")
        }
        self.cdict = cdict
        self.id = id
        self.level = level
        self.acceleration = acceleration
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
