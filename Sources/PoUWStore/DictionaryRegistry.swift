internal import PoUWZstd
internal import Synchronization

/// The zstd dictionaries a store holds (all of them, forever, so that every old value stays readable) and the
/// current one per kind, with their digested forms cached.
final class DictionaryRegistry: Sendable {
    struct Entry {
        let kind: ObjectKind
        let bytes: [UInt8]
        var compression: CompressionDictionary?
        var decompression: DecompressionDictionary?
    }

    /// zstd level used with dictionaries.
    static let level = 1
    /// Match-search acceleration with dictionaries (`CompressionDictionary.acceleration`): values compressed with
    /// a dictionary are small, and for them the search is most of the cost of compressing.
    static let acceleration = 4

    private let state = Mutex<(entries: [UInt32: Entry], current: [ObjectKind: UInt32])>(([:], [:]))

    /// Adds a dictionary (and makes it current for its kind when `current`).
    func add(id: UInt32, kind: ObjectKind, bytes: [UInt8], current: Bool) {
        state.withLock { state in
            if state.entries[id] == nil {
                state.entries[id] = Entry(kind: kind, bytes: bytes, compression: nil, decompression: nil)
            }
            if current { state.current[kind] = id }
        }
    }

    /// The current compression dictionary of `kind`, if one was trained.
    func compressionDictionary(for kind: ObjectKind) -> CompressionDictionary? {
        state.withLock { state -> CompressionDictionary? in
            guard let id = state.current[kind], var entry = state.entries[id] else { return nil }
            if let digested = entry.compression { return digested }
            let digested = try? CompressionDictionary(
                bytes: entry.bytes,
                level: Self.level,
                acceleration: Self.acceleration
            )
            entry.compression = digested
            state.entries[id] = entry
            return digested
        }
    }

    /// The decompression dictionary with `id`, or `nil` when the store has none with that id.
    func decompressionDictionary(id: UInt32) -> DecompressionDictionary? {
        state.withLock { state -> DecompressionDictionary? in
            guard var entry = state.entries[id] else { return nil }
            if let digested = entry.decompression { return digested }
            let digested = try? DecompressionDictionary(bytes: entry.bytes)
            entry.decompression = digested
            state.entries[id] = entry
            return digested
        }
    }

    func hasCurrent(_ kind: ObjectKind) -> Bool { state.withLock { $0.current[kind] != nil } }

    /// Every dictionary, by id.
    var all: [(id: UInt32, kind: ObjectKind, bytes: [UInt8], current: Bool)] {
        state.withLock { state in
            state.entries.keys.sorted().compactMap { id in
                guard let entry = state.entries[id] else { return nil }
                return (id, entry.kind, entry.bytes, state.current[entry.kind] == id)
            }
        }
    }
}
