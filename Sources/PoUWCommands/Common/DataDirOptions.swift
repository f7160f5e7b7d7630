public import ArgumentParser
public import PoUWStore

/// `--data-dir DIR`: the node data directory, shared by every command that opens the store.
public struct DataDirOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("The node's data directory.", valueName: "dir"))
    public var dataDir: String = "pouw-data"

    public init() {}

    /// Opens the store in `dataDir` (read-only: never creates or writes anything).
    public func openStore(readOnly: Bool, options: StoreOptions = .init()) throws -> Store {
        var options = options
        options.readOnly = readOnly
        return try Store.open(at: dataDir, options: options)
    }
}
