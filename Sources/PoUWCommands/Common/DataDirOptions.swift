public import ArgumentParser
public import PoUWStore

#if canImport(Glibc)
import Glibc
#endif

/// `--data-dir DIR`: the node data directory, shared by every command that opens the store.
public struct DataDirOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("The node's data directory.", valueName: "dir"))
    public var dataDir: String = "pouw-data"

    public init() {}

    /// Opens the store in `dataDir` (read-only: never creates or writes anything). Read-only, a `pouw demo`
    /// directory (no store of its own, an `archive/` node inside) opens its archival node's store.
    public func openStore(readOnly: Bool, options: StoreOptions = .init()) throws -> Store {
        var options = options
        options.readOnly = readOnly
        return try Store.open(at: readOnly ? Self.storeDirectory(dataDir) : dataDir, options: options)
    }

    /// `path`, or `path/archive` when `path` holds no store but its `archive/` does (a demo's top directory).
    public static func storeDirectory(_ path: String) -> String {
        func exists(_ file: String) -> Bool { access(file, F_OK) == 0 }
        return !exists(path + "/data.mdb") && exists(path + "/archive/data.mdb") ? path + "/archive" : path
    }
}
