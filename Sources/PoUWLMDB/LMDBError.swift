internal import CLMDB

#if canImport(Glibc)
internal import Glibc
#endif

/// An error returned by LMDB or by the operating system underneath it, with the operation that failed.
///
/// Guarantees: `code` is LMDB's (or errno's) integer code unchanged, `kind` classifies it for callers that must
/// react (not found, map full, disk full, …), and `description` names the operation and LMDB's own message.
public struct LMDBError: Error, Sendable, CustomStringConvertible {
    /// What a caller can do something about.
    public enum Kind: Sendable, Equatable {
        case notFound
        case keyExists
        case mapFull
        case mapResized
        case transactionFull
        case readersFull
        case corrupted
        case versionMismatch
        case invalidFile
        case diskFull
        case permissionDenied
        case noSuchFile
        case readOnly
        case other
    }

    /// LMDB's return code (negative LMDB codes, or a positive errno).
    public let code: Int32
    /// The LMDB call or wrapper operation that failed, e.g. `mdb_env_open`.
    public let operation: String
    /// Extra context (a path, a database name).
    public let context: String

    public init(code: Int32, operation: String, context: String = "") {
        self.code = code
        self.operation = operation
        self.context = context
    }

    public var kind: Kind {
        switch code {
        case MDB_NOTFOUND: .notFound
        case MDB_KEYEXIST: .keyExists
        case MDB_MAP_FULL: .mapFull
        case MDB_MAP_RESIZED: .mapResized
        case MDB_TXN_FULL: .transactionFull
        case MDB_READERS_FULL: .readersFull
        case MDB_CORRUPTED, MDB_PANIC, MDB_PAGE_NOTFOUND: .corrupted
        case MDB_VERSION_MISMATCH: .versionMismatch
        case MDB_INVALID: .invalidFile
        case ENOSPC, EDQUOT: .diskFull
        case EACCES, EPERM: .permissionDenied
        case ENOENT: .noSuchFile
        case EROFS: .readOnly
        default: .other
        }
    }

    /// LMDB's message for `code` (`strerror` for errno values).
    public var message: String { String(cString: mdb_strerror(code)) }

    public var description: String {
        context.isEmpty ? "\(operation): \(message)" : "\(operation) (\(context)): \(message)"
    }
}

/// Throws an `LMDBError` unless `rc` is success.
@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String, _ context: @autoclosure () -> String = "") throws {
    if rc != 0 { throw LMDBError(code: rc, operation: operation(), context: context()) }
}
