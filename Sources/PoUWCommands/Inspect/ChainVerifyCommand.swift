import ArgumentParser
import PoUWChain
import PoUWCore
import PoUWEconomics
import PoUWStore

#if canImport(Glibc)
import Glibc
#endif

/// `pouw-inspect verify-chain`: re-validate the stored main chain from genesis (a reindex).
struct ChainVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-chain",
        abstract: "Re-validate the whole main chain from genesis and compare the replayed ledger with the stored one.",
        discussion: """
            Every block is decoded from the store and checked with full validation (signatures on --threads threads;
            proof of work with the target-only check until the PoUW verifier is installed). Progress goes to stderr
            on a terminal. Exits non-zero naming the first bad block, or if the state hashes differ.
            Example: pouw-inspect --data-dir ./pouw-data verify-chain --json
            """
    )

    @OptionGroup var data: DataDirOptions
    @OptionGroup var options: ChainOutputOptions
    @Option(help: "Signature-checking threads.") var threads = 2
    @Flag(
        help:
            "Replay with the economic rules (ticket price, maturity, expiry, payouts; EVIDENCE needs a replay checker, which this tool lacks)."
    )
    var economicRules = false

    func run() throws {
        let storage = try data.openChainStorage()
        let showProgress = isatty(2) != 0 && !options.json
        let rules: any LedgerRules =
            economicRules
            ? EconomicLedgerRules(
                parameters: .preset(for: try ChainVerifier.detectParameters(storage)),
                checker: UnavailableEvidenceChecker()
            ) : BasicLedgerRules()
        let report = try ChainVerifier.reindex(source: storage, rules: rules, threads: threads) { height, tip in
            if showProgress && (height % 100 == 0 || height == tip) {
                writeStandardError("\rverifying block \(height)/\(tip)")
            }
        }
        if showProgress { writeStandardError("\n") }
        struct Output: Codable {
            var ok: Bool
            var network: String
            var blocks: UInt64
            var transactions: UInt64
            var seconds: Double
            var txPerSecond: Double
            var storedStateHash: String
            var replayedStateHash: String?
            var failure: String?
        }
        let out = Output(
            ok: report.ok,
            network: report.network,
            blocks: report.blocks,
            transactions: report.transactions,
            seconds: report.seconds,
            txPerSecond: report.transactionsPerSecond,
            storedStateHash: report.storedStateHash.hex,
            replayedStateHash: report.replayedStateHash?.hex,
            failure: report.failure
        )
        if options.json {
            try printJSON(out)
        } else if let failure = report.failure {
            print("chain verification FAILED: \(failure)")
        } else {
            print(
                "chain OK: \(report.blocks) blocks, \(report.transactions) transactions re-validated in \(report.seconds) s; state hash \(report.storedStateHash.hex)"
            )
        }
        if !report.ok { throw ExitCode.failure }
    }
}
