import ArgumentParser
import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWStore

#if canImport(Glibc)
import Glibc
#endif

/// `pouw-bench chain`: reindex throughput next to OpenSSL's single-core Ed25519 verify rate.
struct ChainBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Measure chain re-validation (reindex) speed against `openssl speed ed25519`.",
        discussion: """
            Builds a local chain of --blocks × --transfers signed transfers in a temporary LMDB store, re-validates
            it from genesis with signatures checked on --threads threads, then runs `openssl speed -seconds 2
            ed25519` as a child process. Prints ONE JSON object; `ratio` = reindex_tx_per_s ÷ OpenSSL's
            single-core verify/s (target ≥ 1.6 with 2 threads). It also admits --mempool signed transfers to an
            empty mempool and reports the admission rate (per CPU second) while the pool fills its first and its
            second half: with O(log n) admission the two are alike. Build in release:
            swift run -c release pouw-bench chain --json
            """
    )

    @Option(help: "Blocks to build.") var blocks = 100
    @Option(help: "Signed transfers per block.") var transfers = 100
    @Option(help: "Signature-checking threads during the reindex.") var threads = 2
    @Option(help: "Timed reindex runs (the best is reported).") var runs = 3
    @Option(help: "Transfers admitted to the mempool for its admission rate (0 skips it).") var mempool = 4_000
    @Flag(help: "JSON output (the only format; accepted for uniformity).") var json = false

    func run() throws {
        let directory = NSTemporaryDirectory() + "pouw-bench-chain-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let storage = try StoreChainStorage(directory: directory, options: StoreOptions(durability: .fast))
        let chain = try Blockchain(storage: storage, parameters: .local, work: TargetOnlyWorkValidator())
        let buildStart = Date()
        try DemoChainBuilder.extend(chain, blocks: blocks, transfersPerBlock: transfers)
        let buildSeconds = Date().timeIntervalSince(buildStart)

        var best: ChainVerifier.Report?
        var bestCPU = 0.0
        for _ in 0..<max(1, runs) {
            let cpuBefore = processCPUSeconds()
            let report = try ChainVerifier.reindex(source: storage, threads: threads)
            let cpu = processCPUSeconds() - cpuBefore
            guard report.ok else { throw ValidationError("reindex failed: \(report.failure ?? "?")") }
            if best == nil || report.seconds < best!.seconds {
                best = report
                bestCPU = cpu
            }
        }
        guard let best else { return }
        let pool = mempool > 1 ? try ChainMempoolBench(chain: chain, transactions: mempool) : nil
        let ours = ed25519VerifyPerSecond()
        let openssl = OpenSSLSpeed.ed25519(seconds: 2)?.verify
        struct Output: Codable {
            var reindex_tx_per_s: Double
            /// Transactions per second of process CPU time (both threads summed): comparable on a busy machine.
            var reindex_tx_per_cpu_s: Double
            /// Our wrapper's single-thread verify rate per CPU second, for comparison with OpenSSL's.
            var ed25519_verify_per_s_single_core: Double
            var load_average_1m: Double
            var openssl_ed25519_verify_per_s_single_core: Double?
            var ratio: Double?
            var target_ratio: Double
            var transactions: UInt64
            var blocks: UInt64
            var threads: Int
            var reindex_seconds: Double
            /// Of reindex_seconds, the serial connect stage (ledger apply, undo, memory storage).
            var reindex_connect_seconds: Double
            var build_seconds: Double
            var runs: Int
            /// Mempool admissions per CPU second while the pool grows from 0 to n/2, and from n/2 to n.
            var mempool_add_per_cpu_s_first_half: Double?
            var mempool_add_per_cpu_s_second_half: Double?
            var mempool_size: Int?
        }
        let rate = best.transactionsPerSecond
        try printJSON(
            Output(
                reindex_tx_per_s: rate.rounded(),
                reindex_tx_per_cpu_s: (Double(best.transactions) / max(bestCPU, 1e-9)).rounded(),
                ed25519_verify_per_s_single_core: ours.rounded(),
                load_average_1m: loadAverage(),
                openssl_ed25519_verify_per_s_single_core: openssl,
                ratio: openssl.map { (rate / $0 * 1000).rounded() / 1000 },
                target_ratio: 1.6,
                transactions: best.transactions,
                blocks: best.blocks,
                threads: threads,
                reindex_seconds: best.seconds,
                reindex_connect_seconds: best.connectSeconds,
                build_seconds: buildSeconds,
                runs: runs,
                mempool_add_per_cpu_s_first_half: pool?.firstHalfPerCPUSecond,
                mempool_add_per_cpu_s_second_half: pool?.secondHalfPerCPUSecond,
                mempool_size: pool?.size
            )
        )
    }
}

/// Seconds of CPU time (user + system) used by this process so far, all threads.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// The 1-minute load average (the machine is shared; this says how much).
func loadAverage() -> Double {
    var loads: [Double] = [0, 0, 0]
    return getloadavg(&loads, 3) > 0 ? loads[0] : -1
}

/// Our Ed25519 wrapper's verify rate on one thread over about 2 seconds of CPU time (as `openssl speed`
/// counts: per CPU second, so a busy machine does not skew it).
func ed25519VerifyPerSecond() -> Double {
    let key = Ed25519.PrivateKey()
    let message = [UInt8](repeating: 0x42, count: 120)
    let signature = key.sign(message)
    let start = processCPUSeconds()
    var count = 0
    while processCPUSeconds() - start < 2 {
        for _ in 0..<100 where key.publicKey.isValidSignature(signature, for: message) { count += 1 }
    }
    return Double(count) / (processCPUSeconds() - start)
}
