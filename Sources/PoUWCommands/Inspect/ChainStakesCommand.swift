import ArgumentParser
import PoUWChain
import PoUWCore

/// `pouw-inspect stakes`: locked stake per account, checked against the tickets still holding stake.
struct ChainStakesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stakes",
        abstract: "Show each account's locked stake and the tickets that hold it; exits 1 if they disagree.",
        discussion: """
            Under the economic rules an account's locked amount is exactly the stake of its tickets that were \
            neither released (expired) nor slashed. A difference means the data directory was built under other \
            rules (e.g. the chain's basic rules, which burn partial slashes) or is damaged.
            Example: pouw-inspect --data-dir ./pouw-data stakes --json
            """
    )

    @OptionGroup var data: DataDirOptions
    @OptionGroup var options: ChainOutputOptions

    func run() throws {
        let chain = try data.openChain()
        var staked: [Address: (tickets: Int, units: UInt64)] = [:]
        for t in try chain.tickets() where t.fate == nil {
            staked[t.record.owner, default: (0, 0)].tickets += 1
            staked[t.record.owner, default: (0, 0)].units += t.record.stake.units
        }
        struct Row: Codable {
            var address: String
            var locked: UInt64
            var tickets: Int
            var ticketStake: UInt64
            var consistent: Bool
        }
        var rows: [Row] = []
        for (address, account) in try chain.accounts() where account.locked.units > 0 || staked[address] != nil {
            let s = staked[address] ?? (0, 0)
            rows.append(
                Row(
                    address: address.hex,
                    locked: account.locked.units,
                    tickets: s.tickets,
                    ticketStake: s.units,
                    consistent: s.units == account.locked.units
                )
            )
        }
        let total = rows.reduce(UInt64(0)) { $0 + $1.locked }
        let consistent = rows.allSatisfy(\.consistent)
        if options.json {
            struct Output: Codable {
                var height: UInt64
                var totalLocked: UInt64
                var consistent: Bool
                var stakes: [Row]
            }
            try printJSON(Output(height: chain.tip.height, totalLocked: total, consistent: consistent, stakes: rows))
        } else {
            print("address                                   locked (PAI)    tickets  ticket stake (PAI)  ok")
            for r in rows {
                print(
                    r.address + "  " + pai(r.locked).padding(16) + "\(r.tickets)".padding(9)
                        + pai(r.ticketStake).padding(20) + (r.consistent ? "yes" : "NO")
                )
            }
            print("\(rows.count) staking account(s); \(pai(total)) PAI locked at height \(chain.tip.height)")
        }
        if !consistent { throw ExitCode(1) }
    }
}
