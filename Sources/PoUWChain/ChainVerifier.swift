import Dispatch
public import PoUWCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Re-validates a stored main chain from genesis (a reindex): every block is decoded from the store and
/// processed by a fresh `Blockchain` on memory storage with full validation (signatures on `threads` threads),
/// and the replayed ledger's state hash is compared with the stored one.
///
/// Guarantees: read-only on `source`; the report names the first block that fails and why; the result does
/// not depend on `threads`.
public enum ChainVerifier {
    /// What a reindex found.
    public struct Report: Sendable, Hashable {
        public var network: String
        public var blocks: UInt64
        public var transactions: UInt64
        public var seconds: Double
        /// Of `seconds`, the time spent connecting blocks (the serial stage: ledger, undo, storage); the rest
        /// was spent waiting for the read-ahead stage's checks.
        public var connectSeconds: Double = 0
        public var tip: Hash256?
        public var storedStateHash: Hash256
        public var replayedStateHash: Hash256?
        /// `nil` when every block replayed and the state hashes match.
        public var failure: String?

        public var ok: Bool { failure == nil }
        public var transactionsPerSecond: Double { seconds > 0 ? Double(transactions) / seconds : 0 }
    }

    /// The preset whose genesis is stored at height 0 of `storage`.
    public static func detectParameters(_ storage: any ChainStorage) throws(ChainError) -> ChainParameters {
        guard let genesis = try storage.mainChainId(atHeight: 0) else { throw .notFound("no chain in this store") }
        for p in [ChainParameters.local, .mainnet] where Genesis.block(for: p).id == genesis { return p }
        throw .corruptState(key: "main chain height 0", reason: "genesis \(genesis.short) is not a known preset's")
    }

    /// Replays `source`'s main chain. `progress(height, tipHeight)` is called after every block.
    public static func reindex(
        source: any ChainStorage,
        work: any WorkValidator = TargetOnlyWorkValidator(),
        rules: any LedgerRules = BasicLedgerRules(),
        threads: Int = 2,
        progress: (UInt64, UInt64) -> Void = { _, _ in }
    ) throws(ChainError) -> Report {
        let parameters = try detectParameters(source)
        let count = try source.mainChainCount()
        let stored = try source.stateHash()
        let replay = try Blockchain(
            storage: MemoryChainStorage(),
            parameters: parameters,
            work: work,
            rules: rules,
            clock: { UInt64.max / 2 },  // a stored chain is judged by its own timestamps, not today's clock
            threads: threads
        )
        var report = Report(
            network: parameters.name,
            blocks: 1,
            transactions: 0,
            seconds: 0,
            tip: replay.tip.id,
            storedStateHash: stored,
            replayedStateHash: nil,
            failure: nil
        )
        let start = monotonicSeconds()
        // Pipeline: while this thread connects blocks in order, a background stage loads, decodes and gives
        // the blocks ahead their stateless checks (signatures on `threads` threads), up to two batches in
        // front. Same checks, same order of failures; only the overlap is new.
        let readAhead = ReindexReadAhead(source: source, count: count, parameters: parameters, threads: threads)
        var height: UInt64 = 1
        replaying: while height < count {
            for entry in readAhead.next() {
                do throws(ChainError) {
                    let (id, block, bytes, checked) = try entry.get()
                    let connectStart = monotonicSeconds()
                    let r = try replay.process(block, canonicalBytes: bytes, prechecked: checked)
                    report.connectSeconds += monotonicSeconds() - connectStart
                    guard case .extended(let tip) = r.outcome, tip.id == id else {
                        report.failure = "height \(height): block \(id.short) did not extend the replayed chain"
                        break replaying
                    }
                    report.transactions += UInt64(block.transactions.count - 1)
                } catch {
                    report.failure = "height \(height): \(error)"
                    break replaying
                }
                report.blocks += 1
                progress(height, count - 1)
                height += 1
            }
        }
        readAhead.stop()  // never leave background work running past the return
        report.seconds = monotonicSeconds() - start
        report.tip = replay.tip.id
        let replayed = try replay.stateHash()
        report.replayedStateHash = replayed
        if report.failure == nil && replayed != stored {
            report.failure = "replayed state hash \(replayed.short) differs from the stored \(stored.short)"
        }
        return report
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
