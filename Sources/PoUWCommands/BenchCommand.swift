public import ArgumentParser

/// `pouw-bench`: release-build benchmarks; each subcommand prints one JSON object.
public struct BenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pouw-bench",
        abstract: "Measure the node's hot paths. Build in release: `swift run -c release pouw-bench <area> --json`.",
        version: PouwVersion.string,
        subcommands: [
            // Subcommands, one per line.
            BenchCryptoCommand.self,
            EconomicsBenchCommand.self,
            BenchStoreCommand.self,
            BenchAppendLoopCommand.self,
            BenchStoreFixtureCommand.self,
            BenchProtocolCommand.self,
            BenchReplayCommand.self,
            TrainBenchCommand.self,
            ChainBenchCommand.self,
            ChainMakeCommand.self,
            NodeReplayBenchCommand.self,
        ]
    )

    public init() {}
}
