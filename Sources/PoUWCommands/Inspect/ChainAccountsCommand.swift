import ArgumentParser
import PoUWChain
import PoUWCore

/// `pouw-inspect accounts`: every account of the ledger at the tip.
struct ChainAccountsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "List every account at the tip: address, balance, locked stake and next sequence number.",
        discussion:
            "Amounts are PAI in tables and base units (1 PAI = 10^8) in JSON.\nExample: pouw-inspect --data-dir ./pouw-data accounts"
    )

    @OptionGroup var data: DataDirOptions
    @OptionGroup var options: ChainOutputOptions

    func run() throws {
        let chain = try data.openChain()
        struct Row: Codable {
            var address: String
            var balance: UInt64
            var locked: UInt64
            var sequence: UInt64
        }
        let rows = try chain.accounts().map {
            Row(address: $0.0.hex, balance: $0.1.balance.units, locked: $0.1.locked.units, sequence: $0.1.sequence)
        }
        if options.json {
            struct Output: Codable {
                var height: UInt64
                var stateHash: String
                var accounts: [Row]
            }
            return try printJSON(Output(height: chain.tip.height, stateHash: try chain.stateHash().hex, accounts: rows))
        }
        print("address                                   balance (PAI)           locked (PAI)   sequence")
        for r in rows {
            print(r.address + "  " + pai(r.balance).padding(22) + pai(r.locked).padding(15) + "\(r.sequence)")
        }
        print("\(rows.count) account(s) at height \(chain.tip.height); state hash \(try chain.stateHash().hex)")
    }
}
