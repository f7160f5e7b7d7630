internal import PoUWChain
internal import PoUWCore

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

    /// One line for people.
    var summary: String {
        if let failure { return "chain verification FAILED: \(failure)" }
        return "chain OK: \(blocks) blocks, \(transactions) transactions re-validated in \(seconds) s; "
            + "state hash \(storedStateHash)"
    }

    /// Re-validates the chain in `storage` from genesis, drawing a progress line on a terminal.
    static func reindex(_ storage: any ChainStorage, threads: Int, showProgress: Bool) throws -> ChainVerifyOutput {
        let report = try ChainVerifier.reindex(source: storage, threads: threads) { height, tip in
            if showProgress && (height % 100 == 0 || height == tip) {
                writeStandardError("\rverifying block \(height)/\(tip)")
            }
        }
        if showProgress { writeStandardError("\n") }
        return ChainVerifyOutput(report)
    }
}
