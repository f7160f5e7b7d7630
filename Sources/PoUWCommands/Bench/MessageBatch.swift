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

    /// `batch` with each message's signature (its last 64 bytes) replaced by random bytes: new messages of the same
    /// shape and sizes, made without signing (which costs ~50 times what storing does), for long profiling runs.
    init(resigning batch: MessageBatch, _ random: inout BenchRandom) {
        bytes = batch.bytes.map { message in
            var message = message
            message.replaceSubrange((message.count - 64)..., with: random.bytes(64))
            return message
        }
        preferences = batch.preferences
    }

    /// One list put (hashing and compression spread over the cores).
    func putList(_ writer: StoreBatch) throws -> [Hash256] {
        try writer.put(.message, contentsOf: bytes, preferences: preferences)
    }

    /// Starts hashing and compressing the batch for `store` (`Store.prepare`).
    func prepare(_ store: Store) throws -> PreparedObjects {
        try store.prepare(.message, bytes, preferences: preferences)
    }

    /// One put per message (one core).
    func putEach(_ writer: StoreBatch) throws -> [Hash256] {
        try zip(bytes, preferences).map { try writer.put(.message, $0, preference: $1) }
    }
}

/// How a batched round of `pouw-bench store` writes its batches (one durable write of 1,000 messages each).
enum BatchedVariant: CaseIterable {
    /// Each batch prepared (`Store.prepare`) while the write before it puts, commits and syncs.
    case pipelined
    /// One write at a time, the list put inside it (`StoreBatch.put(_:contentsOf:)`).
    case serial
    /// One write at a time, one put per message.
    case oneCore

    /// Writes `batches`, one write each; returns the keys in order.
    func write(_ batches: [MessageBatch], to store: Store) throws -> [Hash256] {
        var keys: [Hash256] = []
        switch self {
        case .pipelined:
            guard let first = batches.first else { return [] }
            var next = try first.prepare(store)
            for index in batches.indices {
                let current = next
                if index + 1 < batches.count { next = try batches[index + 1].prepare(store) }
                keys += try store.write { try $0.put(current) }
            }
        case .serial:
            for batch in batches { keys += try store.write { try batch.putList($0) } }
        case .oneCore:
            for batch in batches { keys += try store.write { try batch.putEach($0) } }
        }
        return keys
    }
}
