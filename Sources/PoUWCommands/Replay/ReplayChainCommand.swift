import ArgumentParser
import Foundation
import PoUWNode

#if canImport(Glibc)
import Glibc
#endif

/// `pouw-replay chain`.
struct ReplayChainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Replay the proof of every main-chain block from genesis.",
        discussion: "Example: pouw-replay --data-dir pouw-demo chain --json"
    )

    @OptionGroup var dataDir: DataDirOptions
    @Flag(help: "Print one JSON report.") var json = false

    func run() throws {
        let data = try ReplayReport.open(dataDir.dataDir)
        let progress = TerminalProgress(enabled: isatty(2) != 0 && !json)
        let start = Date()
        let items = try data.verifyChain { progress.update("replaying blocks", done: $0, total: $1) }
        progress.finish()
        throw try ReplayReport.finish(
            target: "chain",
            directory: data.directory,
            items: items,
            seconds: Date().timeIntervalSince(start),
            json: json
        )
    }
}
