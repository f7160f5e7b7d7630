internal import ArgumentParser
internal import PoUWCore
internal import PoUWStore

/// `pouw-inspect verify`: re-hash every object, check every index entry.
struct InspectVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Decode and re-hash every object and check every index entry; exit 1 if anything is wrong.",
        discussion: """
            Every object is decompressed and its SHA-256 compared with its key; every block, history, checkpoint, \
            dataset and transaction index entry must point at something that exists. Every bad key is printed. \
            An interrupted run can continue with --resume-after KEY (the last key shown in progress).

            Example: pouw-inspect --data-dir ./pouw-data verify
            """
    )

    @OptionGroup var data: DataDirOptions
    @Option(help: ArgumentHelp("Continue after this object key (64 hex digits).", valueName: "hash"))
    var resumeAfter: String?
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        var resume: Hash256?
        if let resumeAfter {
            guard let hash = Hash256(hex: resumeAfter) else {
                throw ValidationError("--resume-after needs 64 hex digits")
            }
            resume = hash
        }
        let store = try data.openStore(readOnly: true)
        let display = TerminalProgress()
        let report = try store.verify(resumeAfter: resume) { progress in
            display.update("verify \(progress.phase)", done: progress.done, total: progress.total)
        }
        display.finish()
        if json {
            try JSONOutput.print(report)
        } else {
            for problem in report.problems {
                print("BAD \(problem.collection) \(problem.key): \(problem.code): \(problem.message)")
            }
            print(
                "\(report.ok ? "OK" : "FAILED"): \(report.objectsChecked) objects (\(report.bytesDecoded) bytes) and "
                    + "\(report.indexEntriesChecked) index entries checked, \(report.problems.count) problem(s)"
            )
        }
        if !report.ok { throw ExitCode.failure }
    }
}
