/// A handle to one named database (LMDB "DBI") of an open `Environment`.
///
/// Guarantees: valid for the lifetime of the environment that returned it; plain data, so it may be shared
/// freely between threads. Keys are compared as byte strings (LMDB's default), so big-endian integer keys sort
/// numerically.
public struct Database: Sendable, Hashable, CustomStringConvertible {
    let dbi: UInt32
    /// The name it was opened with.
    public let name: String

    init(dbi: UInt32, name: String) {
        self.dbi = dbi
        self.name = name
    }

    public var description: String { name }
}

/// Counts and page use of one database, from `mdb_stat`.
public struct DatabaseStatistics: Sendable, Equatable {
    public var entries: Int
    public var depth: Int
    public var branchPages: Int
    public var leafPages: Int
    public var overflowPages: Int
    public var pageSize: Int

    /// Bytes of pages the database occupies in the map.
    public var bytesInPages: Int { (branchPages + leafPages + overflowPages) * pageSize }
}

/// Map size and use of an environment, from `mdb_env_info` / `mdb_env_stat`.
public struct EnvironmentInfo: Sendable, Equatable {
    /// Current size of the memory map (the most the data file may grow to without a resize), in bytes.
    public var mapSize: Int
    /// Bytes up to the highest page ever used (`(last page + 1) × page size`).
    public var usedBytes: Int
    public var pageSize: Int
    /// The id of the last committed write transaction.
    public var lastTransactionID: Int
    public var maxReaders: Int
    public var readersInUse: Int
}

/// Options for `WriteTransaction.put`.
public struct PutFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Do not overwrite an existing key (`put` then returns `false`).
    public static let noOverwrite = PutFlags(rawValue: 0x10)
    /// The key is greater than every key already present (`MDB_APPEND`): a fast path for logs.
    public static let append = PutFlags(rawValue: 0x20000)
}
