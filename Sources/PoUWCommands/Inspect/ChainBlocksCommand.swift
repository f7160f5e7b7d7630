import ArgumentParser
import PoUWChain
import PoUWCore

/// `pouw-inspect blocks`: the main chain, one line per block.
struct ChainBlocksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blocks",
        abstract: "List main-chain blocks (height, id, time, bits, transaction count).",
        discussion: """
            Heights are inclusive; by default the last 20 blocks are listed.
            Example: pouw-inspect --data-dir ./pouw-data blocks --from 0 --to 10 --json
            """
    )

    @OptionGroup var data: DataDirOptions
    @OptionGroup var options: ChainOutputOptions
    @Option(help: "First height to list.") var from: UInt64?
    @Option(help: "Last height to list (default: the tip).") var to: UInt64?

    func run() throws {
        let chain = try data.openChain()
        let tip = chain.tip.height
        let last = min(to ?? tip, tip)
        let first = from ?? (last >= 19 ? last - 19 : 0)
        guard first <= last else { throw ValidationError("--from \(first) is above --to \(last)") }
        var rows: [BlockSummary] = []
        for h in first...last {
            guard let block = try chain.block(atHeight: h) else { throw ChainError.notFound("block at height \(h)") }
            rows.append(BlockSummary(height: h, block: block))
        }
        if options.json {
            struct Output: Codable {
                var tip: UInt64
                var blocks: [BlockSummary]
            }
            try printJSON(Output(tip: tip, blocks: rows))
            return
        }
        print("height  id            time        bits        txs  bytes")
        for r in rows {
            print(
                "\(r.height)".padding(8) + r.id.prefix(12) + "  \(r.time)  \(r.bits)  " + "\(r.transactions)".padding(5)
                    + "\(r.bytes)"
            )
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
