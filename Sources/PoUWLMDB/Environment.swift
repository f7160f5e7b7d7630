internal import CLMDB

#if canImport(Glibc)
internal import Glibc
#endif

/// One LMDB environment (a data directory holding `data.mdb` and `lock.mdb`) with its named databases.
///
/// Guarantees:
/// - Closure-scoped transactions: `read` and `write` hand a transaction to a closure and end it when the closure
///   returns; no LMDB pointer outlives its transaction.
/// - One writer at a time (writers queue on a lock); any number of readers, which never block writers (MVCC).
///   Read transactions are not tied to threads (`MDB_NOTLS`) and are recycled (`mdb_txn_reset`/`renew`).
/// - The map grows before it fills, and on `MDB_MAP_FULL` the write is retried after growing, so map-full never
///   reaches a caller. Growth happens only with no transaction of this process live, and only if the file system
///   keeps `minimumFreeDisk` bytes free (else `diskFull`).
/// - Stale reader slots left by killed processes are cleared on open (`mdb_reader_check`).
/// - Opening reads the meta pages and walks the main database (and, writable, the free database) itself before
///   liblmdb does (`PageCheck`): a damaged one is `MDB_CORRUPTED` naming the page, not a crash inside liblmdb.
///   `checkPages` checks every tree the same way.
public final class Environment: @unchecked Sendable {
    let env: OpaquePointer
    /// The map's place and the file's size, for reads to check values against.
    private let bounds: MapBounds
    /// The data directory.
    public let path: String
    public let options: EnvironmentOptions
    /// Reader slots of dead processes cleared when opening.
    public let staleReadersCleared: Int
    private let databases: [String: Database]
    /// The unnamed main database, which also holds the records of the named ones. A commit rewrites its page
    /// anyway, so a small key kept here costs no extra page per commit. Keys written here must contain a NUL byte:
    /// then no database name can equal them, and `mdb_stat -a` / `mdb_dump -a` skip them.
    public let main: Database

    /// Shared by every live transaction; taken exclusively to resize the map.
    private let resizeLock = ReadWriteLock()
    /// Serializes writers (LMDB allows one write transaction per environment).
    private let writerLock = PlainMutex()
    /// Guards `readerPool`.
    private let poolLock = PlainMutex()
    /// Reset read transactions waiting to be renewed (each keeps its reader slot).
    private var readerPool: [OpaquePointer] = []
    private static let readerPoolLimit = 16
    /// Growth never goes beyond this many bytes.
    public let maximumMapSize: Int

    /// Opens (creating when writable and missing) the environment at directory `path` and the named `databases`
    /// (created when missing unless read-only).
    public init(
        path: String,
        databases names: [String],
        options: EnvironmentOptions = .init(),
        maximumMapSize: Int = 1 << 40
    ) throws {
        var handle: OpaquePointer?
        try check(mdb_env_create(&handle), "mdb_env_create")
        guard let handle else { throw LMDBError(code: ENOMEM, operation: "mdb_env_create") }
        do {
            try check(mdb_env_set_maxdbs(handle, MDB_dbi(options.maxDatabases)), "mdb_env_set_maxdbs")
            try check(mdb_env_set_maxreaders(handle, UInt32(options.maxReaders)), "mdb_env_set_maxreaders")
            try check(mdb_env_set_mapsize(handle, options.initialMapSize), "mdb_env_set_mapsize")
            var flags = UInt32(MDB_NOTLS)
            if options.readOnly { flags |= UInt32(MDB_RDONLY) }
            if options.durability == .fast { flags |= UInt32(MDB_NOSYNC) | UInt32(MDB_NOMETASYNC) }
            var status = Glibc.stat()
            if options.readOnly, stat(path + "/data.mdb", &status) == 0, status.st_size == 0 {
                // LMDB itself reports this as EBADF.
                throw LMDBError(code: MDB_INVALID, operation: "mdb_env_open", context: "\(path)/data.mdb is empty")
            }
            // liblmdb divides by the meta page's page size and maps up to its last page unchecked.
            try MetaPage.checkBeforeOpen(path: path)
            try check(mdb_env_open(handle, path, flags, mdb_mode_t(options.fileMode)), "mdb_env_open", path)
            // Before any page is read: MapBounds refuses a data.mdb cut short.
            bounds = try MapBounds(handle, path: path)
            var dead: Int32 = 0
            try check(mdb_reader_check(handle, &dead), "mdb_reader_check", path)
            staleReadersCleared = Int(dead)
            // Before mdb_dbi_open searches the main database (and a commit reads the free list, and the caller the
            // databases it names).
            try Self.checkPagesAtOpen(
                handle,
                path: path,
                readOnly: options.readOnly,
                databases: options.checkedAtOpen
            )
            (self.databases, self.main) = try Self.openDatabases(handle, names, readOnly: options.readOnly)
        } catch {
            mdb_env_close(handle)
            throw error
        }
        self.env = handle
        self.path = path
        self.options = options
        self.maximumMapSize = maximumMapSize
    }

    deinit {
        for txn in readerPool { mdb_txn_abort(txn) }
        mdb_env_close(env)
    }

    private static func openDatabases(
        _ env: OpaquePointer,
        _ names: [String],
        readOnly: Bool
    ) throws
        -> ([String: Database], Database)
    {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "mdb_txn_begin")
        guard let txn else { throw LMDBError(code: MDB_BAD_TXN, operation: "mdb_txn_begin") }
        var result: [String: Database] = [:]
        var main: MDB_dbi = 0
        do {
            for name in names {
                var dbi: MDB_dbi = 0
                try check(mdb_dbi_open(txn, name, readOnly ? 0 : UInt32(MDB_CREATE), &dbi), "mdb_dbi_open", name)
                result[name] = Database(dbi: dbi, name: name)
            }
            try check(mdb_dbi_open(txn, nil, 0, &main), "mdb_dbi_open", "main database")
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try check(mdb_txn_commit(txn), "mdb_txn_commit", "opening databases")
        return (result, Database(dbi: main, name: "(main)"))
    }

    /// The handle of a database named when opening; traps for a name that was not (a programmer error).
    public func database(_ name: String) -> Database {
        guard let database = databases[name] else { preconditionFailure("database \(name) was not opened") }
        return database
    }

    // MARK: Reading

    /// Runs `body` in a read transaction: a consistent snapshot of the last commit.
    public func read<R>(_ body: (ReadTransaction) throws -> R) throws -> R {
        while true {
            let outcome: R? = try resizeLock.withShared {
                guard let handle = try beginRead() else { return nil }
                let txn = ReadTransaction(handle: handle, bounds: bounds)
                defer {
                    txn.invalidate()
                    endRead(handle)
                }
                return .some(try body(txn))
            }
            if let outcome { return outcome }
            try adoptForeignMapSize()
        }
    }

    /// A renewed pooled read transaction or a new one; `nil` when another process grew the map.
    private func beginRead() throws -> OpaquePointer? {
        let pooled: OpaquePointer? = poolLock.withLock { readerPool.popLast() }
        if let pooled {
            let rc = mdb_txn_renew(pooled)
            if rc == 0 { return pooled }
            mdb_txn_abort(pooled)
            if rc == MDB_MAP_RESIZED { return nil }
            try check(rc, "mdb_txn_renew")
        }
        var txn: OpaquePointer?
        let rc = mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
        if rc == MDB_MAP_RESIZED { return nil }
        try check(rc, "mdb_txn_begin", "read")
        guard let txn else { throw LMDBError(code: MDB_BAD_TXN, operation: "mdb_txn_begin") }
        return txn
    }

    private func endRead(_ txn: OpaquePointer) {
        mdb_txn_reset(txn)
        let kept = poolLock.withLock { () -> Bool in
            guard readerPool.count < Self.readerPoolLimit else { return false }
            readerPool.append(txn)
            return true
        }
        if !kept { mdb_txn_abort(txn) }
    }

    /// Another process grew the map: adopt its size (`mdb_env_set_mapsize(0)`) with no transaction live here.
    private func adoptForeignMapSize() throws {
        try resizeLock.withExclusive {
            try check(mdb_env_set_mapsize(env, 0), "mdb_env_set_mapsize", "adopting a larger map")
            bounds.refresh(env)
        }
    }

    // MARK: Writing

    /// Runs `body` in the write transaction and commits when it returns (aborts when it throws).
    ///
    /// `expectedBytes` is a hint of how much the closure writes; the map is grown beforehand when the free room
    /// is short of it. If the map still fills, the transaction is aborted, the map grown and `body` run again.
    @discardableResult
    public func write<R>(expectedBytes: Int = 0, _ body: (WriteTransaction) throws -> R) throws -> R {
        try writerLock.withLock {
            var needed = expectedBytes
            for _ in 0..<16 {
                try ensureRoom(for: needed)
                switch try attemptWrite(body) {
                case .committed(let result): return result
                case .mapFull: needed = max(needed * 2, info().mapSize / 2)
                case .mapResized: try adoptForeignMapSize()
                }
            }
            throw LMDBError(code: MDB_MAP_FULL, operation: "write", context: "the map kept filling after 16 resizes")
        }
    }

    private enum WriteOutcome<R> {
        case committed(R)
        case mapFull
        case mapResized
    }

    private func attemptWrite<R>(_ body: (WriteTransaction) throws -> R) throws -> WriteOutcome<R> {
        try resizeLock.withShared {
            var handle: OpaquePointer?
            let rc = mdb_txn_begin(env, nil, 0, &handle)
            if rc == MDB_MAP_RESIZED { return .mapResized }
            try check(rc, "mdb_txn_begin", "write")
            guard let handle else { throw LMDBError(code: MDB_BAD_TXN, operation: "mdb_txn_begin") }
            let txn = WriteTransaction(handle: handle, bounds: bounds)
            let result: R
            do {
                result = try body(txn)
            } catch {
                txn.invalidate()
                mdb_txn_abort(handle)
                if txn.hitMapFull { return .mapFull }
                throw error
            }
            txn.invalidate()
            let commit = mdb_txn_commit(handle)
            if commit == MDB_MAP_FULL { return .mapFull }
            if commit == EIO, let free = try? freeDiskBytes(), free < Self.fullDiskSlack {
                // LMDB reports a short write as EIO ("filesystem full?"); with the file system full, say so.
                throw LMDBError(
                    code: ENOSPC,
                    operation: "mdb_txn_commit",
                    context: "short write with \(free) bytes left on the file system of \(path)"
                )
            }
            try check(commit, "mdb_txn_commit")
            return .committed(result)
        }
    }

    /// A commit failing with EIO while less than this is free on the file system failed for want of disk.
    static let fullDiskSlack = 1 << 20

    /// Grows the map when fewer than `bytes` plus a fifth of the map remain free in it. At the maximum size, the
    /// write proceeds as long as `bytes` still fit.
    private func ensureRoom(for bytes: Int) throws {
        let now = info()
        let free = now.mapSize - now.usedBytes
        if free >= bytes + now.mapSize / 5 { return }
        if now.mapSize >= maximumMapSize {
            if free >= bytes { return }
            throw LMDBError(
                code: MDB_MAP_FULL,
                operation: "grow map",
                context: "the map is at its maximum size of \(maximumMapSize) bytes"
            )
        }
        try grow(toFit: bytes + now.mapSize / 5, diskNeeded: bytes + (1 << 20), current: now)
    }

    private func grow(toFit bytes: Int, diskNeeded: Int, current: EnvironmentInfo) throws {
        let step = max(min(current.mapSize, 1 << 30), 2 * bytes, 16 << 20)
        let unit = 1 << 20
        let target = min((current.mapSize + step + unit - 1) / unit * unit, maximumMapSize)
        guard target > current.mapSize else {
            throw LMDBError(
                code: MDB_MAP_FULL,
                operation: "grow map",
                context: "the map is at its maximum size of \(maximumMapSize) bytes"
            )
        }
        let free = try freeDiskBytes()
        guard free >= diskNeeded + options.minimumFreeDisk else {
            throw LMDBError(
                code: ENOSPC,
                operation: "grow map",
                context: "\(free) bytes free on the file system of \(path); need \(diskNeeded) plus a reserve of "
                    + "\(options.minimumFreeDisk)"
            )
        }
        try resizeLock.withExclusive {
            try check(mdb_env_set_mapsize(env, target), "mdb_env_set_mapsize", "\(target) bytes")
            bounds.refresh(env)
        }
    }

    /// Bytes available to this (unprivileged) user on the data directory's file system.
    public func freeDiskBytes() throws -> Int {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { throw LMDBError(code: errno, operation: "statvfs", context: path) }
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }

    // MARK: Maintenance

    /// Map size and use.
    public func info() -> EnvironmentInfo {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        mdb_env_info(env, &info)
        mdb_env_stat(env, &stat)
        let page = Int(stat.ms_psize)
        return EnvironmentInfo(
            mapSize: info.me_mapsize,
            usedBytes: (info.me_last_pgno + 1) * page,
            pageSize: page,
            lastTransactionID: info.me_last_txnid,
            maxReaders: Int(info.me_maxreaders),
            readersInUse: Int(info.me_numreaders)
        )
    }

    /// Flushes commits made in `.fast` mode to disk.
    public func sync() throws {
        try check(mdb_env_sync(env, 1), "mdb_env_sync", path)
    }

    /// Writes a consistent copy of the environment into the existing directory `destination`, which must hold no
    /// `data.mdb`, while writers continue; `compact` omits free pages and renumbers (`MDB_CP_COMPACT`).
    ///
    /// The copy goes to `data.mdb.partial` first, is synced, and only then renamed to `data.mdb` (and the directory
    /// synced): a copy that fails (a full disk) or is killed leaves no `data.mdb`, never a truncated one.
    public func copy(to destination: String, compact: Bool = true) throws {
        let final = destination + "/data.mdb"
        let partial = final + ".partial"
        guard access(final, F_OK) != 0 else { throw LMDBError(code: EEXIST, operation: "copy", context: final) }
        unlink(partial)  // left by a copy that was killed
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw LMDBError(code: errno, operation: "open", context: partial) }
        defer {
            close(descriptor)
            unlink(partial)
        }
        try resizeLock.withShared {
            let flags = compact ? UInt32(MDB_CP_COMPACT) : 0
            try check(mdb_env_copyfd2(env, descriptor, flags), "mdb_env_copyfd2", partial)
        }
        guard fsync(descriptor) == 0 else { throw LMDBError(code: errno, operation: "fsync", context: partial) }
        guard rename(partial, final) == 0 else { throw LMDBError(code: errno, operation: "rename", context: final) }
        let directory = open(destination, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }
}
