internal import ArgumentParser
internal import PoUWChain
internal import PoUWCore
internal import PoUWEconomics
internal import PoUWProtocol
internal import PoUWStore

/// The JSON and text form of a chain re-validation (`ChainVerifier.reindex`), shared by `verify` and
/// `verify-chain`.
struct ChainVerifyOutput: Codable {
    var ok: Bool
    /// The ledger rules the chain was replayed under (`basic` or `economic`).
    var rules: String
    var network: String
    var blocks: UInt64
    var transactions: UInt64
    var seconds: Double
    var txPerSecond: Double
    var storedStateHash: String
    var replayedStateHash: String?
    var failure: String?
    /// The replay stopped because this store lacks an artefact an EVIDENCE's re-proof needs (a node that is not
    /// an archive may not hold the accused iteration's state or batch): not a finding against the chain.
    var unavailable = false

    init(_ report: ChainVerifier.Report, rules: ChainRules) {
        ok = report.ok
        self.rules = rules.rawValue
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
        rules = ChainRules.auto.rawValue
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
        if let failure, unavailable {
            return "chain verification INCOMPLETE (\(rules) rules): \(failure); this store lacks what re-proving "
                + "that EVIDENCE needs: verify the archive's data directory (or a demo's top directory)"
        }
        if let failure { return "chain verification FAILED: \(failure)" }
        return "chain OK (\(rules) rules): \(blocks) blocks, \(transactions) transactions re-validated in "
            + "\(seconds) s; state hash \(storedStateHash)"
    }

    /// Re-validates the chain in `store` from genesis under `rules`, drawing a progress line on a terminal.
    /// `.auto` replays under the basic rules and, if the replay does not match (a chain built under the economic
    /// rules holds tickets, escrows and stakes the basic ledger does not), under the economic rules; the chain is
    /// valid if either replay reproduces the stored ledger, and the output names the rules that did. A replay that
    /// could not re-prove an EVIDENCE from this store is `unavailable`, not a failure of the chain.
    static func reindex(
        _ store: Store,
        rules: ChainRules,
        threads: Int,
        showProgress: Bool
    ) throws -> ChainVerifyOutput {
        switch rules {
        case .basic, .economic:
            return try reindex(store, economic: rules == .economic, threads: threads, showProgress: showProgress)
        case .auto:
            let basic = try reindex(store, economic: false, threads: threads, showProgress: showProgress)
            if basic.ok { return basic }
            var economic = try reindex(store, economic: true, threads: threads, showProgress: showProgress)
            if !economic.ok && !economic.unavailable {
                economic.rules = ChainRules.auto.rawValue
                economic.failure =
                    "under the basic rules: \(basic.failure ?? "no match"); "
                    + "under the economic rules: \(economic.failure ?? "no match")"
            }
            return economic
        }
    }

    /// One replay. Under the economic rules (`EconomicLedgerRules`: tickets, settlements, slashing), EVIDENCE is
    /// judged by replaying from the same store (`ReplayEvidenceChecker`), as the node that accepted it did.
    private static func reindex(
        _ store: Store,
        economic: Bool,
        threads: Int,
        showProgress: Bool
    ) throws -> ChainVerifyOutput {
        let storage = StoreChainStorage(store: store)
        let rules: any LedgerRules =
            economic
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
        var output = ChainVerifyOutput(report, rules: economic ? .economic : .basic)
        let marker = "evidence not proven: " + ReplayEvidenceChecker.unavailablePrefix
        output.unavailable = economic && report.failure?.contains(marker) == true
        return output
    }
}

/// Which ledger rules a chain re-validation replays under.
enum ChainRules: String, ExpressibleByArgument, CaseIterable, Codable {
    /// Basic rules, then the economic rules if the basic replay does not reproduce the stored ledger.
    case auto
    /// Transfers, coinbase and fees only (`BasicLedgerRules`).
    case basic
    /// Tickets, task escrows, settlements, attestations and slashing (`EconomicLedgerRules`), as `pouw demo` runs.
    case economic
}

/// `--rules auto|basic|economic` (and the older `--economic-rules`), shared by `verify` and `verify-chain`.
struct ChainRulesOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Ledger rules to replay under: auto (basic, else economic), basic, or economic.",
            valueName: "rules"
        )
    )
    var rules: ChainRules = .auto
    @Flag(help: "The same as --rules economic.") var economicRules = false

    /// The rules chosen.
    var chosen: ChainRules { economicRules ? .economic : rules }
}
