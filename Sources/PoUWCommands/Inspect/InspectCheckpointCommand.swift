import ArgumentParser
import Foundation
import PoUWCore
import PoUWML
import PoUWNode
import PoUWProtocol

/// `pouw-inspect checkpoint HASH [--export FILE]`: a stored model state.
struct InspectCheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Show a stored model-state checkpoint (by state hash) and optionally export its canonical bytes.",
        discussion: """
            The exported file is the state's canonical encoding (SHA-256 of the file = the state hash), which
            `pouw train`'s engine loads as is.
            Example: pouw-inspect --data-dir pouw-demo checkpoint 77aa… --export model.state
            """
    )

    @OptionGroup var data: DataDirOptions
    @Argument(help: "The state hash (hex).") var hash: String
    @Option(help: "Write the state's canonical bytes to this file.") var export: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        guard let id = Hash256(hex: hash) else { throw ValidationError("the state hash must be 64 hex digits") }
        let stored = try StoredData(path: data.dataDir)
        guard let bytes = try stored.protocolStore.bytes(for: id) else {
            throw CommandFailure("no object \(id.hex) in \(stored.directory)")
        }
        let state = try ModelState(canonicalBytes: bytes)
        if let export { try Data(bytes).write(to: URL(fileURLWithPath: export)) }
        let nonzero = state.counts.filter { $0 != 0 }.count
        let fields: [String: Any] = [
            "hash": id.hex, "bytes": bytes.count, "step": Int(state.step), "parameters": state.parameters.count,
            "mode": state.mode.tau.map { "pouw tau=\($0)" } ?? "dense", "nonzero_counts": nonzero,
            "exported_to": export ?? "",
        ]
        if json {
            try JSONOutput.print(object: fields)
        } else {
            for key in fields.keys.sorted() { print("\(key): \(fields[key] ?? "")") }
        }
    }
}
