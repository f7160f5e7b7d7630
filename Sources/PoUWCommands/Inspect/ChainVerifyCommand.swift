import ArgumentParser
import PoUWChain
import PoUWCore
import PoUWEconomics
import PoUWStore

#if canImport(Glibc)
import Glibc
#endif

/// `pouw-inspect verify-chain`: re-validate the stored main chain from genesis (a reindex).
struct ChainVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-chain",
        abstract: "Re-validate the whole main chain from genesis and compare the replayed ledger with the stored one.",
        discussion: """
            Every block is decoded from the store and checked with full validation (signatures on --threads threads;
            each header checked against its target; `pouw-replay chain` re-runs the training behind every block).
            Progress goes to stderr on a terminal. A chain built under the economic rules (tickets, escrows, \
            stakes: `pouw demo`'s) is recognised by default (--rules auto). Exit 0: the replay reproduces the \
            stored ledger; 1: it does not (the first bad block is named, or the state hashes differ); 2: an \
            EVIDENCE could not be re-proven because this store lacks the accused iteration's artefacts (run it \
            on an archive's directory).

            Example: pouw-inspect --data-dir ./pouw-data verify-chain --json
            """
    )

    @OptionGroup var data: DataDirOptions
    @OptionGroup var options: ChainOutputOptions
    @Option(help: "Signature-checking threads.") var threads = 2
    @OptionGroup var ruleOptions: ChainRulesOptions

    func run() throws {
        let out = try ChainVerifyOutput.reindex(
            try data.openStore(readOnly: true),
            rules: ruleOptions.chosen,
            threads: threads,
            showProgress: isatty(2) != 0 && !options.json
        )
        if options.json {
            try printJSON(out)
        } else {
            print(out.summary)
        }
        if !out.ok { throw out.unavailable ? ExitCode(2) : ExitCode.failure }
    }
}
