import ArgumentParser
import PoUWChain
import PoUWCore

/// `pouw-inspect tx`: one main-chain transaction by id.
struct ChainTxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tx",
        abstract: "Show a main-chain transaction by id: kind, signer, sequence, fee, payload, block and height.",
        discussion: "Example: pouw-inspect --data-dir ./pouw-data tx 3f2a…(64 hex digits) --json"
    )

    @OptionGroup var data: DataDirOptions
    @OptionGroup var options: ChainOutputOptions
    @Argument(help: "Transaction id (64 hex digits).") var id: String

    func run() throws {
        guard let hash = Hash256(hex: id) else { throw ValidationError("'\(id)' is not a 64-digit hex id") }
        let chain = try data.openChain()
        guard let found = try chain.transaction(hash) else { throw ChainError.notFound("transaction \(id)") }
        struct Output: Codable {
            var transaction: TransactionSummary
            var block: String
            var height: UInt64
            var index: Int
            var bytes: String
        }
        let out = Output(
            transaction: TransactionSummary(found.transaction),
            block: found.blockId.hex,
            height: found.height,
            index: found.index,
            bytes: Hex.encode(found.transaction.canonicalBytes)
        )
        if options.json { return try printJSON(out) }
        let t = out.transaction
        print("tx \(t.id)  \(t.kind)  in block \(out.block.prefix(12)) at height \(out.height), position \(out.index)")
        if let signer = t.signer { print("  signer \(signer)  sequence \(t.sequence ?? 0)") }
        print("  fee \(t.fee)")
        for (k, v) in t.details.sorted(by: { $0.key < $1.key }) { print("  \(k) \(v)") }
    }
}
