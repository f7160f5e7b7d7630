internal import PoUWCore
internal import PoUWProtocol
internal import PoUWStore

/// Signed messages with the storage preference the node gives each (`ProtocolStore.record`: the update's words
/// delta coded).
struct MessageBatch {
    let bytes: [[UInt8]]
    let preferences: [StoragePreference]

    init(_ generator: inout StoreBenchMessages, count: Int) throws {
        let messages = try (0..<count).map { _ in try generator.nextMessage() }
        bytes = messages.map(\.canonicalBytes)
        preferences = messages.map { .smallestWithSparseWords($0.updateWordsRange) }
    }

    /// One list put (hashing and compression spread over the cores).
    func putList(_ writer: StoreBatch) throws -> [Hash256] {
        try writer.put(.message, contentsOf: bytes, preferences: preferences)
    }

    /// One put per message (one core).
    func putEach(_ writer: StoreBatch) throws -> [Hash256] {
        try zip(bytes, preferences).map { try writer.put(.message, $0, preference: $1) }
    }
}
