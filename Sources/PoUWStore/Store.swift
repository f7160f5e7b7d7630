internal import Dispatch
public import PoUWCore
internal import PoUWLMDB
internal import PoUWZstd

#if canImport(Glibc)
internal import Glibc
#endif

/// The node's content-addressed object store and its typed collections: one LMDB environment per data directory.
///
/// Guarantees:
/// - `put` is idempotent: the key is the SHA-256 of the raw bytes; the same bytes are stored once.
/// - `get` returns exactly the bytes that were put or throws a `StoreError` naming the key (every read decodes
///   and re-hashes); bit rot is never a wrong answer and never a crash.
/// - One writer at a time (serialized inside), any number of concurrent readers that never block; writes in
///   `write { }` are one LMDB transaction (all or nothing), durable on return unless opened `.fast`.
/// - The map grows by itself; map-full never reaches a caller. `Sendable`: share one `Store` between threads.
/// - Never hold a transaction across an `await`: the API is synchronous and closure-scoped.
public final class Store: Sendable {
    /// The data directory.
    public let path: String
    public let options: StoreOptions
    let environment: Environment
    let databases: Databases
    let dictionaries: DictionaryRegistry
    let codec: ValueCodec
    let autoTrainGate = AutoTrainGate()
    /// The values above the merge mark, as read so far (see `UnmergedObjects`).
    let unmerged = UnmergedObjects()
    /// The sorted entries of the merge under way (`IndexMerge.swift`).
    let mergePlan = MergePlan()

    /// The store format version this build writes (kept in `meta`). Formats 1 and 2 (objects' values inside the
    /// `objects` tree) are upgraded in place, in one transaction, when opened writable.
    public static let formatVersion: UInt8 = 4

    private init(path: String, options: StoreOptions, environment: Environment) {
        self.path = path
        self.options = options
        self.environment = environment
        self.databases = Databases(environment)
        self.dictionaries = DictionaryRegistry()
        self.codec = ValueCodec(dictionaries: dictionaries, maxObjectSize: options.maxObjectSize)
    }

    /// Opens the store in directory `path`, creating it (and the directory) when missing unless read-only.
    /// Stale reader slots of killed processes are cleared. A store of an older format is upgraded when opened
    /// writable; opened read-only it is `unknownFormatVersion`, saying how to upgrade it.
    public static func open(at path: String, options: StoreOptions = .init()) throws -> Store {
        try translating {
            if options.readOnly {
                var info = stat()
                guard stat(path + "/data.mdb", &info) == 0 else {
                    throw StoreError(.io, "no store at \(path)", cause: StoreErrnoCause(errno))
                }
            } else {
                try makeDirectories(path)
            }
            let lmdbOptions = EnvironmentOptions(
                maxDatabases: 16,
                initialMapSize: options.initialMapSize,
                readOnly: options.readOnly,
                durability: options.durability == .durable ? .durable : .fast,
                minimumFreeDisk: options.minimumFreeDisk,
                // Opening reads the format and the dictionaries from meta next.
                checkedAtOpen: [Collection.meta.rawValue]
            )
            let environment: Environment
            do {
                environment = try Environment(
                    path: path,
                    databases: Collection.allCases.map(\.rawValue),
                    options: lmdbOptions,
                    maximumMapSize: options.maximumMapSize
                )
            } catch let error as LMDBError where options.readOnly && error.operation == "mdb_dbi_open" {
                // Only a store of an older format lacks one of this format's databases.
                throw olderFormat(path, cause: error)
            }
            let store = Store(path: path, options: options, environment: environment)
            try store.checkFormat()
            try store.loadDictionaries()
            return store
        }
    }

    private static func olderFormat(_ path: String, found: UInt8? = nil, cause: (any Error)? = nil) -> StoreError {
        StoreError(
            .unknownFormatVersion,
            "the store at \(path) has an older format\(found.map { " (\($0))" } ?? ""); this build reads format "
                + "\(formatVersion) and upgrades older stores in place when it opens them writable: run "
                + "`pouw-inspect --data-dir \(path) upgrade` once",
            cause: cause
        )
    }

    private func checkFormat() throws {
        let meta = databases.meta
        let found = try environment.read { try $0.get(meta, Keys.formatKey) }
        guard let found else {
            if !options.readOnly { try environment.write { try $0.put(meta, Keys.formatKey, [Self.formatVersion]) } }
            return
        }
        if found == [Self.formatVersion] { return }
        if found == [3] {
            // Format 4 only adds `meta/merging` (a merge spread over commits; absent in a format-3 store), so a
            // format-3 store reads as it is; writable, it is marked 4 so that a format-3 build refuses it from now on.
            if !options.readOnly { try environment.write { try $0.put(meta, Keys.formatKey, [Self.formatVersion]) } }
            return
        }
        guard found == [1] || found == [2] else {
            throw StoreError(
                .unknownFormatVersion,
                "store format \(found.first.map(String.init) ?? "?") is not \(Self.formatVersion) (nor 1, 2 or 3, "
                    + "which this build upgrades)"
            )
        }
        guard !options.readOnly else { throw Self.olderFormat(path, found: found[0]) }
        try upgrade(from: found[0])
    }

    /// The format version recorded in the store at `path` (`nil` for a store that never had one written), read
    /// without opening the store, so for any version. Do not call it while the process has the store open.
    public static func storedFormatVersion(at path: String) throws -> UInt8? {
        try translating {
            let environment = try Environment(
                path: path,
                databases: [Collection.meta.rawValue],
                options: EnvironmentOptions(
                    maxDatabases: 16,
                    readOnly: true,
                    checkedAtOpen: [Collection.meta.rawValue]
                )
            )
            return try environment.read { try $0.get(environment.database(Collection.meta.rawValue), Keys.formatKey) }?
                .first
        }
    }

    /// Upgrades a format-1 or format-2 store to the current format (3 with no merge under way) in one transaction
    /// (all or nothing).
    /// - Format 1 kept the per-kind counters in `meta`, so every commit touched one more database (one more page
    ///   to write and sync); since format 2 they sit in the main database, whose page a commit rewrites anyway.
    /// - Formats 1 and 2 kept each object's value in `objects` under its hash; format 3 appends the values to
    ///   `values` (in hash order, the order they are read) and keeps only the sequence number in `objects`.
    private func upgrade(from version: UInt8) throws {
        let meta = databases.meta
        let main = databases.main
        let objects = databases.objects
        let values = databases.values
        let size = try environment.read { try $0.statistics(objects).bytesInPages }
        try environment.write(expectedBytes: size + size / 4) { txn in
            if version == 1 {
                for kind in ObjectKind.allCases {
                    guard let legacy = try txn.get(meta, Keys.legacyKindStats(kind)) else { continue }
                    try txn.put(main, Keys.kindStats(kind), legacy)
                    try txn.delete(meta, Keys.legacyKindStats(kind))
                }
            }
            var sequence: UInt64 = 0
            try txn.forEach(values, reverse: true) { key, _ in
                if key.byteCount >= 8 { sequence = Keys.u64(key, at: 0) + 1 }
                return false
            }
            var start: [UInt8]?
            while true {
                var chunk: [(key: [UInt8], value: [UInt8])] = []
                try txn.forEach(objects, from: start) { key, value in
                    chunk.append((Keys.bytes(key), Keys.bytes(value)))
                    return chunk.count < 256
                }
                for (key, value) in chunk {
                    guard let hash = Hash256(bytes: key) else {
                        throw StoreError(.corruptValue, "object key of \(key.count) bytes in a format-\(version) store")
                    }
                    try txn.put(values, Keys.value(sequence, hash), value, flags: .append)
                    try txn.put(objects, key, Keys.u64(sequence))
                    sequence += 1
                }
                guard chunk.count == 256, let last = chunk.last else { break }
                start = last.key + [0]
            }
            try txn.put(meta, Keys.mergedKey, Keys.u64(sequence))
            try txn.put(meta, Keys.formatKey, [Self.formatVersion])
        }
    }

    /// The counters of `kind` as of `txn` (in the main database; an older store whose counters sat in `meta` is
    /// upgraded before anything reads them).
    func kindCounters(_ kind: ObjectKind, _ txn: ReadTransaction) throws -> KindCounters {
        KindCounters(try txn.get(databases.main, Keys.kindStats(kind)))
    }

    private func loadDictionaries() throws {
        let meta = databases.meta
        let entries = try environment.read { txn in
            var found: [(UInt32, ObjectKind, [UInt8])] = []
            try txn.forEach(meta, from: Keys.dictionaryPrefix) { key, value in
                guard key.byteCount == Keys.dictionaryPrefix.count + 4,
                    Keys.bytes(key).starts(with: Keys.dictionaryPrefix)
                else { return false }
                let bytes = Keys.bytes(value)
                guard let first = bytes.first, let kind = ObjectKind(rawValue: first) else { return true }
                found.append((ZstdDictionary.id(of: Array(bytes.dropFirst())), kind, Array(bytes.dropFirst())))
                return true
            }
            var current: [ObjectKind: UInt32] = [:]
            for kind in ObjectKind.allCases {
                if let id = try txn.get(meta, Keys.currentDictionary(kind)), id.count == 4 {
                    current[kind] = id.reduce(0) { $0 << 8 | UInt32($1) }
                }
            }
            return (found, current)
        }
        for (id, kind, bytes) in entries.0 {
            dictionaries.add(id: id, kind: kind, bytes: bytes, current: entries.1[kind] == id)
        }
    }

    // MARK: Objects

    /// Stores `bytes` as an object of `kind` and returns its key, SHA-256(bytes). Storing the same bytes again
    /// writes nothing. `preference` chooses how a new object's value is stored (`StoragePreference`).
    @discardableResult
    public func put(
        _ kind: ObjectKind,
        _ bytes: [UInt8],
        preference: StoragePreference = .smallest
    ) throws -> Hash256 {
        guard bytes.count <= options.maxObjectSize else {
            throw StoreError(
                .invalidArgument,
                "object of \(bytes.count) bytes exceeds the limit of \(options.maxObjectSize)"
            )
        }
        let (hash, value) = try Self.translating { try hashAndEncode(kind, bytes, preference: preference) }
        return try write(expectedBytes: value.count) { batch in
            try batch.putEncoded(hash: hash, kind: kind, rawCount: bytes.count, value: value)
            return hash
        }
    }

    /// SHA-256 and the stored value of `bytes`; for large objects the hash runs on a second thread while the
    /// calling thread compresses (both are pure functions of `bytes`).
    private func hashAndEncode(
        _ kind: ObjectKind,
        _ bytes: [UInt8],
        preference: StoragePreference
    ) throws -> (Hash256, [UInt8]) {
        guard bytes.count >= 256 << 10 else {
            return (Hash256.sha256(bytes), try codec.encode(kind, bytes, preference: preference))
        }
        let box = HashBox()
        DispatchQueue.global(qos: .userInitiated).async { [bytes] in
            box.hash = Hash256.sha256(bytes)
            box.done.signal()
        }
        let value = try codec.encode(kind, bytes, preference: preference)
        box.done.wait()
        guard let hash = box.hash else { preconditionFailure("hash thread finished without a hash") }
        return (hash, value)
    }

    /// The bytes stored under `hash` (decoded and re-hashed).
    public func get(_ hash: Hash256) throws -> [UInt8] {
        try read { try $0.get(hash) }
    }

    /// The bytes stored under `hash`, decoded, with their SHA-256 check running on another core for large objects
    /// (`ObjectUnderCheck.concurrentThreshold`), so a caller can decode and use them meanwhile. Call `verified()`
    /// before trusting anything computed from them. Read errors (`missingObject`, a corrupt frame, …) are thrown
    /// here, as by `get`; a hash mismatch is thrown by `verified()`.
    public func getCheckingConcurrently(_ hash: Hash256) throws -> ObjectUnderCheck {
        let decoded = try read { try $0.decodedObject(hash) }
        return ObjectUnderCheck(key: hash, bytes: decoded.bytes)
    }

    public func contains(_ hash: Hash256) throws -> Bool {
        try read { try $0.contains(hash) }
    }

    /// The kind of the object under `hash`, or `nil` when there is none.
    public func kind(of hash: Hash256) throws -> ObjectKind? {
        try read { try $0.kind(of: hash) }
    }

    // MARK: Transactions

    /// Runs `body` with a consistent snapshot of the store. Do not call `write` inside it.
    public func read<R>(_ body: (StoreView) throws -> R) throws -> R {
        try Self.translating {
            try environment.read { txn in
                try body(StoreView(store: self, transaction: txn))
            }
        }
    }

    /// Runs `body` in one write transaction: everything it does commits together when it returns, or not at all
    /// when it throws. `body` may run more than once (if the map had to grow), so it must not have effects outside
    /// the batch. Never `await` inside.
    public func write<R>(_ body: (StoreBatch) throws -> R) throws -> R {
        try write(expectedBytes: 0, body)
    }

    func write<R>(expectedBytes: Int, _ body: (StoreBatch) throws -> R) throws -> R {
        let (result, trainKinds, objects) = try Self.translating {
            try environment.write(expectedBytes: expectedBytes) { txn in
                let batch = StoreBatch(store: self, transaction: txn)
                let result = try body(batch)
                try batch.finish()
                return (result, batch.untrainedKindsTouched, batch.committedObjects)
            }
        }
        unmerged.committed(pending: objects.pending, start: objects.start, merged: objects.merged)
        if let merge = objects.merge { mergePlan.committed(merge.plan) }
        if let threshold = options.autoTrainThreshold, !trainKinds.isEmpty {
            try autoTrain(kinds: trainKinds, threshold: threshold)
        }
        return result
    }

    /// Flushes commits made with `.fast` durability.
    public func sync() throws {
        try Self.translating { try environment.sync() }
    }

    // MARK: Errors

    /// Runs `body`, turning LMDB and zstd errors into `StoreError`s; other errors (the caller's own) pass through.
    static func translating<R>(_ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch let error as LMDBError {
            throw storeError(error)
        } catch let error as ZstdError {
            throw StoreError(.corruptValue, error.description, cause: error)
        }
    }

    static func storeError(_ error: LMDBError) -> StoreError {
        switch error.kind {
        case .diskFull: StoreError(.diskFull, error.description, cause: error)
        case .permissionDenied, .readOnly: StoreError(.permissionDenied, error.description, cause: error)
        case .mapFull: StoreError(.mapResizeFailed, error.description, cause: error)
        case .versionMismatch, .invalidFile: StoreError(.unknownFormatVersion, error.description, cause: error)
        case .corrupted: StoreError(.corruptValue, error.description, cause: error)
        case .noSuchFile: StoreError(.io, error.description, cause: error)
        default:
            error.operation == "mdb_env_set_mapsize"
                ? StoreError(.mapResizeFailed, error.description, cause: error)
                : StoreError(.storage, error.description, cause: error)
        }
    }
}

/// The result slot of `hashAndEncode`'s hashing thread; written once before `done` is signalled.
private final class HashBox: @unchecked Sendable {
    var hash: Hash256?
    let done = DispatchSemaphore(value: 0)
}

/// An `errno` value carried as a `StoreError` cause.
public struct StoreErrnoCause: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }
    public var description: String { String(cString: strerror(code)) }
}

/// Creates `path` and any missing parents.
func makeDirectories(_ path: String) throws {
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        prefix += "/" + component
        if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
            let code = errno
            throw StoreError(
                code == EACCES || code == EPERM || code == EROFS ? .permissionDenied : .io,
                "cannot create directory \(prefix)",
                cause: StoreErrnoCause(code)
            )
        }
    }
}

/// The database handles of a store's environment.
struct Databases: Sendable {
    let objects, values, blocks, blockIndex, txIndex, history, checkpoints, datasets, state, undo,
        meta: Database
    /// LMDB's unnamed main database: the per-kind counters (keys starting with a NUL byte).
    let main: Database

    init(_ environment: Environment) {
        main = environment.main
        objects = environment.database(Collection.objects.rawValue)
        values = environment.database(Collection.values.rawValue)
        blocks = environment.database(Collection.blocks.rawValue)
        blockIndex = environment.database(Collection.blockIndex.rawValue)
        txIndex = environment.database(Collection.txIndex.rawValue)
        history = environment.database(Collection.history.rawValue)
        checkpoints = environment.database(Collection.checkpoints.rawValue)
        datasets = environment.database(Collection.datasets.rawValue)
        state = environment.database(Collection.state.rawValue)
        undo = environment.database(Collection.undo.rawValue)
        meta = environment.database(Collection.meta.rawValue)
    }

    func handle(_ collection: Collection) -> Database {
        switch collection {
        case .objects: objects
        case .values: values
        case .blocks: blocks
        case .blockIndex: blockIndex
        case .txIndex: txIndex
        case .history: history
        case .checkpoints: checkpoints
        case .datasets: datasets
        case .state: state
        case .undo: undo
        case .meta: meta
        }
    }
}
