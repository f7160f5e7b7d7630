import ArgumentParser
import Foundation
import PoUWCore
import PoUWNode

#if canImport(Glibc)
import Glibc
#endif

/// `pouw-replay task ID`: the full audit.
struct ReplayTaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Full audit: re-run every message of a task from the initial model, checking every chain link.",
        discussion: "Example: pouw-replay --data-dir pouw-demo task $(jq -r .task_id pouw-demo/demo-report.json)"
    )

    @OptionGroup var dataDir: DataDirOptions
    @Argument(help: "The task id (its PAY_FOR_TASK transaction id, hex).") var task: String
    @Flag(help: "Print one JSON report.") var json = false

    func validate() throws {
        guard Hash256(hex: task) != nil else { throw ValidationError("the task id must be 64 hex digits") }
    }

    func run() throws {
        let data = try ReplayReport.open(dataDir.dataDir)
        guard let id = Hash256(hex: task) else { throw ExitCode(64) }
        let progress = TerminalProgress(enabled: isatty(2) != 0 && !json)
        let start = Date()
        let items: [ItemVerdict]
        do {
            items = try data.audit(task: id) { progress.update("auditing messages", done: $0, total: $1) }
        } catch let failure as StoredData.Failure {
            progress.finish()
            writeStandardError("pouw-replay: \(failure)\n")
            throw ExitCode(2)
        }
        progress.finish()
        throw try ReplayReport.finish(
            target: "task \(id.hex)",
            directory: data.directory,
            items: items,
            seconds: Date().timeIntervalSince(start),
            json: json
        )
    }
}
