internal import PoUWCore

/// Every failure of the store, as one type: a `code` to switch on, a human `message`, the object `key` involved
/// (when there is one) and the underlying `cause` (an LMDB, zstd or decoding error), in the manner of
/// swift-nio's `FileSystemError`.
///
/// Guarantees: bad bytes on disk or in an import stream always surface as one of these codes, never as a trap or
/// a wrong answer; errors about a stored value name its key.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// No object is stored under the key.
        case missingObject
        /// A stored value failed its checks: hash mismatch, checksum mismatch, malformed header or payload.
        case corruptValue
        /// A stored zstd frame (or value header) is cut short.
        case truncatedFrame
        /// A value or the store itself carries a format version this build does not know.
        case unknownFormatVersion
        /// A value declares a decoded size beyond the configured limit.
        case decompressionBomb
        /// A value needs a dictionary the store does not hold.
        case missingDictionary
        /// The file system is (about to be) full.
        case diskFull
        /// The data directory (or a backup/export destination) may not be written or read.
        case permissionDenied
        /// The map could not be grown (limit reached or the OS refused).
        case mapResizeFailed
        /// An export stream is malformed, truncated, or fails its checksum.
        case corruptStream
        /// An import would replace what the store holds (an index entry or a dictionary) with other bytes; import
        /// adds and never replaces.
        case conflict
        /// A caller broke a collection's rule (e.g. a block height that is not the next one).
        case invalidArgument
        /// A file could not be read or written (export, import, backup).
        case io
        /// Any other LMDB failure.
        case storage
    }

    public let code: Code
    public let message: String
    /// The key of the object or index entry concerned, when there is one.
    public let key: String?
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, key: String? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.key = key
        self.cause = cause
    }

    init(_ code: Code, _ message: String, hash: Hash256, cause: (any Error & Sendable)? = nil) {
        self.init(code, message, key: hash.hex, cause: cause)
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let key { text += " [key \(key)]" }
        if let cause { text += " (cause: \(cause))" }
        return text
    }
}
