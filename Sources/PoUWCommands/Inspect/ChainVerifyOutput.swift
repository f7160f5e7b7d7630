internal import PoUWChain
internal import PoUWCore
internal import PoUWEconomics
internal import PoUWProtocol
internal import PoUWStore

/// The JSON and text form of a chain re-validation (`ChainVerifier.reindex`), shared by `verify` and
/// `verify-chain`.
struct ChainVerifyOutput: Codable {
    var ok: Bool
    var network: String
    var blocks: UInt64
    var transactions: UInt64
    var seconds: Double
    var txPerSecond: Double
    var storedStateHash: String
    var replayedStateHash: String?
    var failure: String?

    init(_ report: ChainVerifier.Report) {
        ok = report.ok
        network = report.network
        blocks = report.blocks
        transactions = report.transactions
        seconds = report.seconds
        txPerSecond = report.transactionsPerSecond
        storedStateHash = report.storedStateHash.hex
        replayedStateHash = report.replayedStateHash?.hex
        failure = report.failure
    }

    /// A re-validation that could not start (the stored blocks do not form a readable chain).
    init(failure: String) {
        ok = false
        network = "unknown"
        blocks = 0
        transactions = 0
        seconds = 0
        txPerSecond = 0
        storedStateHash = ""
        replayedStateHash = nil
        self.failure = failure
    }

    /// One line for people.
    var summary: String {
        if let failure { return "chain verification FAILED: \(failure)" }
        return "chain OK: \(blocks) blocks, \(transactions) transactions re-validated in \(seconds) s; "
            + "state hash \(storedStateHash)"
    }

    /// Re-validates the chain in `storage` from genesis, drawing a progress line on a terminal. With
    /// `economicRules` the ledger is replayed under `EconomicLedgerRules` (tickets, settlements, slashing), as a
    /// chain built under them must be; EVIDENCE is then judged by replaying from the same store
    /// (`ReplayEvidenceChecker`), as the node that accepted it did.
    static func reindex(
        _ store: Store,
        economicRules: Bool,
        threads: Int,
        showProgress: Bool
    ) throws -> ChainVerifyOutput {
        let storage = StoreChainStorage(store: store)
        let rules: any LedgerRules =
            economicRules
            ? EconomicLedgerRules(
                parameters: .preset(for: try ChainVerifier.detectParameters(storage)),
                checker: ReplayEvidenceChecker(artefacts: ProtocolStore(store: store))
            ) : BasicLedgerRules()
        let report = try ChainVerifier.reindex(source: storage, rules: rules, threads: threads) { height, tip in
            if showProgress && (height % 100 == 0 || height == tip) {
                writeStandardError("\rverifying block \(height)/\(tip)")
            }
        }
        if showProgress { writeStandardError("\n") }
        return ChainVerifyOutput(report)
    }
}
