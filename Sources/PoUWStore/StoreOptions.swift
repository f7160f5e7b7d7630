/// How a store is opened.
///
/// Guarantees: the defaults are safe for a node: durable commits, a 64 MiB initial map grown on demand, a 1 GiB
/// limit on any decoded object, and automatic dictionary training once a small-record kind has 1,000 objects.
public struct StoreOptions: Sendable {
    /// Commit durability.
    public enum Durability: String, Sendable {
        /// Every commit is on disk when `write` returns (fsync).
        case durable
        /// Commits are not flushed (`MDB_NOSYNC | MDB_NOMETASYNC`): a crash of the process loses nothing, a crash
        /// of the machine may lose the last commits but never corrupts the store. `Store.sync()` flushes.
        case fast
    }

    public var durability: Durability
    /// Map size for a new store, in bytes (grown automatically).
    public var initialMapSize: Int
    /// The map never grows beyond this many bytes (`mapResizeFailed` then).
    public var maximumMapSize: Int
    public var readOnly: Bool
    /// Largest decoded object accepted on read (larger declared sizes are `decompressionBomb`) and on write.
    public var maxObjectSize: Int
    /// Growth refuses with `diskFull` unless this many bytes stay free on the file system.
    public var minimumFreeDisk: Int
    /// Train a dictionary for a small-record kind automatically once it holds this many objects (`nil`: only
    /// `trainDictionaries()` trains).
    public var autoTrainThreshold: Int?
    /// New objects are found through their place in the values log (read once into memory) until the commit that
    /// brings them to one eighth of the objects already merged, at least this many and at most `indexMergeLimit`,
    /// moves them all into the main index in key order: the larger the index, the more new entries share each of
    /// its pages that a merge rewrites (see Docs/store-format.md "What a write costs").
    public var indexMergeThreshold: Int
    /// The most unmerged objects a store lets gather before merging (about 100 bytes of memory each, and the size
    /// of the largest merge commit); never below `indexMergeThreshold`.
    public var indexMergeLimit: Int

    public init(
        durability: Durability = .durable,
        initialMapSize: Int = 64 << 20,
        maximumMapSize: Int = 1 << 40,
        readOnly: Bool = false,
        maxObjectSize: Int = 1 << 30,
        minimumFreeDisk: Int = 16 << 20,
        autoTrainThreshold: Int? = 1000,
        indexMergeThreshold: Int = 16384,
        indexMergeLimit: Int = 131_072
    ) {
        self.durability = durability
        self.initialMapSize = initialMapSize
        self.maximumMapSize = maximumMapSize
        self.readOnly = readOnly
        self.maxObjectSize = maxObjectSize
        self.minimumFreeDisk = minimumFreeDisk
        self.autoTrainThreshold = autoTrainThreshold
        self.indexMergeThreshold = max(1, indexMergeThreshold)
        self.indexMergeLimit = max(self.indexMergeThreshold, indexMergeLimit)
    }
}
