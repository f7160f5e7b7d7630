import ArgumentParser

/// `pouw economics`: the incentive model's tools (the consensus rules themselves live in PoUWEconomics).
struct EconomicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "economics",
        abstract: "Explore the incentive model: miner profitability and its sensitivity.",
        subcommands: [SimulateCommand.self]
    )
}
