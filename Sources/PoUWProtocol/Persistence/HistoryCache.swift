import PoUWCore
import PoUWStore
import Synchronization

/// The task histories a `ProtocolStore` has read, kept so that reading a history again costs only the entries
/// appended since (the store's history collection is append-only: entry n of a task never changes once written).
///
/// Guarantees: thread-safe; `history(task:count:read:)` returns exactly the history the store's first `count`
/// entries make, as a fresh read would; the cached entries are reused only when `count` is at least as large.
final class HistoryCache: Sendable {
    private let histories = Mutex<[Hash256: MessageHistory]>([:])
    /// Canonical histories built from the first `consumed` entries of the recorded history.
    private let canonicals = Mutex<[Hash256: (consumed: Int, history: CanonicalHistory)]>([:])

    init() {}

    /// The history of `task` with `count` entries: the cached one extended by `read(range)` for the entries it
    /// lacks, or rebuilt from `read(0..<count)` if the cache holds more than `count`.
    func history(
        task: Hash256,
        count: UInt64,
        read: (Range<UInt64>) throws -> [Hash256]
    ) throws -> MessageHistory {
        var history = histories.withLock { $0[task] } ?? MessageHistory(taskID: task)
        if UInt64(history.count) > count { history = MessageHistory(taskID: task) }
        if UInt64(history.count) < count {
            let hashes = try read(UInt64(history.count)..<count)
            do {
                for hash in hashes { try history.append(hash) }
            } catch {
                throw StoreError(.corruptValue, "history of task \(task.hex) repeats a message: \(error)")
            }
        }
        let result = history
        histories.withLock { cached in
            if UInt64(cached[task]?.count ?? 0) < result.count { cached[task] = result }
        }
        return result
    }

    /// The canonical form of `recorded` (the task's recorded history): the cached one extended by the entries it
    /// has not seen, each message read through `message` (a missing one is a store error: the history names it).
    func canonical(
        recorded: MessageHistory,
        message: (Hash256) throws -> IterationMessage?
    ) throws -> CanonicalHistory {
        let task = recorded.taskID
        let fresh: (consumed: Int, history: CanonicalHistory) = (0, CanonicalHistory(taskID: task))
        var cached = canonicals.withLock { $0[task] } ?? fresh
        if cached.consumed > recorded.count { cached = fresh }
        guard cached.consumed < recorded.count else { return cached.history }
        for hash in recorded.messages[cached.consumed...] {
            guard let stored = try message(hash) else {
                throw StoreError(
                    .missingObject,
                    "history of task \(task.hex) names message \(hash.hex) the store lacks"
                )
            }
            do { try cached.history.add(stored) } catch {
                throw StoreError(.corruptValue, "history of task \(task.hex): \(error)")
            }
        }
        cached.consumed = recorded.count
        let result = cached
        canonicals.withLock { all in
            if (all[task]?.consumed ?? 0) < result.consumed { all[task] = result }
        }
        return result.history
    }
}
