internal import ArgumentParser
internal import Foundation
internal import PoUWCore
internal import PoUWStore

/// `pouw-inspect object HASH`: one object's header and bytes.
struct InspectObjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "object",
        abstract: "Show one object: kind, codec, sizes; or write its exact bytes with --raw.",
        discussion: """
            The object is decoded and re-hashed before anything is shown. With --raw the decoded bytes go to \
            stdout unchanged (redirect them to a file); with --stored the stored value (header + zstd frame).

            Example: pouw-inspect --data-dir ./pouw-data object 9f86d0…  --raw > object.bin
            """
    )

    @OptionGroup var data: DataDirOptions
    @Argument(help: ArgumentHelp("The object's SHA-256 (64 hex digits).", valueName: "hash")) var hash: String
    @Flag(help: "Write the decoded bytes to stdout.") var raw = false
    @Flag(help: "Write the stored value (header + frame) to stdout.") var stored = false
    @Flag(help: "Print one JSON object (with the bytes in hex).") var json = false

    func run() throws {
        guard let key = Hash256(hex: hash) else { throw ValidationError("HASH needs 64 hex digits") }
        let store = try data.openStore(readOnly: true)
        let (object, header, value) = try store.read { view in
            (try view.object(key), try view.header(of: key), try view.storedValue(key))
        }
        if raw || stored {
            FileHandle.standardOutput.write(Data(raw ? object.bytes : value ?? []))
            return
        }
        let storedCount = value?.count ?? 0
        let codec = header?.codec.description ?? "?"
        let dictionary = Int(header?.dictionaryID ?? 0)
        if json {
            try JSONOutput.print(object: [
                "hash": key.hex, "kind": object.kind.description, "codec": codec, "raw_bytes": object.bytes.count,
                "stored_bytes": storedCount, "dictionary_id": dictionary, "hex": Hex.encode(object.bytes),
            ])
        } else {
            print("hash:         \(key.hex)")
            print("kind:         \(object.kind)")
            print("codec:        \(codec)\(dictionary != 0 ? " (dictionary \(dictionary))" : "")")
            print("raw bytes:    \(object.bytes.count)")
            print("stored bytes: \(storedCount)")
            print("first bytes:  \(Hex.encode(object.bytes.prefix(64)))\(object.bytes.count > 64 ? "…" : "")")
        }
    }
}
