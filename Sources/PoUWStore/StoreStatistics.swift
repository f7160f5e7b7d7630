internal import PoUWLMDB

#if canImport(Glibc)
internal import Glibc
#endif

/// Counts and sizes of a store: per object kind (raw versus stored bytes), per collection, and the map.
///
/// Guarantees: object counts and byte totals are exact (kept by every write in LMDB's main database); collection sizes are
/// LMDB's page counts at one snapshot.
public struct StoreStatistics: Sendable, Encodable {
    public struct KindStatistics: Sendable, Encodable {
        public var kind: String
        public var count: UInt64
        public var rawBytes: UInt64
        public var storedBytes: UInt64
        /// raw ÷ stored (1 when empty).
        public var ratio: Double
    }

    public struct CollectionStatistics: Sendable, Encodable {
        public var name: String
        public var entries: Int
        /// Bytes of LMDB pages the collection occupies.
        public var bytes: Int
    }

    public var kinds: [KindStatistics]
    public var collections: [CollectionStatistics]
    public var mapSize: Int
    public var usedBytes: Int
    public var pageSize: Int
    public var dictionaries: [UInt32]
    public var totalRawBytes: UInt64
    public var totalStoredBytes: UInt64
    /// Objects held (one value each in `values`).
    public var objects: Int
    /// Of those, how many are above the merge mark: found by their `values` keys, not yet in `objects`.
    public var objectsUnmerged: Int
}

extension Store {
    /// Current statistics.
    public func statistics() throws -> StoreStatistics {
        let info = environment.info()
        return try read { view in
            var kinds: [StoreStatistics.KindStatistics] = []
            for kind in ObjectKind.allCases {
                let counters = try kindCounters(kind, view.txn)
                guard counters.count > 0 else { continue }
                kinds.append(
                    .init(
                        kind: kind.description,
                        count: counters.count,
                        rawBytes: counters.rawBytes,
                        storedBytes: counters.storedBytes,
                        ratio: counters.storedBytes == 0 ? 1 : Double(counters.rawBytes) / Double(counters.storedBytes)
                    )
                )
            }
            let collections = try Collection.allCases.map { collection in
                let stats = try view.txn.statistics(databases.handle(collection))
                return StoreStatistics.CollectionStatistics(
                    name: collection.rawValue,
                    entries: stats.entries,
                    bytes: stats.bytesInPages
                )
            }
            return StoreStatistics(
                kinds: kinds,
                collections: collections,
                mapSize: info.mapSize,
                usedBytes: info.usedBytes,
                pageSize: info.pageSize,
                dictionaries: dictionaries.all.map(\.id),
                totalRawBytes: kinds.reduce(0) { $0 + $1.rawBytes },
                totalStoredBytes: kinds.reduce(0) { $0 + $1.storedBytes },
                objects: try view.objectCount(),
                objectsUnmerged: try view.unmergedCount()
            )
        }
    }

    /// Writes a consistent, compacted copy of the store into `destination` (created if missing; must be empty)
    /// while writers continue. The copy opens as a store of its own.
    public func backup(to destination: String) throws {
        try makeDirectories(destination)
        guard access(destination + "/data.mdb", F_OK) != 0 else {
            throw StoreError(
                .invalidArgument,
                "\(destination) already holds a data directory (data.mdb): back up into an empty directory"
            )
        }
        try Self.translating { try environment.copy(to: destination, compact: true) }
    }
}
