internal import Foundation

/// Machine-readable output for `--json`: one JSON document on stdout with sorted keys, so output is stable.
public enum JSONOutput {
    /// Encodes an `Encodable` value with sorted keys.
    public static func string(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf",
            negativeInfinity: "-inf",
            nan: "nan"
        )
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Encodes a JSON object built from plain values (`String`, numbers, `Bool`, arrays, dictionaries).
    public static func string(object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Prints `value` as one line of JSON.
    public static func print(_ value: some Encodable) throws {
        Swift.print(try string(value))
    }

    /// Prints a plain JSON object as one line.
    public static func print(object: [String: Any]) throws {
        Swift.print(try string(object: object))
    }
}
