internal import Dispatch

/// Runs independent pieces of work on up to `threadCount` threads.
///
/// Guarantees: `run` returns only after every piece has finished; pieces never share outputs (callers partition by
/// independent outputs), so the thread count can never change a result bit. `threadCount == 1` runs inline.
public struct WorkerPool: Sendable {
    /// How many pieces a kernel should split its outputs into.
    public let threadCount: Int

    /// A pool of `threads` workers (clamped to 1…64).
    public init(threads: Int) {
        threadCount = max(1, min(64, threads))
    }

    /// Runs `body(0)`, …, `body(parts - 1)`, concurrently when the pool has more than one thread.
    public func run(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 || threadCount <= 1 {
            for t in 0..<parts { body(t) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            let box = UncheckedBox(escaping)
            DispatchQueue.concurrentPerform(iterations: parts) { t in box.value(t) }
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

/// Carries a non-Sendable closure into `concurrentPerform`; safe because every piece writes disjoint outputs.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
