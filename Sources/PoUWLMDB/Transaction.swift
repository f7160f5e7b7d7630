internal import CLMDB

#if canImport(Glibc)
internal import Glibc
#endif

/// A read-only snapshot of the environment, valid only inside the `Environment.read` (or `write`) closure
/// that received it.
///
/// Guarantees: every read sees one consistent committed state (MVCC); readers never block writers or each other.
/// Using the transaction after its closure returned is a programmer error and traps. Not `Sendable`: a
/// transaction belongs to the thread running its closure.
public class ReadTransaction {
    let handle: OpaquePointer
    let bounds: MapBounds
    private(set) var isLive = true

    init(handle: OpaquePointer, bounds: MapBounds) {
        self.handle = handle
        self.bounds = bounds
    }

    func invalidate() { isLive = false }

    @inline(__always)
    func requireLive() {
        precondition(isLive, "LMDB transaction used outside the closure it was passed to")
    }

    /// A copy of the value stored under `key`, or `nil` when there is none.
    public func get(_ database: Database, _ key: [UInt8]) throws -> [UInt8]? {
        try withValue(database, key) { span in span.withUnsafeBytes { Array($0) } }
    }

    /// Whether `key` is present.
    public func contains(_ database: Database, _ key: [UInt8]) throws -> Bool {
        try withValue(database, key) { _ in true } ?? false
    }

    /// Calls `body` with the stored bytes of `key` in place (no copy), or returns `nil` when there is none.
    /// The span is valid only inside `body`.
    public func withValue<R>(_ database: Database, _ key: [UInt8], _ body: (RawSpan) throws -> R) throws -> R? {
        requireLive()
        var value = MDB_val(mv_size: 0, mv_data: nil)
        let rc = key.withUnsafeBytes { kb -> Int32 in
            var k = MDB_val(mv_size: kb.count, mv_data: UnsafeMutableRawPointer(mutating: kb.baseAddress))
            return mdb_get(handle, database.dbi, &k, &value)
        }
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_get", database.name)
        try bounds.checkValue(value, database)
        let buffer = UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
        return try body(RawSpan(_unsafeBytes: buffer))
    }

    /// Entry count and page use of `database` as of this snapshot.
    public func statistics(_ database: Database) throws -> DatabaseStatistics {
        requireLive()
        var stat = MDB_stat()
        try check(mdb_stat(handle, database.dbi, &stat), "mdb_stat", database.name)
        return DatabaseStatistics(
            entries: stat.ms_entries,
            depth: Int(stat.ms_depth),
            branchPages: stat.ms_branch_pages,
            leafPages: stat.ms_leaf_pages,
            overflowPages: stat.ms_overflow_pages,
            pageSize: Int(stat.ms_psize)
        )
    }

    /// The number of entries in `database`.
    public func count(_ database: Database) throws -> Int { try statistics(database).entries }

    /// Visits entries in key order starting at the first key `>= start` (or the first key), or in reverse order
    /// starting at the last key `<= start` (or the last key). `body` returns `false` to stop. The spans are valid
    /// only during each call.
    public func forEach(
        _ database: Database,
        from start: [UInt8]? = nil,
        reverse: Bool = false,
        _ body: (_ key: RawSpan, _ value: RawSpan) throws -> Bool
    ) throws {
        try withCursor(database) { cursor in
            var key = MDB_val(mv_size: 0, mv_data: nil)
            var value = MDB_val(mv_size: 0, mv_data: nil)
            var rc: Int32
            if let start {
                rc = start.withUnsafeBytes { kb -> Int32 in
                    key = MDB_val(mv_size: kb.count, mv_data: UnsafeMutableRawPointer(mutating: kb.baseAddress))
                    return mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
                }
                if reverse {
                    if rc == MDB_NOTFOUND {
                        rc = mdb_cursor_get(cursor, &key, &value, MDB_LAST)
                    } else if rc == 0 && !Self.equal(key, start) {
                        rc = mdb_cursor_get(cursor, &key, &value, MDB_PREV)
                    }
                }
            } else {
                rc = mdb_cursor_get(cursor, &key, &value, reverse ? MDB_LAST : MDB_FIRST)
            }
            while rc == 0 {
                try bounds.checkValue(key, database)
                try bounds.checkValue(value, database)
                let k = RawSpan(_unsafeBytes: UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size))
                let v = RawSpan(_unsafeBytes: UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
                guard try body(k, v) else { return }
                rc = mdb_cursor_get(cursor, &key, &value, reverse ? MDB_PREV : MDB_NEXT)
            }
            if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get", database.name) }
        }
    }

    /// The last (greatest) key and its value, or `nil` when `database` is empty.
    public func last(_ database: Database) throws -> (key: [UInt8], value: [UInt8])? {
        var result: (key: [UInt8], value: [UInt8])?
        try forEach(database, reverse: true) { key, value in
            result = (key.withUnsafeBytes { Array($0) }, value.withUnsafeBytes { Array($0) })
            return false
        }
        return result
    }

    func withCursor<R>(_ database: Database, _ body: (OpaquePointer) throws -> R) throws -> R {
        requireLive()
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(handle, database.dbi, &cursor), "mdb_cursor_open", database.name)
        guard let cursor else { throw LMDBError(code: MDB_BAD_TXN, operation: "mdb_cursor_open") }
        defer { mdb_cursor_close(cursor) }
        return try body(cursor)
    }

    static func equal(_ value: MDB_val, _ bytes: [UInt8]) -> Bool {
        guard value.mv_size == bytes.count else { return false }
        return bytes.withUnsafeBytes { b in
            guard let base = b.baseAddress, let data = value.mv_data else { return bytes.isEmpty }
            return memcmp(base, data, bytes.count) == 0
        }
    }
}

/// The single write transaction of an environment, valid only inside `Environment.write`'s closure. It sees its
/// own uncommitted writes; the closure's return commits them, a throw aborts them all.
///
/// Guarantees: if the map fills up, the environment grows it and runs the closure again on a fresh transaction,
/// so `MDB_MAP_FULL` never reaches the caller; the closure must therefore have no effects outside the
/// transaction.
public final class WriteTransaction: ReadTransaction {
    private(set) var hitMapFull = false

    private func checkWrite(_ rc: Int32, _ operation: String, _ database: Database) throws {
        if rc == MDB_MAP_FULL { hitMapFull = true }
        try check(rc, operation, database.name)
    }

    /// Stores `value` under `key`. Returns `false` (and changes nothing) when `.noOverwrite` is given and the key
    /// exists. With `.append`, `key` must sort after every existing key.
    @discardableResult
    public func put(_ database: Database, _ key: [UInt8], _ value: [UInt8], flags: PutFlags = []) throws -> Bool {
        try value.withUnsafeBytes { vb in
            try put(database, key, bytes: vb, flags: flags)
        }
    }

    /// Stores the bytes of `value` under `key` (see `put(_:_:_:flags:)`).
    @discardableResult
    public func put(_ database: Database, _ key: [UInt8], span value: RawSpan, flags: PutFlags = []) throws -> Bool {
        try value.withUnsafeBytes { vb in
            try put(database, key, bytes: vb, flags: flags)
        }
    }

    private func put(
        _ database: Database,
        _ key: [UInt8],
        bytes vb: UnsafeRawBufferPointer,
        flags: PutFlags
    ) throws
        -> Bool
    {
        requireLive()
        let rc = key.withUnsafeBytes { kb -> Int32 in
            var k = MDB_val(mv_size: kb.count, mv_data: UnsafeMutableRawPointer(mutating: kb.baseAddress))
            var v = MDB_val(mv_size: vb.count, mv_data: UnsafeMutableRawPointer(mutating: vb.baseAddress))
            return mdb_put(handle, database.dbi, &k, &v, flags.rawValue)
        }
        if rc == MDB_KEYEXIST && flags.contains(.noOverwrite) { return false }
        try checkWrite(rc, "mdb_put", database)
        return true
    }

    /// Removes `key`; returns whether it was present.
    @discardableResult
    public func delete(_ database: Database, _ key: [UInt8]) throws -> Bool {
        requireLive()
        let rc = key.withUnsafeBytes { kb -> Int32 in
            var k = MDB_val(mv_size: kb.count, mv_data: UnsafeMutableRawPointer(mutating: kb.baseAddress))
            return mdb_del(handle, database.dbi, &k, nil)
        }
        if rc == MDB_NOTFOUND { return false }
        try checkWrite(rc, "mdb_del", database)
        return true
    }

    /// Removes every entry of `database` at once, keeping the database (`mdb_drop` without delete): its pages go
    /// back to the free list in one step, without visiting the entries.
    public func empty(_ database: Database) throws {
        requireLive()
        try checkWrite(mdb_drop(handle, database.dbi, 0), "mdb_drop", database)
    }

    /// Removes every key `>= start` (every key when `start` is `nil`); returns how many were removed.
    @discardableResult
    public func deleteAll(_ database: Database, from start: [UInt8]? = nil) throws -> Int {
        try withCursor(database) { cursor in
            var key = MDB_val(mv_size: 0, mv_data: nil)
            var value = MDB_val(mv_size: 0, mv_data: nil)
            var rc: Int32
            if let start {
                rc = start.withUnsafeBytes { kb -> Int32 in
                    key = MDB_val(mv_size: kb.count, mv_data: UnsafeMutableRawPointer(mutating: kb.baseAddress))
                    return mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
                }
            } else {
                rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
            }
            var removed = 0
            while rc == 0 {
                try checkWrite(mdb_cursor_del(cursor, 0), "mdb_cursor_del", database)
                removed += 1
                rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
            }
            if rc != MDB_NOTFOUND { try checkWrite(rc, "mdb_cursor_get", database) }
            return removed
        }
    }

    /// Deletes every key of `database` that sorts before `end` (bytewise, LMDB's default order); returns how many.
    @discardableResult
    public func deleteAll(_ database: Database, before end: [UInt8]) throws -> Int {
        try withCursor(database) { cursor in
            var key = MDB_val(mv_size: 0, mv_data: nil)
            var value = MDB_val(mv_size: 0, mv_data: nil)
            var rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
            var removed = 0
            while rc == 0 {
                let k = UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)
                guard k.lexicographicallyPrecedes(end) else { break }
                try checkWrite(mdb_cursor_del(cursor, 0), "mdb_cursor_del", database)
                removed += 1
                rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
            }
            if rc != 0 && rc != MDB_NOTFOUND { try checkWrite(rc, "mdb_cursor_get", database) }
            return removed
        }
    }
}
