internal import ArgumentParser
internal import PoUWChain
internal import PoUWCore
internal import PoUWStore

#if canImport(Glibc)
internal import Glibc
#endif

/// `pouw-inspect verify`: re-hash every object, check every index entry, then re-validate the chain from genesis.
struct InspectVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Decode and re-hash every object and check every index entry; exit 1 if anything is wrong.",
        discussion: """
            First every page of data.mdb's B-trees is checked, read from the file itself (LMDB has no page \
            checksums); damaged pages are printed and nothing more is read. Then every object is decompressed and \
            its SHA-256 compared with its key; every block, history, checkpoint, dataset and transaction index \
            entry must point at something that exists. Every bad key is printed. \
            An interrupted run can continue with --resume-after KEY (the last key shown in progress). \
            When the store holds a chain, every block is then re-validated from genesis (a reindex: signatures, \
            balances, sequence numbers, coinbase, difficulty) and the replayed ledger compared with the stored one \
            (skip with --no-chain; `pouw-replay chain` re-runs the training behind each block; the rules are \
            recognised as in `verify-chain`). Exit 1 if anything is wrong; 2 if the store is sound but an \
            EVIDENCE cannot be re-proven from it alone (not an archive).

            Example: pouw-inspect --data-dir ./pouw-data verify
            """
    )

    @OptionGroup var data: DataDirOptions
    @Option(help: ArgumentHelp("Continue after this object key (64 hex digits).", valueName: "hash"))
    var resumeAfter: String?
    @Flag(help: "Skip re-validating the chain from genesis.") var noChain = false
    @Option(help: "Signature-checking threads for the chain re-validation.") var threads = 2
    @OptionGroup var ruleOptions: ChainRulesOptions
    @Flag(help: "Print one JSON object instead of text.") var json = false

    /// The `--json` form: the store's report, and the chain's when one was re-validated.
    struct Output: Encodable {
        var ok: Bool
        var store: VerifyReport
        var chain: ChainVerifyOutput?
    }

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
        if !json {
            for problem in report.problems {
                // A damaged page has no key; its message starts with the page number.
                let place = problem.page == nil ? problem.key : "data.mdb"
                print("BAD \(problem.collection) \(place): \(problem.code): \(problem.message)")
            }
            print(
                "\(report.ok ? "OK" : "FAILED"): \(report.objectsChecked) objects (\(report.bytesDecoded) bytes) and "
                    + "\(report.indexEntriesChecked) index entries checked, \(report.problems.count) problem(s)"
            )
        }
        var chain: ChainVerifyOutput?
        // With damaged pages, liblmdb must not walk the trees: no chain to read.
        if !noChain, resume == nil, !report.pagesDamaged, try store.read({ try $0.tipHeight() }) != nil {
            do {
                chain = try ChainVerifyOutput.reindex(
                    store,
                    rules: ruleOptions.chosen,
                    threads: threads,
                    showProgress: isatty(2) != 0 && !json
                )
            } catch {
                // Blocks that cannot even be read as a chain are a finding of the check, not a crash of the tool.
                chain = ChainVerifyOutput(failure: "the stored blocks are not a readable chain: \(error)")
            }
        }
        let ok = report.ok && chain?.ok != false
        if json {
            try JSONOutput.print(Output(ok: ok, store: report, chain: chain))
        } else if let chain {
            print(chain.summary)
        }
        if !ok { throw report.ok && chain?.unavailable == true ? ExitCode(2) : ExitCode.failure }
    }
}
