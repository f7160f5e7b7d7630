import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs independent pieces of work on up to `threadCount` threads.
///
/// Guarantees: `run` returns only after every piece has finished; pieces never share outputs (callers partition by
/// independent outputs), so the thread count can never change a result bit. `threadCount == 1` runs inline.
/// Pools with the same thread count share one set of helper threads (created on first use, kept for the
/// process's life); concurrent `run` calls on a shared set are serialised, so a piece must never call `run` on a
/// pool of the same thread count (that would deadlock). Helpers busy-wait up to a few hundred microseconds
/// after each job before sleeping, because training issues kernels back to back.
public struct WorkerPool: Sendable {
    /// How many pieces a kernel should split its outputs into.
    public let threadCount: Int
    private let engine: SpinEngine?

    /// A pool of `threads` workers (clamped to 1…64).
    public init(threads: Int) {
        threadCount = max(1, min(64, threads))
        engine = threadCount > 1 ? SpinEngine.shared(helpers: threadCount - 1) : nil
    }

    /// Runs `body(0)`, …, `body(parts - 1)`, concurrently when the pool has more than one thread.
    public func run(_ parts: Int, _ body: (Int) -> Void) {
        guard let engine, parts > 1 else {
            for t in 0..<parts { body(t) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            engine.run(parts: parts, escaping)
        }
    }

    /// Splits `0..<count` into `threadCount` contiguous ranges (multiples of `align` except the last) and runs
    /// `body` on each.
    public func forEachRange(_ count: Int, align: Int = 16, _ body: (Range<Int>) -> Void) {
        let parts = threadCount
        if parts <= 1 || count < 4096 {
            body(0..<count)
            return
        }
        let chunk = ((count + parts - 1) / parts + align - 1) / align * align
        run(parts) { t in
            let lo = min(count, t * chunk)
            let hi = min(count, lo + chunk)
            if lo < hi { body(lo..<hi) }
        }
    }
}

/// Helper threads that spin briefly for work, then sleep on a condition variable.
private final class SpinEngine: @unchecked Sendable {
    private static let registry = Mutex<[Int: SpinEngine]>([:])

    static func shared(helpers: Int) -> SpinEngine {
        registry.withLock { engines in
            if let e = engines[helpers] { return e }
            let e = SpinEngine(helpers: helpers)
            engines[helpers] = e
            return e
        }
    }

    let helpers: Int
    /// Serialises callers of `run`.
    private let callers = Mutex<Void>(())
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    /// The current job and its piece count; written by the caller before `generation` is bumped.
    private nonisolated(unsafe) var job: ((Int) -> Void)?
    private nonisolated(unsafe) var parts = 0
    /// Heap-allocated so their addresses never change (never freed: engines live for the process).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    private init(helpers: Int) {
        self.helpers = helpers
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        for h in 0..<helpers {
            let context = Unmanaged.passRetained(HelperContext(engine: self, index: h + 1)).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(
                &thread,
                nil,
                { raw in
                    guard let raw else { return nil }
                    let context = Unmanaged<HelperContext>.fromOpaque(raw).takeRetainedValue()
                    context.engine.helperLoop(index: context.index)
                    return nil
                },
                context
            )
            precondition(created == 0, "cannot start a worker thread")
            pthread_detach(thread)
        }
    }

    func run(parts: Int, _ body: @escaping (Int) -> Void) {
        callers.withLock { _ in
            job = body
            self.parts = parts
            pending.store(helpers, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            // The caller takes piece 0 and every piece beyond the helpers' share.
            var t = 0
            while t < parts {
                body(t)
                t += helpers + 1
            }
            // Spin briefly, then yield the core so a descheduled helper can finish (shared machines).
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > 2_000 { sched_yield() }
            }
            job = nil
        }
    }

    fileprivate func helperLoop(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                spins += 1
                if spins < 200_000 {
                    // Busy-wait (a few hundred microseconds at most): steps issue kernels back to back.
                } else {
                    pthread_mutex_lock(mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen {
                        pthread_cond_wait(condition, mutex)
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(mutex)
                    spins = 0
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if let body = job {
                var t = index
                while t < parts {
                    body(t)
                    t += helpers + 1
                }
            }
            pending.subtract(1, ordering: .releasing)
        }
    }

}

private final class HelperContext {
    let engine: SpinEngine
    let index: Int
    init(engine: SpinEngine, index: Int) {
        self.engine = engine
        self.index = index
    }
}
