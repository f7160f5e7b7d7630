public import ArgumentParser

/// `pouw`: the node's main tool. Each subcommand lives in its own file under this module.
public struct PouwCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pouw",
        abstract: "A Proof-of-Useful-Work node: blockchain mining by training machine-learning models.",
        discussion: """
            Run `pouw demo` to watch a local network train a model and mine blocks on real data.
            Every subcommand has its own --help.
            """,
        version: PouwVersion.string,
        subcommands: [
            // Subcommands, one per line (keep this list sorted by area: demo, train, key, …).
            DemoCommand.self,
            KeyCommand.self,
            EconomicsCommand.self,
            TrainCommand.self,
        ]
    )

    public init() {}
}
