import ArgumentParser
import Foundation
import PoUWChain
import PoUWCore
import PoUWNode

/// `pouw-replay block HASH|HEIGHT`.
struct ReplayBlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block",
        abstract: "Replay the iteration behind one block (by height or id) and check every field of its proof.",
        discussion: "Example: pouw-replay --data-dir pouw-demo block 1"
    )

    @OptionGroup var dataDir: DataDirOptions
    @Argument(help: "A main-chain height or a block id (hex).") var block: String
    @Flag(help: "Print one JSON report.") var json = false

    func run() throws {
        let data = try ReplayReport.open(dataDir.dataDir)
        let start = Date()
        let found: Block
        do { found = try data.block(block) } catch {
            writeStandardError("pouw-replay: \(error)\n")
            throw ExitCode(2)
        }
        let verdict = data.verify(block: found)
        let seconds = Date().timeIntervalSince(start)
        let item = ItemVerdict(
            kind: "block",
            id: found.id.hex,
            height: try data.blockHeight(found.id),
            verdict: verdict,
            seconds: seconds
        )
        throw try ReplayReport.finish(
            target: "block \(block)",
            directory: data.directory,
            items: [item],
            seconds: seconds,
            json: json
        )
    }
}
