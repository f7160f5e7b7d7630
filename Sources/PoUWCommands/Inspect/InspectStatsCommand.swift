internal import ArgumentParser
internal import Foundation
internal import PoUWStore

/// `pouw-inspect stats`: per-kind and per-collection counts and sizes, and the map.
struct InspectStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show counts, raw and stored bytes and compression ratios of a data directory.",
        discussion: """
            Per object kind: how many objects, their raw (decoded) bytes, their stored bytes and the ratio. Per \
            collection: entries and bytes of LMDB pages. Also the map size and how much of it is used.

            Example: pouw-inspect --data-dir ./pouw-data stats --json
            """
    )

    @OptionGroup var data: DataDirOptions
    @Flag(help: "Print one JSON object instead of tables.") var json = false

    func run() throws {
        let store = try data.openStore(readOnly: true)
        let stats = try store.statistics()
        if json {
            try JSONOutput.print(stats)
            return
        }
        print("kind            count        raw bytes     stored bytes   ratio")
        for kind in stats.kinds {
            print(
                pad(kind.kind, 12) + lpad("\(kind.count)", 9) + lpad("\(kind.rawBytes)", 17)
                    + lpad("\(kind.storedBytes)", 17) + lpad(String(format: "%.2f", kind.ratio), 8)
            )
        }
        print("\ncollection      entries     page bytes")
        for collection in stats.collections {
            print(pad(collection.name, 12) + lpad("\(collection.entries)", 11) + lpad("\(collection.bytes)", 15))
        }
        print(
            "\nobjects: \(stats.objects) (\(stats.objects - stats.objectsUnmerged) in the objects index, "
                + "\(stats.objectsUnmerged) above the merge mark, found by their values keys)"
        )
        print("map: \(stats.usedBytes) of \(stats.mapSize) bytes used (page size \(stats.pageSize))")
        print(
            "dictionaries: \(stats.dictionaries.isEmpty ? "none" : stats.dictionaries.map(String.init).joined(separator: ", "))"
        )
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

func lpad(_ text: String, _ width: Int) -> String {
    text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
}
