import ArgumentParser
import Foundation
import PoUWCore

/// Shared pieces of the `pouw key` subcommands: strict hex arguments and one-object JSON output.
enum KeyIO {
    /// The bytes of a hex argument, or a `ValidationError` naming the option.
    static func hex(_ text: String, option: String) throws -> [UInt8] {
        guard let bytes = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ValidationError("\(option): not an even-length hexadecimal string")
        }
        return bytes
    }

    /// Prints one JSON object with sorted keys on stdout.
    static func printJSON(_ object: [String: any Sendable]) {
        print((try? JSONOutput.string(object: object)) ?? "{}")
    }

    /// Prints `message` on stderr.
    static func printError(_ message: String) {
        writeStandardError(message + "\n")
    }
}

/// The `--json` flag every key subcommand takes.
struct JSONFlag: ParsableArguments {
    @Flag(help: "Print one JSON object instead of text.")
    var json = false
}
