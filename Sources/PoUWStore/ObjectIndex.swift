internal import PoUWCore
internal import PoUWLMDB
internal import Synchronization

// How an object is found (store format 4; Docs/store-format.md "Objects" and "What a write costs"). Its stored
// value is appended to `values` under the key sequence ‖ hash (the sequence numbers run 0, 1, 2, … in write order).
// `objects` maps hash → sequence for every value below the merge mark (`meta/merged`), and for those a merge under
// way has reached (`IndexMerge.swift`); the others are found by their keys, which a process reads once into
// `UnmergedObjects`. Merges put the values above the mark into `objects` in key order, spread over commits. A batch of
// new objects thus dirties the few pages at the end of `values`, instead of one random leaf of a large tree each.

/// The objects at or above the merge mark, as this process has read them from `values`: hash → sequence for the
/// sequences in `floor..<end`. Shared by every transaction of a `Store`.
///
/// Guarantees: it holds only committed entries (read from a snapshot, or handed over by a writer after its
/// commit), and a committed value never changes or goes away, so an entry is true in every snapshot that contains
/// its sequence number. A lookup gives an answer only for a snapshot whose unmerged range it covers, and otherwise
/// reads the snapshot itself.
final class UnmergedObjects: Sendable {
    private struct State {
        var floor: UInt64 = 0
        var end: UInt64 = 0
        var sequences: [Hash256: UInt64] = [:]
    }

    private let state = Mutex(State())

    /// The sequence number of `hash` among the values `range` (a snapshot's unmerged range) of `view`, or `nil`.
    func sequence(of hash: Hash256, in range: Range<UInt64>, view: StoreView) throws -> UInt64? {
        guard !range.isEmpty else { return nil }
        return try state.withLock { state -> UInt64? in
            if state.floor > range.lowerBound {
                // A snapshot older than the last merge this process saw: read it directly (rare, and bounded by
                // the merge threshold).
                var found: UInt64?
                try view.forEachUnmergedValue(in: range) { sequence, candidate in
                    if candidate == hash { found = sequence }
                    return found == nil
                }
                return found
            }
            try Self.extend(&state, to: range, view: view)
            guard let sequence = state.sequences[hash], range.contains(sequence) else { return nil }
            return sequence
        }
    }

    /// Every (hash, sequence) of `range` in `view`, unordered.
    func entries(in range: Range<UInt64>, view: StoreView) throws -> [(Hash256, UInt64)] {
        guard !range.isEmpty else { return [] }
        return try state.withLock { state in
            guard state.floor <= range.lowerBound else {
                var found: [(Hash256, UInt64)] = []
                try view.forEachUnmergedValue(in: range) { sequence, hash in
                    found.append((hash, sequence))
                    return true
                }
                return found
            }
            try Self.extend(&state, to: range, view: view)
            return state.sequences.filter { range.contains($0.value) }.map { ($0.key, $0.value) }
        }
    }

    /// Reads what `view` has beyond what the cache covers (dropping what lies below the snapshot's merge mark).
    private static func extend(_ state: inout State, to range: Range<UInt64>, view: StoreView) throws {
        if state.end < range.lowerBound {
            state = State(floor: range.lowerBound, end: range.lowerBound, sequences: [:])
        } else if state.floor < range.lowerBound {
            state.sequences = state.sequences.filter { $0.value >= range.lowerBound }
            state.floor = range.lowerBound
        }
        guard state.end < range.upperBound else { return }
        let missing = state.end..<range.upperBound
        try view.forEachUnmergedValue(in: missing) { sequence, hash in
            state.sequences[hash] = sequence
            return true
        }
        state.end = range.upperBound
    }

    /// After a writer's commit: its new values `pending` (sequences from `start` on) join the cache when it
    /// already reaches `start`; a merge up to `merged` drops the entries below.
    func committed(pending: [Hash256: UInt64], start: UInt64, merged: UInt64?) {
        state.withLock { state in
            if state.end == start && state.floor <= start {
                state.sequences.reserveCapacity(state.sequences.count + pending.count)
                for (hash, sequence) in pending { state.sequences[hash] = sequence }
                state.end = start + UInt64(pending.count)
            }
            if let merged, merged > state.floor {
                if state.end < merged {
                    state = State(floor: merged, end: merged, sequences: [:])
                } else {
                    state.sequences = state.sequences.filter { $0.value >= merged }
                    state.floor = merged
                }
            }
        }
    }
}

extension StoreView {
    /// The sequence number of the object under `hash` in `values`, or `nil` when there is no such object.
    func sequence(of hash: Hash256) throws -> UInt64? {
        let found = try txn.withValue(db.objects, Keys.key(hash)) { value -> UInt64 in
            guard value.byteCount == 8 else {
                throw StoreError(
                    .corruptValue,
                    "index entry holds \(value.byteCount) bytes, expected an 8-byte sequence number",
                    hash: hash
                )
            }
            return Keys.u64(value, at: 0)
        }
        if let found { return found }
        if let pending = pendingSequence(of: hash) { return pending }
        return try store.unmerged.sequence(of: hash, in: unmergedRange(), view: self)
    }

    /// The values of this snapshot not yet in `objects`: from the merge mark to the end of `values` (as of the
    /// start of the transaction; a batch's own new values are its pending ones).
    func unmergedRange() throws -> Range<UInt64> {
        if let known = unmergedRangeCache { return known }
        let merged = try txn.withValue(db.meta, Keys.mergedKey) { $0.byteCount == 8 ? Keys.u64($0, at: 0) : nil } ?? nil
        var end: UInt64 = 0
        try txn.forEach(db.values, reverse: true) { key, _ in
            if key.byteCount >= 8 { end = Keys.u64(key, at: 0) + 1 }
            return false
        }
        let range = min(merged ?? 0, end)..<end
        unmergedRangeCache = range
        return range
    }

    /// Calls `body` with the sequence number and hash of each value in `range`, in order, from the keys alone;
    /// `body` returns `false` to stop. Keys that are not sequence ‖ hash are passed over.
    func forEachUnmergedValue(in range: Range<UInt64>, _ body: (UInt64, Hash256) throws -> Bool) throws {
        guard !range.isEmpty else { return }
        try txn.forEach(db.values, from: Keys.u64(range.lowerBound)) { key, _ in
            // A damaged key names no object; `verify` reports it.
            guard key.byteCount >= 8 else { return true }
            let sequence = Keys.u64(key, at: 0)
            guard key.byteCount == 40, let hash = Keys.hash(key, at: 8) else { return sequence < range.upperBound }
            guard sequence < range.upperBound else { return false }
            return try body(sequence, hash)
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
        guard let result = try txn.withValue(db.values, Keys.value(sequence, hash), body) else {
            throw StoreError(.corruptValue, "index points at value \(sequence), which does not hold it", hash: hash)
        }
        return result
    }

    /// Visits every object key in key order, after `start` when given: `objects` and the unmerged values
    /// interleaved. `body` gets the key bytes (32 unless an entry is damaged) and the sequence number (`nil` when
    /// the `objects` entry is not 8 bytes); it returns `false` to stop.
    func forEachObjectKey(after start: Hash256?, _ body: (_ key: [UInt8], _ sequence: UInt64?) throws -> Bool) throws {
        // The unmerged values are few (at most a merge threshold): read their keys, sort them, interleave.
        var unmerged: [(key: [UInt8], sequence: UInt64?)] = []
        let range = try unmergedRange()
        let progress = try mergeProgress()
        try forEachUnmergedValue(in: range) { sequence, hash in
            // Those a merge under way has put into `objects` already are visited there.
            let indexed = MergeProgress.indexes(
                sequence: sequence,
                hash: hash,
                mark: range.lowerBound,
                progress: progress
            )
            if !indexed, start.map({ hash > $0 }) ?? true { unmerged.append((Keys.key(hash), sequence)) }
            return true
        }
        unmerged.sort { $0.key.lexicographicallyPrecedes($1.key) }
        var next = 0
        var stopped = false
        try txn.forEach(db.objects, from: start.map { Keys.key($0) + [0] }) { key, value in
            let bytes = Keys.bytes(key)
            while next < unmerged.count, unmerged[next].key.lexicographicallyPrecedes(bytes) {
                guard try body(unmerged[next].key, unmerged[next].sequence) else {
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
        while !stopped, next < unmerged.count {
            guard try body(unmerged[next].key, unmerged[next].sequence) else { return }
            next += 1
        }
    }
}
