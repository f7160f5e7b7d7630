internal import ArgumentParser
internal import Foundation
internal import PoUWStore

/// `pouw-inspect upgrade`: brings a data directory written by an older build to the current store format.
struct InspectUpgradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Upgrade a data directory to this build's store format, in place.",
        discussion: """
            Read-only commands refuse a store of an older format and name this command. The upgrade runs in one \
            write transaction: it completes or leaves the store as it was (a crash in the middle loses nothing). \
            It rewrites every object's value, so it takes about as long as copying the data file and needs that \
            much free disk while it runs. Stop the node using the directory first. A current store is left alone.

            Example: pouw-inspect --data-dir ./pouw-data upgrade --json
            """
    )

    @OptionGroup var data: DataDirOptions
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let path = DataDirOptions.storeDirectory(data.dataDir)
        guard FileManager.default.fileExists(atPath: path + "/data.mdb") else {
            throw CommandFailure("no store at \(path) (expected \(path)/data.mdb)")
        }
        let before = try Store.storedFormatVersion(at: path)
        let started = Date()
        _ = try Store.open(at: path)
        let seconds = Date().timeIntervalSince(started)
        let upgraded = before != Store.formatVersion
        if json {
            try JSONOutput.print(object: [
                "path": path, "from": before.map { Int($0) } ?? NSNull(), "to": Int(Store.formatVersion),
                "upgraded": upgraded, "seconds": (seconds * 1000).rounded() / 1000,
            ])
        } else if upgraded {
            print(
                "upgraded \(path) from store format \(before.map(String.init) ?? "none") to \(Store.formatVersion) "
                    + "in \(String(format: "%.1f", seconds)) s"
            )
        } else {
            print("\(path) is at store format \(Store.formatVersion) already; nothing to do")
        }
    }
}
