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
}
