public import PoUWCore
import Synchronization

/// Tasks a node knows in memory (the demo's, or those read from the chain at start-up).
///
/// Guarantees: thread-safe; answers only for registered tasks.
public final class InMemoryTaskCatalog: TaskCatalog {
    private let tasks = Mutex<[Hash256: MiningParameters]>([:])

    public init() {}

    public func register(task: Hash256, _ parameters: MiningParameters) { tasks.withLock { $0[task] = parameters } }

    public func miningParameters(task: Hash256) -> MiningParameters? { tasks.withLock { $0[task] } }
}

/// Canonical histories a node holds in memory, e.g. the live `HistoryRecorder.canonical` of an in-process node.
///
/// Guarantees: thread-safe; `canonicalHistory(task:)` returns the last canonical history set for the task.
public final class InMemoryHistories: HistorySource {
    private let histories = Mutex<[Hash256: CanonicalHistory]>([:])

    public init() {}

    public func set(_ history: CanonicalHistory) { histories.withLock { $0[history.taskID] = history } }

    public func canonicalHistory(task: Hash256) -> CanonicalHistory? { histories.withLock { $0[task] } }
}
