import ArgumentParser
import PoUWChain
import PoUWCore
import PoUWEconomics
import PoUWStore

/// `pouw-bench make-chain` (hidden): grow a local demo chain in a data directory.
struct ChainMakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-chain",
        abstract: "Grow a local-preset chain of signed transfers in a data directory (for demos and inspect tests).",
        discussion: """
            Blocks are mined with the target-only work check at the local preset's easy target and transfer
            between the well-known development keys. Creates the directory and genesis if needed.
            Example: pouw-bench make-chain --data-dir /tmp/demo --blocks 20 --transfers 5
            """,
        shouldDisplay: false
    )

    @Option(name: .customLong("data-dir"), help: "Data directory.") var dataDirectory: String
    @Option(help: "Blocks to add.") var blocks = 10
    @Option(help: "Signed transfers per block.") var transfers = 5
    @Flag(help: "Print the new tip as JSON.") var json = false
    @Flag(
        help:
            "Run the economic rules and play one task's economic life (tickets, maturity, settlement) after the transfer blocks."
    )
    var economy = false

    func run() throws {
        let storage = try StoreChainStorage(directory: dataDirectory)
        let rules = EconomicLedgerRules(parameters: .local, checker: UnavailableEvidenceChecker())
        let chain = try Blockchain(
            storage: storage,
            parameters: .local,
            work: TargetOnlyWorkValidator(),
            rules: economy ? rules : BasicLedgerRules()
        )
        try DemoChainBuilder.extend(chain, blocks: blocks, transfersPerBlock: transfers)
        if economy { _ = try DemoEconomyBuilder.run(chain, rules: rules) }
        let tip = chain.tip
        if json {
            struct Output: Codable {
                var height: UInt64
                var tip: String
            }
            try printJSON(Output(height: tip.height, tip: tip.id.hex))
        } else {
            print("chain at height \(tip.height), tip \(tip.id.hex)")
        }
    }
}
