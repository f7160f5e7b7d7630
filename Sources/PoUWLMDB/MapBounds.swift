internal import CLMDB
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#endif

/// Where an environment's map lies and how much of it `data.mdb` backs, so that a read can refuse a value that
/// reaches past the end of the file (a damaged page naming a wrong size or overflow page) instead of touching
/// memory no file page backs, which kills the process with SIGBUS.
///
/// Guarantees: `init` throws `MDB_CORRUPTED` when `data.mdb` is shorter than the pages its newest meta page says are
/// in use (a cut-short copy), before any page is read. `checkValue` throws `MDB_CORRUPTED` for a value that lies in the map but ends beyond `data.mdb` or the
/// map; values outside the map (a write transaction's own dirty pages) pass. The file only grows, so a value
/// beyond the cached size is checked again against a fresh `fstat` before it is refused. The map's address and
/// size are refreshed after every resize, with no transaction of the process live.
final class MapBounds: Sendable {
    private let base = Atomic<UInt>(0)
    private let mapSize = Atomic<Int>(0)
    private let fileSize = Atomic<Int>(0)
    private let descriptor: Int32

    init(_ env: OpaquePointer, path: String) throws {
        var descriptor: mdb_filehandle_t = -1
        try check(mdb_env_get_fd(env, &descriptor), "mdb_env_get_fd", path)
        self.descriptor = descriptor
        var status = Glibc.stat()
        guard fstat(descriptor, &status) == 0 else { throw LMDBError(code: errno, operation: "fstat", context: path) }
        refresh(env)
        var info = MDB_envinfo()
        var stat = MDB_stat()
        try check(mdb_env_info(env, &info), "mdb_env_info", path)
        try check(mdb_env_stat(env, &stat), "mdb_env_stat", path)
        let size = fileSize.load(ordering: .relaxed)
        let pageSize = Int(stat.ms_psize)
        guard pageSize > 0, info.me_last_pgno >= 0, info.me_last_pgno < size / pageSize else {
            throw Self.cutShort(
                path + "/data.mdb",
                size: size,
                lastPage: UInt64(bitPattern: Int64(info.me_last_pgno)),
                pageSize: pageSize
            )
        }
    }

    /// The error for a `file` of `size` bytes whose meta page names `lastPage` as the last page in use.
    static func cutShort(_ file: String, size: Int, lastPage: UInt64, pageSize: Int) -> LMDBError {
        let (pages, overflow) = lastPage.addingReportingOverflow(1)
        let (needed, tooLarge) = pages.multipliedReportingOverflow(by: UInt64(max(pageSize, 0)))
        let reach = overflow || tooLarge ? "page \(lastPage)" : "\(needed)"
        return LMDBError(
            code: MDB_CORRUPTED,
            operation: "open",
            context: "\(file) holds \(size) bytes but its pages reach \(reach): the file is cut short"
        )
    }

    /// Finds the map again, and the file's size (after the map was resized). LMDB does not say where it mapped the
    /// file (`me_mapaddr` is only set for `MDB_FIXEDMAP`), so the map is the mapping of this file in
    /// `/proc/self/maps` as large as the map; when there is not exactly one (the process opened the same file twice
    /// with the same map size), reads go unchecked.
    func refresh(_ env: OpaquePointer) {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        var status = Glibc.stat()
        let mappings = fstat(descriptor, &status) == 0 ? Self.mappings(ofInode: UInt64(status.st_ino)) : []
        let ours = mappings.filter { $0.count == info.me_mapsize }
        base.store(ours.count == 1 ? ours[0].lowerBound : 0, ordering: .relaxed)
        mapSize.store(ours.count == 1 ? info.me_mapsize : 0, ordering: .relaxed)
        _ = currentFileSize()
    }

    /// The address ranges mapping the file with inode `inode`, from `/proc/self/maps`.
    private static func mappings(ofInode inode: UInt64) -> [Range<UInt>] {
        guard let file = fopen("/proc/self/maps", "r") else { return [] }
        defer { fclose(file) }
        var ranges: [Range<UInt>] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            // start-end perms offset dev inode path
            let fields = String(cString: line).split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, UInt64(fields[4]) == inode else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16),
                start < end
            else { continue }
            ranges.append(start..<end)
        }
        return ranges
    }

    private func currentFileSize() -> Int {
        var status = Glibc.stat()
        guard fstat(descriptor, &status) == 0 else { return fileSize.load(ordering: .relaxed) }
        let size = Int(status.st_size)
        fileSize.store(size, ordering: .relaxed)
        return size
    }

    /// Throws `MDB_CORRUPTED` when `value` lies in the map but ends beyond the file or the map.
    @inline(__always)
    func checkValue(_ value: MDB_val, _ database: Database) throws {
        guard let data = value.mv_data, value.mv_size > 0 else { return }
        let start = UInt(bitPattern: data)
        let base = base.load(ordering: .relaxed)
        let mapSize = mapSize.load(ordering: .relaxed)
        guard start >= base, start - base < UInt(mapSize) else { return }
        let (end, overflow) = Int(start - base).addingReportingOverflow(value.mv_size)
        if !overflow, end <= fileSize.load(ordering: .relaxed) { return }
        if !overflow, end <= mapSize, end <= currentFileSize() { return }
        throw LMDBError(
            code: MDB_CORRUPTED,
            operation: "read",
            context: "a value of \(database.name) said to hold \(value.mv_size) bytes reaches past the end of data.mdb "
                + "(\(fileSize.load(ordering: .relaxed)) bytes): a damaged page"
        )
    }
}
