internal import PoUWCore
internal import PoUWLMDB
internal import Synchronization

// Merging the unmerged values into `objects` (store format 4; Docs/store-format.md "Objects"). When the values at or
// above the merge mark m reach the merge threshold, the range m..<t (t: the end of `values` then) is frozen and
// merged over the following commits, in key order, each commit putting `mergeStep` entries for each value it appends;
// `meta/merging` records t, the last key merged and how many are merged. When all are, the mark moves to t. So a
// value (s, h) has an `objects` entry if and only if s < m, or a merge is under way and s < t and h ≤ its last key
// (`MergeProgress.indexes`). Spreading the merge keeps every commit small however large the threshold.

/// A merge under way, as `meta/merging` records it: target mark ‖ last key merged ‖ entries merged (48 bytes).
struct MergeProgress: Equatable {
    /// The mark once the merge is done: the frozen range is the merge mark ..< target.
    var target: UInt64
    /// The last key merged (keys up to it, in the frozen range, are in `objects`).
    var last: Hash256
    /// How many entries of the frozen range are in `objects`.
    var merged: UInt64

    var bytes: [UInt8] { Keys.u64(target) + Keys.key(last) + Keys.u64(merged) }

    init(target: UInt64, last: Hash256, merged: UInt64) {
        self.target = target
        self.last = last
        self.merged = merged
    }

    init(_ value: RawSpan) throws {
        guard value.byteCount == 48, let last = Keys.hash(value, at: 8) else {
            throw StoreError(.corruptValue, "meta/merging holds \(value.byteCount) bytes, expected 48")
        }
        self.init(target: Keys.u64(value, at: 0), last: last, merged: Keys.u64(value, at: 40))
        guard target <= UInt64(Int.max), merged <= target else {
            throw StoreError(.corruptValue, "meta/merging counts \(merged) entries merged towards mark \(target)")
        }
    }

    /// Whether the value (`sequence`, `hash`) has an `objects` entry, given the merge mark `mark` and the merge under
    /// way `progress`, if any.
    static func indexes(sequence: UInt64, hash: Hash256, mark: UInt64, progress: MergeProgress?) -> Bool {
        if sequence < mark { return true }
        guard let progress else { return false }
        return sequence < progress.target && hash <= progress.last
    }
}

/// The frozen range of a merge under way, sorted by key: read once per process (the writer builds it when the merge
/// starts and hands it over after that commit; after a restart it is rebuilt from the unmerged values).
final class MergePlan: Sendable {
    struct Plan {
        var range: Range<UInt64>
        var entries: [(Hash256, UInt64)]
    }

    private let plan = Mutex<Plan?>(nil)

    /// The sorted entries of `range`, if this process holds them.
    func entries(for range: Range<UInt64>) -> [(Hash256, UInt64)]? {
        plan.withLock { plan in plan.flatMap { $0.range == range ? $0.entries : nil } }
    }

    /// After a commit: the plan of the merge under way (`nil` when none is).
    func committed(_ newPlan: Plan?) {
        plan.withLock { $0 = newPlan }
    }
}

extension StoreView {
    /// This snapshot's merge under way, if any (read once).
    func mergeProgress() throws -> MergeProgress? {
        if let known = mergeProgressCache { return known }
        let progress = try txn.withValue(db.meta, Keys.mergingKey) { try MergeProgress($0) }
        mergeProgressCache = .some(progress)
        return progress
    }
}

extension StoreBatch {
    /// A merge is due once the unmerged objects number this fraction of the merged ones (within the options'
    /// bounds): merging T entries into an index of P leaf pages rewrites about P·(1 − e^(−T/P)) of them, so a
    /// threshold that grows with the index keeps the pages rewritten per object about constant (~0.1 at 1/8, with
    /// some 85 entries a page) until the limit.
    static let mergeFraction = 8

    /// Entries a commit merges for each object it appends, while a merge is under way: the merge of T entries is done
    /// after T / 8 new objects. (With 2, the merge ran through half of all commits and batched appends measured
    /// ~20 % slower at a million objects than with one commit per merge; with 8 they measured alike.)
    static let mergeStep = 8

    /// How many unmerged objects make a merge due in an index of `merged` entries.
    static func mergeThreshold(merged: Int, options: StoreOptions) -> Int {
        min(max(merged / mergeFraction, options.indexMergeThreshold), options.indexMergeLimit)
    }

    /// Starts a merge when the unmerged values (with this batch's) reach the merge threshold, and advances the one
    /// under way by `mergeStep` entries for each of this batch's new objects (`pending`), in key order. Returns the
    /// new merge mark when the merge completes in this commit, and the plan to hand over after it. A
    /// `meta/merging` that does not fit the unmerged values is `corruptValue` (nothing is written).
    func advanceMerge() throws -> (mark: UInt64?, plan: MergePlan.Plan?) {
        let range = try unmergedRange()
        let end = range.upperBound + UInt64(pending.count)
        var progress = try mergeProgress()
        var entries: [(Hash256, UInt64)]
        var start = 0
        if let progress {
            guard progress.target > range.lowerBound, progress.target <= range.upperBound,
                progress.merged < progress.target - range.lowerBound
            else {
                throw StoreError(
                    .corruptValue,
                    "meta/merging (mark \(progress.target), \(progress.merged) merged) does not fit the unmerged "
                        + "values \(range)"
                )
            }
            let frozen = range.lowerBound..<progress.target
            entries = store.mergePlan.entries(for: frozen) ?? []
            if entries.isEmpty {
                entries = try store.unmerged.entries(in: frozen, view: self)
                entries.sort { $0.0 < $1.0 }
            }
            // The first entry after the last one merged.
            var low = 0
            var high = entries.count
            while low < high {
                let middle = (low + high) / 2
                if entries[middle].0 <= progress.last { low = middle + 1 } else { high = middle }
            }
            start = low
        } else {
            let merged = try txn.count(db.objects)
            let threshold = Self.mergeThreshold(merged: merged, options: store.options)
            guard end - range.lowerBound >= UInt64(threshold) else { return (nil, nil) }
            entries = try store.unmerged.entries(in: range, view: self)
            entries += pending.map { ($0.key, $0.value) }
            entries.sort { $0.0 < $1.0 }
            progress = MergeProgress(target: end, last: Hash256.zero, merged: 0)
        }
        guard var progress else { return (nil, nil) }
        let stop = min(entries.count, start + Self.mergeStep * pending.count)
        for (hash, sequence) in entries[start..<stop] {
            _ = try wtxn.put(db.objects, Keys.key(hash), Keys.u64(sequence))
        }
        if stop == entries.count {
            _ = try wtxn.delete(db.meta, Keys.mergingKey)
            _ = try wtxn.put(db.meta, Keys.mergedKey, Keys.u64(progress.target))
            return (progress.target, nil)
        }
        progress.merged += UInt64(stop - start)
        if stop > start { progress.last = entries[stop - 1].0 }
        _ = try wtxn.put(db.meta, Keys.mergingKey, progress.bytes)
        return (nil, MergePlan.Plan(range: range.lowerBound..<progress.target, entries: entries))
    }
}
