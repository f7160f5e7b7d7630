import ArgumentParser
import PoUWChain
import PoUWCore

/// `pouw-inspect block`: one block, by id or height, with its header and transactions.
struct ChainBlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block",
        abstract: "Show one block (header fields and transactions) by id or main-chain height.",
        discussion: """
            A 64-digit hex argument is a block id (side-chain blocks too); a decimal number is a main-chain height.
            Example: pouw-inspect --data-dir ./pouw-data block 0 --json
            """
    )

    @OptionGroup var data: DataDirOptions
    @OptionGroup var options: ChainOutputOptions
    @Argument(help: "Block id (hex) or height.") var which: String

    func run() throws {
        let chain = try data.openChain()
        let block: Block?
        if let id = Hash256(hex: which) {
            block = try chain.block(id)
        } else if let height = UInt64(which) {
            block = try chain.block(atHeight: height)
        } else {
            throw ValidationError("'\(which)' is neither a 64-digit block id nor a height")
        }
        guard let block, let record = try chain.indexRecord(block.id) else {
            throw ChainError.notFound("block \(which)")
        }
        struct Output: Codable {
            var summary: BlockSummary
            var txRoot: String
            var nonce: String
            var msgHash: String
            var historyRoot: String
            var chainWork: String
            var mainChain: Bool
            var transactions: [TransactionSummary]
        }
        let out = Output(
            summary: BlockSummary(height: record.height, block: block),
            txRoot: block.header.txRoot.hex,
            nonce: block.header.nonce.hex,
            msgHash: block.header.msgHash.hex,
            historyRoot: block.header.historyRoot.hex,
            chainWork: record.chainWork.hex,
            mainChain: try chain.mainChainId(atHeight: record.height) == block.id,
            transactions: block.transactions.map(TransactionSummary.init)
        )
        if options.json { return try printJSON(out) }
        print("block \(out.summary.id)  height \(record.height)\(out.mainChain ? "" : " (side chain)")")
        print(
            "  prev \(out.summary.prev)\n  txRoot \(out.txRoot)\n  time \(out.summary.time)  bits \(out.summary.bits)"
        )
        print(
            "  nonce \(out.nonce)\n  msgHash \(out.msgHash)\n  historyRoot \(out.historyRoot)\n  chainWork \(out.chainWork)"
        )
        for tx in out.transactions {
            print(
                "  \(tx.id.prefix(12))  \(tx.kind)  fee \(tx.fee)  "
                    + tx.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            )
        }
    }
}
