internal import CZstd

#if canImport(Glibc)
internal import Glibc
#endif

/// What a zstd frame header declares.
public struct FrameInfo: Sendable, Equatable {
    /// Decompressed size the frame declares.
    public var contentSize: UInt64
    /// Dictionary id written in the frame (0 when none is written).
    public var dictionaryID: UInt32
    public var hasChecksum: Bool
    /// Bytes the frame occupies.
    public var frameSize: Int
}

/// How hard zstd looks for matches.
public enum ZstdTuning: Sendable {
    /// The level's own parameters.
    case standard
    /// For data whose gain is in entropy coding, not repeats (byte planes of float arrays): fast strategy,
    /// a tiny match table (hash log 8, minimum match 7) and Huffman-coded literals always on. On float32 planes
    /// this is about twice as fast as level 1 and compresses slightly better.
    case entropyOnly
}

/// One-shot zstd compression and decompression producing and accepting standard single frames.
///
/// Guarantees: frames written here always declare their content size and carry the XXH64 content checksum, so
/// the stock `zstd -d` decodes them (with `-D dict` when a dictionary was used). Decoding checks the frame header
/// against a caller-supplied size limit before allocating (a decompression bomb is an error, not an allocation),
/// rejects truncated frames, trailing bytes, missing checksums and checksum mismatches with named errors, and
/// never traps on malformed input. Contexts are pooled and reused; all entry points are thread-safe.
public enum Zstd {
    /// The largest frame `compress` can produce for `count` input bytes.
    public static func compressBound(_ count: Int) -> Int { ZSTD_compressBound(count) }

    /// Compresses `source` into one frame, returned after a copy of `prefix` (so a caller's header and the frame
    /// share one allocation). With a dictionary, the frame omits the dictionary id (the caller records it).
    public static func compress(
        _ source: RawSpan,
        level: Int,
        dictionary: CompressionDictionary? = nil,
        prefix: [UInt8] = [],
        tuning: ZstdTuning = .standard
    ) throws -> [UInt8] {
        try source.withUnsafeBytes { src in
            try ContextPool.shared.withCompressor { cctx in
                let bound = ZSTD_compressBound(src.count)
                var result = 0
                let out = [UInt8](unsafeUninitializedCapacity: prefix.count + bound) { buffer, initialized in
                    guard let base = buffer.baseAddress else { return }
                    prefix.withUnsafeBufferPointer { p in
                        if let pb = p.baseAddress { base.update(from: pb, count: p.count) }
                    }
                    let dst = UnsafeMutableRawPointer(base + prefix.count)
                    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters)
                    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
                    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1)
                    if let dictionary {
                        ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0)
                        ZSTD_CCtx_refCDict(cctx, dictionary.cdict)
                        if dictionary.acceleration > 1 {
                            // ZSTD_c_literalCompressionMode: Huffman-coded literals, which zstd would otherwise
                            // turn off for an accelerated search.
                            ZSTD_CCtx_setParameter(cctx, ZSTD_c_experimentalParam5, Int32(ZSTD_ps_enable.rawValue))
                        }
                    } else {
                        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(level))
                        if case .entropyOnly = tuning {
                            ZSTD_CCtx_setParameter(cctx, ZSTD_c_strategy, Int32(ZSTD_fast.rawValue))
                            ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, 8)
                            ZSTD_CCtx_setParameter(cctx, ZSTD_c_minMatch, 7)
                            ZSTD_CCtx_setParameter(cctx, ZSTD_c_experimentalParam5, Int32(ZSTD_ps_enable.rawValue))
                        }
                    }
                    result = ZSTD_compress2(cctx, dst, bound, src.baseAddress, src.count)
                    initialized = ZSTD_isError(result) != 0 ? 0 : prefix.count + result
                }
                if ZSTD_isError(result) != 0 { throw ZstdError.compressionFailed(errorName(result)) }
                return out
            }
        }
    }

    /// Compresses `source` (see `compress(_:level:dictionary:prefix:)`).
    public static func compress(
        _ source: [UInt8],
        level: Int,
        dictionary: CompressionDictionary? = nil,
        prefix: [UInt8] = [],
        tuning: ZstdTuning = .standard
    ) throws -> [UInt8] {
        try compress(source.span.bytes, level: level, dictionary: dictionary, prefix: prefix, tuning: tuning)
    }

    /// Reads and checks the header of the single frame that must make up all of `frame`.
    public static func frameInfo(_ frame: RawSpan) throws -> FrameInfo {
        try frame.withUnsafeBytes { try frameInfo(raw: $0) }
    }

    static func frameInfo(raw: UnsafeRawBufferPointer) throws -> FrameInfo {
        guard raw.count > 0, let base = raw.baseAddress else { throw ZstdError.truncatedFrame }
        var header = ZSTD_frameHeader()
        let rc = ZSTD_getFrameHeader(&header, base, raw.count)
        if ZSTD_isError(rc) != 0 { throw ZstdError.corruptFrame(errorName(rc)) }
        if rc > 0 { throw ZstdError.truncatedFrame }
        guard header.frameType == ZSTD_frame else { throw ZstdError.corruptFrame("skippable frame") }
        if header.frameContentSize == UInt64.max { throw ZstdError.contentSizeMissing }
        let size = ZSTD_findFrameCompressedSize(base, raw.count)
        if ZSTD_isError(size) != 0 {
            if ZSTD_getErrorCode(size) == ZSTD_error_srcSize_wrong { throw ZstdError.truncatedFrame }
            throw ZstdError.corruptFrame(errorName(size))
        }
        if size < raw.count { throw ZstdError.trailingBytes(count: raw.count - size) }
        return FrameInfo(
            contentSize: header.frameContentSize,
            dictionaryID: header.dictID,
            hasChecksum: header.checksumFlag != 0,
            frameSize: size
        )
    }

    /// Decodes the single frame `frame` into a new array, after checking that it declares at most `limit` bytes,
    /// carries a checksum, and matches `dictionary`.
    public static func decompress(
        _ frame: RawSpan,
        limit: Int,
        dictionary: DecompressionDictionary? = nil
    ) throws -> [UInt8] {
        try frame.withUnsafeBytes { src in
            let size = try checkedSize(src, limit: limit, dictionary: dictionary)
            var failure: (any Error)?
            let out = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                do {
                    try decode(src, into: UnsafeMutableRawBufferPointer(buffer), size: size, dictionary: dictionary)
                    initialized = size
                } catch {
                    failure = error
                    initialized = 0
                }
            }
            if let failure { throw failure }
            return out
        }
    }

    /// Decompresses `source` (see `decompress(_:limit:dictionary:)`).
    public static func decompress(
        _ frame: [UInt8],
        limit: Int,
        dictionary: DecompressionDictionary? = nil
    ) throws -> [UInt8] {
        try decompress(frame.span.bytes, limit: limit, dictionary: dictionary)
    }

    /// Decodes `frame` into a reused scratch buffer and passes the bytes to `body` (valid only inside it):
    /// for callers that transform the content anyway, this saves an allocation and a copy.
    public static func withDecompressed<R>(
        _ frame: RawSpan,
        limit: Int,
        dictionary: DecompressionDictionary? = nil,
        _ body: (RawSpan) throws -> R
    ) throws -> R {
        try frame.withUnsafeBytes { src in
            let size = try checkedSize(src, limit: limit, dictionary: dictionary)
            return try ContextPool.shared.withScratch(size: size) { scratch in
                try decode(src, into: scratch, size: size, dictionary: dictionary)
                return try body(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: scratch[0..<size])))
            }
        }
    }

    private static func checkedSize(
        _ src: UnsafeRawBufferPointer,
        limit: Int,
        dictionary: DecompressionDictionary?
    ) throws -> Int {
        let info = try frameInfo(raw: src)
        guard info.contentSize <= UInt64(max(limit, 0)) else {
            throw ZstdError.decompressionBomb(declared: info.contentSize, limit: limit)
        }
        guard info.hasChecksum else { throw ZstdError.checksumMissing }
        if info.dictionaryID != 0 && info.dictionaryID != dictionary?.id {
            throw ZstdError.dictionaryMismatch(expected: info.dictionaryID)
        }
        return Int(info.contentSize)
    }

    private static func decode(
        _ src: UnsafeRawBufferPointer,
        into dst: UnsafeMutableRawBufferPointer,
        size: Int,
        dictionary: DecompressionDictionary?
    ) throws {
        let rc = try ContextPool.shared.withDecompressor { dctx in
            if let dictionary {
                return ZSTD_decompress_usingDDict(
                    dctx,
                    dst.baseAddress,
                    size,
                    src.baseAddress,
                    src.count,
                    dictionary.ddict
                )
            }
            return ZSTD_decompressDCtx(dctx, dst.baseAddress, size, src.baseAddress, src.count)
        }
        if ZSTD_isError(rc) != 0 {
            switch ZSTD_getErrorCode(rc) {
            case ZSTD_error_checksum_wrong: throw ZstdError.checksumMismatch
            case ZSTD_error_dictionary_wrong: throw ZstdError.dictionaryMismatch(expected: dictionary?.id ?? 0)
            case ZSTD_error_srcSize_wrong: throw ZstdError.truncatedFrame
            case ZSTD_error_dstSize_tooSmall: throw ZstdError.sizeMismatch(declared: UInt64(size), actual: size + 1)
            default: throw ZstdError.corruptFrame(errorName(rc))
            }
        }
        if rc != size { throw ZstdError.sizeMismatch(declared: UInt64(size), actual: rc) }
    }

    static func errorName(_ code: Int) -> String { String(cString: ZSTD_getErrorName(code)) }
}
