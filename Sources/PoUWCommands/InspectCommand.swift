public import ArgumentParser

/// `pouw-inspect`: read-only views of a node's data directory (and export/import/backup of it).
public struct InspectCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pouw-inspect",
        abstract: "Inspect, verify, export and back up a PoUW node's data directory.",
        discussion: "Human tables by default; add --json to any subcommand for machine-readable output.",
        version: PouwVersion.string,
        subcommands: [
            // Subcommands, one per line.
            InspectStatsCommand.self,
            InspectVerifyCommand.self,
            InspectObjectCommand.self,
            InspectExportCommand.self,
            InspectImportCommand.self,
            InspectBackupCommand.self,
            InspectUpgradeCommand.self,
            ChainBlocksCommand.self,
            ChainBlockCommand.self,
            ChainTxCommand.self,
            ChainAccountsCommand.self,
            ChainSupplyCommand.self,
            ChainVerifyCommand.self,
            InspectTaskCommand.self,
            InspectHistoryCommand.self,
            InspectMessageCommand.self,
            InspectCheckpointCommand.self,
            ChainTicketsCommand.self,
            ChainStakesCommand.self,
        ]
    )

    /// `--data-dir` may come before the subcommand (`pouw-inspect --data-dir DIR stats`) or after it.
    @OptionGroup public var data: DataDirOptions

    public init() {}
}
