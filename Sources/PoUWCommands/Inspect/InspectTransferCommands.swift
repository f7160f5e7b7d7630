internal import ArgumentParser
internal import PoUWStore

/// `pouw-inspect export FILE`: the portable stream.
struct InspectExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every object and index entry to a portable stream file.",
        discussion: """
            The stream holds decoded objects, index entries and dictionaries of one consistent snapshot, and ends \
            with a SHA-256 of its contents (version 2, format: Docs/store-format.md). Objects stored raw or with \
            their update words delta coded say so, and an import stores them the same way. Safe while a node \
            writes. The file is written beside FILE and renamed once whole and synced: a failed export (a full \
            disk) leaves an earlier FILE as it was.

            Example: pouw-inspect --data-dir ./pouw-data export node.pouwexp
            """
    )

    @OptionGroup var data: DataDirOptions
    @Argument(help: ArgumentHelp("Stream file to write.", valueName: "file")) var file: String
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        let store = try data.openStore(readOnly: true)
        let display = TerminalProgress()
        let report = try store.export(to: file) { display.update("export \($0.phase)", done: $0.done, total: $0.total) }
        display.finish()
        try printTransfer(report, verb: "exported", json: json)
    }
}

/// `pouw-inspect import FILE`.
struct InspectImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read a stream written by `export` into the data directory (created if missing).",
        discussion: """
            Import adds and never replaces. Before anything is written, the stream's checksum is checked and \
            every record parsed: a malformed record or index entry is refused (corruptStream), and so is an index \
            entry or dictionary the store holds with other bytes (conflict; to restore a store, import into an \
            empty data directory). Objects, entries and dictionaries already present are skipped. Every object's \
            hash is checked before its group of records is written. Reads versions 1 and 2; objects are \
            compressed on all cores while the previous group commits.

            With --check, nothing is written (the data directory may be read-only, and must exist): the stream \
            is checked as above and the counts say what an import would add.

            Examples:
              pouw-inspect --data-dir ./restored import node.pouwexp
              pouw-inspect --data-dir ./pouw-data import peer.pouwexp --check --json
            """
    )

    @OptionGroup var data: DataDirOptions
    @Argument(help: ArgumentHelp("Stream file to read.", valueName: "file")) var file: String
    @Flag(help: "Check the stream against the store and count what it would add; write nothing.") var check = false
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        let store = try data.openStore(readOnly: check)
        let display = TerminalProgress()
        let progress = { (step: TransferProgress) in
            display.update("import \(step.phase)", done: step.done, total: step.total)
        }
        let report =
            try check ? store.checkImport(from: file, progress: progress) : store.import(from: file, progress: progress)
        display.finish()
        try printTransfer(report, verb: check ? "would import" : "imported", json: json)
    }
}

/// `pouw-inspect backup DEST`.
struct InspectBackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent, compacted copy of the data directory while the node keeps writing.",
        discussion: """
            Uses LMDB's compacting copy (free pages left out). DEST is created if missing and must hold no \
            data.mdb; it is a data directory of its own. The copy is written as data.mdb.partial, synced, and \
            renamed to data.mdb once whole: a backup that fails (a full disk) or is killed leaves no data.mdb.

            Example: pouw-inspect --data-dir ./pouw-data backup /backups/pouw-2026-11-25
            """
    )

    @OptionGroup var data: DataDirOptions
    @Argument(help: ArgumentHelp("Destination directory.", valueName: "dest")) var destination: String
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        let store = try data.openStore(readOnly: true)
        try store.backup(to: destination)
        let copy = try Store.open(at: destination, options: StoreOptions(readOnly: true))
        let stats = try copy.statistics()
        let objects = stats.collections.first { $0.name == "objects" }?.entries ?? 0
        if json {
            try JSONOutput.print(object: [
                "destination": destination, "objects": objects, "used_bytes": stats.usedBytes,
            ])
        } else {
            print("backed up \(objects) objects to \(destination) (\(stats.usedBytes) bytes)")
        }
    }
}

func printTransfer(_ report: TransferReport, verb: String, json: Bool) throws {
    if json {
        try JSONOutput.print(report)
    } else {
        func count(_ total: Int, _ what: String, added: Int?) -> String {
            "\(total) \(what)" + (added.map { " (\($0) new)" } ?? "")
        }
        let counts = [
            count(report.objects, "objects", added: report.added?.objects),
            count(report.entries, "index entries", added: report.added?.entries),
            count(report.dictionaries, "dictionaries", added: report.added?.dictionaries),
        ]
        print("\(verb) \(counts.joined(separator: ", ")) (\(report.bytes) stream bytes)")
    }
}
