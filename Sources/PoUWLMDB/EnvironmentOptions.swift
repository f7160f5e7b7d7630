/// How an LMDB environment is opened.
///
/// Guarantees: the defaults are the durable mode (every commit is flushed to disk before it returns);
/// `.fast` durability trades the last few commits after an OS crash or power loss for speed, never consistency.
public struct EnvironmentOptions: Sendable {
    /// Commit durability.
    public enum Durability: Sendable {
        /// `fsync` data and meta page on every commit (LMDB's default).
        case durable
        /// `MDB_NOSYNC | MDB_NOMETASYNC`: commits are not flushed; a process crash loses nothing, an OS crash
        /// may lose the most recent commits but leaves the database consistent. `Environment.sync()` flushes.
        case fast
    }

    /// The highest number of named databases the environment may hold.
    public var maxDatabases: Int
    /// Map size used when creating the environment (grown automatically later), in bytes.
    public var initialMapSize: Int
    /// Open without write access; writes then fail with `permissionDenied`.
    public var readOnly: Bool
    public var durability: Durability
    /// Maximum simultaneous read transactions (LMDB reader slots) across all processes.
    public var maxReaders: Int
    /// Growth refuses (with `diskFull`) unless at least this many bytes stay free on the file system.
    public var minimumFreeDisk: Int
    /// File mode for newly created files.
    public var fileMode: UInt32
    /// Named databases whose pages opening checks too (`Environment.checkPages`), besides the main and free
    /// databases it always checks: those the caller reads right after opening.
    public var checkedAtOpen: [String]

    public init(
        maxDatabases: Int = 32,
        initialMapSize: Int = 64 << 20,
        readOnly: Bool = false,
        durability: Durability = .durable,
        maxReaders: Int = 126,
        minimumFreeDisk: Int = 16 << 20,
        fileMode: UInt32 = 0o644,
        checkedAtOpen: [String] = []
    ) {
        self.maxDatabases = maxDatabases
        self.initialMapSize = initialMapSize
        self.readOnly = readOnly
        self.durability = durability
        self.maxReaders = maxReaders
        self.minimumFreeDisk = minimumFreeDisk
        self.fileMode = fileMode
        self.checkedAtOpen = checkedAtOpen
    }
}
