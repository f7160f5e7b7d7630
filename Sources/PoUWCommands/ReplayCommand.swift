public import ArgumentParser

/// `pouw-replay`: re-verifies stored work by re-running it — a block, a whole task or the whole chain.
public struct ReplayCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pouw-replay",
        abstract: "Replay-verify a block, a task (full audit) or the whole chain from a node's data directory.",
        discussion: """
            Every check is a re-run: the iteration behind a block is trained again from the stored checkpoint, \
            peers' updates and batch, and every field of its message must match bit for bit. --data-dir is one \
            node's directory or a `pouw demo` directory (then its archive/ is used). \
            Exit status: 0 valid, 1 invalid, 2 unavailable (an artefact is missing), 64 usage.

            Examples:
              pouw-replay --data-dir pouw-demo chain
              pouw-replay --data-dir pouw-demo block 3 --json
              pouw-replay --data-dir pouw-demo task 5be1…
            """,
        version: PouwVersion.string,
        subcommands: [
            // Subcommands, one per line.
            ReplayBlockCommand.self,
            ReplayTaskCommand.self,
            ReplayChainCommand.self,
        ]
    )

    /// `--data-dir` may come before the subcommand (`pouw-replay --data-dir DIR chain`) or after it.
    @OptionGroup public var data: DataDirOptions

    public init() {}
}
