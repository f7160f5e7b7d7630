import ArgumentParser
import PoUWChain
import PoUWCore

/// `pouw-inspect supply`: what the ledger holds next to what was minted minus burned.
struct ChainSupplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supply",
        abstract: "Check supply: balances + locked stakes + open escrows against genesis + subsidies − burns.",
        discussion: """
            Exits non-zero if the two sides differ (a ledger bug or a damaged store).
            Example: pouw-inspect --data-dir ./pouw-data supply --json
            """
    )

    @OptionGroup var data: DataDirOptions
    @OptionGroup var options: ChainOutputOptions

    func run() throws {
        let s = try data.openChain().supply()
        struct Output: Codable {
            var height, balances, locked, escrowed, held, genesis, subsidies, burned, expected: UInt64
            var balanced: Bool
        }
        let out = Output(
            height: s.height,
            balances: s.balances,
            locked: s.locked,
            escrowed: s.escrowed,
            held: s.held,
            genesis: s.genesis,
            subsidies: s.subsidies,
            burned: s.burned,
            expected: s.expected,
            balanced: s.held == s.expected
        )
        if options.json {
            try printJSON(out)
        } else {
            print("height \(s.height)")
            print(
                "  balances \(pai(s.balances))  locked \(pai(s.locked))  escrowed \(pai(s.escrowed))  = held \(pai(s.held))"
            )
            print(
                "  genesis \(pai(s.genesis))  + subsidies \(pai(s.subsidies))  − burned \(pai(s.burned))  = expected \(pai(s.expected))"
            )
            print(
                out.balanced
                    ? "balanced" : "MISMATCH: held − expected = \(Int64(bitPattern: s.held &- s.expected)) base units"
            )
        }
        if !out.balanced { throw ExitCode.failure }
    }
}
