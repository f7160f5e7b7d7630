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
        // Pipeline: while block n is connected on this thread, block n + 1 is loaded, decoded and given its
        // stateless checks (signatures on `threads` threads) in the background. Same checks, same order of
        // failures; only the overlap is new.
        var pending: Precheck? =
            count > 1 ? Precheck(source: source, height: 1, parameters: parameters, threads: threads) : nil
        var height: UInt64 = 1
        while let current = pending {
            let loaded = current.wait()
            pending =
                height + 1 < count
                ? Precheck(source: source, height: height + 1, parameters: parameters, threads: threads) : nil
            do throws(ChainError) {
                let (id, block, bytes, checked) = try loaded.get()
                let r = try replay.process(block, canonicalBytes: bytes, prechecked: checked)
                guard case .extended(let tip) = r.outcome, tip.id == id else {
                    report.failure = "height \(height): block \(id.short) did not extend the replayed chain"
                    break
                }
                report.transactions += UInt64(block.transactions.count - 1)
            } catch {
                report.failure = "height \(height): \(error)"
                break
            }
            report.blocks += 1
            progress(height, count - 1)
            height += 1
        }
        _ = pending?.wait()  // never leave a background load running past the return
        report.seconds = monotonicSeconds() - start
        report.tip = replay.tip.id
        let replayed = try replay.stateHash()
        report.replayedStateHash = replayed
        if report.failure == nil && replayed != stored {
            report.failure = "replayed state hash \(replayed.short) differs from the stored \(stored.short)"
        }
        return report
    }

    /// One block loaded, decoded and checked on a background thread.
    final class Precheck: Sendable {
        typealias Loaded = (id: Hash256, block: Block, bytes: [UInt8], checked: Result<[Hash256], ValidationError>)
        private let done = DispatchSemaphore(value: 0)
        private let result = Mutex<Result<Loaded, ChainError>?>(nil)

        init(source: any ChainStorage, height: UInt64, parameters: ChainParameters, threads: Int) {
            DispatchQueue.global().async { [self] in
                let r = Result { () throws(ChainError) -> Loaded in
                    guard let id = try source.mainChainId(atHeight: height),
                        let record = try source.blockIndexRecord(id),
                        let bytes = try source.object(record.bodyHash)
                    else { throw ChainError.notFound("block at height \(height) in the store") }
                    let block = try decodeState(Block.self, bytes, key: id.bytes)
                    let checked = Result { () throws(ValidationError) -> [Hash256] in
                        try BlockChecks.check(block, encodedSize: bytes.count, parameters: parameters, threads: threads)
                    }
                    return (id, block, bytes, checked)
                }
                result.withLock { $0 = r }
                done.signal()
            }
        }

        /// Blocks until the background work is done (once).
        func wait() -> Result<Loaded, ChainError> {
            done.wait()
            done.signal()
            return result.withLock { $0 } ?? .failure(.storage("background load produced nothing"))
        }
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
