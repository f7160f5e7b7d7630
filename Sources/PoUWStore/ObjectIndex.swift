internal import PoUWCore
internal import PoUWLMDB

// How an object is found (store format 3, see Docs/store-format.md "What a write costs"): its stored value sits in
// `values` under a sequence number, appended in order; the hash → sequence entry sits in `objects_recent` until the
// next merge moves it, with every other recent entry, into `objects` in key order. A batch of new objects thus
// dirties the few pages at the end of `values` and of a small tree, instead of one random leaf of a large tree
// each.

extension StoreView {
    /// The sequence number of the object under `hash` in `values`, or `nil` when there is no such object.
    func sequence(of hash: Hash256) throws -> UInt64? {
        let key = Keys.key(hash)
        if let found = try sequence(in: db.objects, key, hash) { return found }
        return try sequence(in: db.recentObjects, key, hash)
    }

    private func sequence(in database: Database, _ key: [UInt8], _ hash: Hash256) throws -> UInt64? {
        try txn.withValue(database, key) { value -> UInt64 in
            guard value.byteCount == 8 else {
                throw StoreError(
                    .corruptValue,
                    "index entry holds \(value.byteCount) bytes, expected an 8-byte sequence number",
                    hash: hash
                )
            }
            return Keys.u64(value, at: 0)
        }
    }

    /// Calls `body` with the stored value (header + payload) of the object under `hash`, in place, or returns
    /// `nil` when there is no such object. An index entry whose value is missing is `corruptValue`.
    func withStoredValue<R>(_ hash: Hash256, _ body: (RawSpan) throws -> R) throws -> R? {
        guard let sequence = try sequence(of: hash) else { return nil }
        return try withStoredValue(sequence: sequence, hash: hash, body)
    }

    /// Calls `body` with the stored value at `sequence`, which the index gives for `hash`.
    func withStoredValue<R>(sequence: UInt64, hash: Hash256, _ body: (RawSpan) throws -> R) throws -> R {
        guard let result = try txn.withValue(db.values, Keys.u64(sequence), body) else {
            throw StoreError(.corruptValue, "index points at value \(sequence), which does not exist", hash: hash)
        }
        return result
    }

    /// Visits every object key in key order, after `start` when given: the merged index and the recent entries
    /// interleaved. `body` gets the 32 key bytes (or whatever a damaged entry holds) and the entry's sequence
    /// number (`nil` when the entry is not 8 bytes); it returns `false` to stop.
    func forEachObjectKey(after start: Hash256?, _ body: (_ key: [UInt8], _ sequence: UInt64?) throws -> Bool) throws {
        // The recent tree is small (at most one merge threshold of entries): read it whole, then interleave.
        var recent: [(key: [UInt8], sequence: UInt64?)] = []
        let from = start.map { Keys.key($0) + [0] }
        try txn.forEach(db.recentObjects, from: from) { key, value in
            recent.append((Keys.bytes(key), value.byteCount == 8 ? Keys.u64(value, at: 0) : nil))
            return true
        }
        var next = 0
        var stopped = false
        try txn.forEach(db.objects, from: from) { key, value in
            let bytes = Keys.bytes(key)
            while next < recent.count, recent[next].key.lexicographicallyPrecedes(bytes) {
                guard try body(recent[next].key, recent[next].sequence) else {
                    stopped = true
                    return false
                }
                next += 1
            }
            guard try body(bytes, value.byteCount == 8 ? Keys.u64(value, at: 0) : nil) else {
                stopped = true
                return false
            }
            return true
        }
        while !stopped, next < recent.count {
            guard try body(recent[next].key, recent[next].sequence) else { return }
            next += 1
        }
    }
}

extension StoreBatch {
    /// Merges every recent index entry into `objects` (in key order, so neighbouring entries share their leaf
    /// pages) and empties `objects_recent`, when it holds at least `threshold` entries. Returns how many moved.
    @discardableResult
    func mergeRecentObjects(threshold: Int) throws -> Int {
        guard try txn.count(db.recentObjects) >= threshold else { return 0 }
        var moved = 0
        try txn.forEach(db.recentObjects) { key, value in
            try wtxn.put(db.objects, Keys.bytes(key), span: value)
            moved += 1
            return true
        }
        try wtxn.empty(db.recentObjects)
        return moved
    }
}
