/// Why a zstd operation failed.
///
/// Guarantees: every defect of an untrusted frame maps to one named case; none traps.
public enum ZstdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The frame ended early (header or blocks cut off).
    case truncatedFrame
    /// Bytes follow the single expected frame.
    case trailingBytes(count: Int)
    /// The frame does not declare its decompressed size; the store refuses such frames.
    case contentSizeMissing
    /// The frame declares more decompressed bytes than the caller allows.
    case decompressionBomb(declared: UInt64, limit: Int)
    /// The frame has no content checksum; the store refuses such frames.
    case checksumMissing
    /// The decoded content does not match the frame's XXH64 checksum.
    case checksumMismatch
    /// The frame needs dictionary `expected`, which was not supplied (or another one was).
    case dictionaryMismatch(expected: UInt32)
    /// The frame is malformed (zstd's message).
    case corruptFrame(String)
    /// The frame decoded to a size other than the one it declared.
    case sizeMismatch(declared: UInt64, actual: Int)
    /// Dictionary training or loading failed (zstd's message).
    case dictionaryFailed(String)
    /// Compression failed (zstd's message); only on resource exhaustion.
    case compressionFailed(String)

    public var description: String {
        switch self {
        case .truncatedFrame: "zstd frame is truncated"
        case .trailingBytes(let count): "\(count) byte(s) after the zstd frame"
        case .contentSizeMissing: "zstd frame does not declare its content size"
        case .decompressionBomb(let declared, let limit):
            "zstd frame declares \(declared) bytes, beyond the limit of \(limit)"
        case .checksumMissing: "zstd frame has no content checksum"
        case .checksumMismatch: "zstd content checksum mismatch"
        case .dictionaryMismatch(let expected): "zstd frame needs dictionary \(expected)"
        case .corruptFrame(let message): "corrupt zstd frame: \(message)"
        case .sizeMismatch(let declared, let actual): "zstd frame declared \(declared) bytes but decoded \(actual)"
        case .dictionaryFailed(let message): "zstd dictionary: \(message)"
        case .compressionFailed(let message): "zstd compression failed: \(message)"
        }
    }
}
