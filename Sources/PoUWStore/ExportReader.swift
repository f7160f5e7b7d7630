internal import PoUWCore

/// One record of an export stream, as `ExportReader.record` parses it.
enum ExportRecord {
    case dictionary(kind: ObjectKind, current: Bool, bytes: [UInt8])
    /// An object with the hash the stream states for it and how to store it; `bytes` is `nil` when the reader was
    /// asked to pass over object bytes.
    case object(kind: ObjectKind, hash: Hash256, preference: StoragePreference, bytes: [UInt8]?)
    case entry(collection: Collection, key: [UInt8], value: [UInt8])
    /// The end record, its count checked against the records read and nothing after it.
    case end
}

/// Strict sequential reads from an export file, bounded by the checksummed length.
///
/// Guarantees: every malformed record (unknown type, kind, collection or storage; a length beyond its limit; an
/// index entry of the wrong shape, `Collection.entryProblem`; sparse words outside their object; a record cut short;
/// a wrong record count; bytes after the end record) is a `corruptStream` error naming what and where; nothing is allocated from a length before the length
/// is checked against its limit.
struct ExportReader {
    let file: StreamFile
    let limit: Int
    let maxObjectSize: Int
    private(set) var version: UInt8 = 0
    private(set) var offset = 0
    /// Records read so far (the end record not counted).
    private(set) var records = 0
    private var buffer: [UInt8] = []
    private var bufferIndex = 0

    /// Reads `file` from its start: the stream tag and version (throws for another tag or a version this build does
    /// not read), up to `limit` bytes.
    init(file: StreamFile, limit: Int, maxObjectSize: Int) throws {
        file.rewind()
        self.file = file
        self.limit = limit
        self.maxObjectSize = maxObjectSize
        guard try u8() == RecordTag.storeExport.rawValue else {
            throw StoreError(.corruptStream, "not a PoUW store export stream (wrong record tag)")
        }
        let version = try u8()
        guard ExportFormat.readableVersions.contains(version) else {
            throw StoreError(
                .unknownFormatVersion,
                "export stream version \(version) is not one this build reads (\(ExportFormat.readableVersions))"
            )
        }
        self.version = version
    }

    /// Where the reader stands: enough to read on from there with `init(resuming:of:)`.
    struct Position {
        let offset: Int
        let records: Int
    }

    var position: Position { Position(offset: offset, records: records) }

    /// A reader of the same file from `position` of `reader` (which must not read on: the file's read position is
    /// this reader's now).
    init(resuming position: Position, of reader: ExportReader) throws {
        file = reader.file
        limit = reader.limit
        maxObjectSize = reader.maxObjectSize
        version = reader.version
        file.rewind()
        try file.skip(position.offset)
        offset = position.offset
        records = position.records
    }

    /// The next record; with `objectBytes` false an object's bytes are passed over, not read.
    mutating func record(objectBytes: Bool = true) throws -> ExportRecord {
        let at = offset
        let type = try u8()
        if type == ExportFormat.endRecord {
            let count = try varint()
            guard count == UInt64(records) else {
                throw StoreError(.corruptStream, "end record counts \(count) records, stream held \(records)")
            }
            guard offset == limit else { throw StoreError(.corruptStream, "bytes follow the end record") }
            return .end
        }
        records += 1
        switch type {
        case ExportFormat.dictionaryRecord:
            let kind = try kind()
            let current = try u8() == 1
            return .dictionary(kind: kind, current: current, bytes: try lengthPrefixed(limit: 1 << 24))
        case ExportFormat.objectRecord:
            return try object(withStorage: false, bytes: objectBytes)
        case ExportFormat.storedObjectRecord where version >= 2:
            return try object(withStorage: true, bytes: objectBytes)
        case ExportFormat.entryRecord:
            let code = try u8()
            guard let collection = ExportFormat.collections.first(where: { $0.code == code })?.collection else {
                throw StoreError(.corruptStream, "unknown collection code \(code)")
            }
            let key = try lengthPrefixed(limit: 511)
            let value = try lengthPrefixed(limit: maxObjectSize)
            if let problem = collection.entryProblem(key: key, value: value) {
                throw StoreError(.corruptStream, "\(collection.rawValue) entry: \(problem)", key: Hex.encode(key))
            }
            return .entry(collection: collection, key: key, value: value)
        default:
            throw StoreError(.corruptStream, "unknown record type \(type) at byte \(at)")
        }
    }

    private mutating func object(withStorage: Bool, bytes read: Bool) throws -> ExportRecord {
        let kind = try kind()
        let hash = try hash()
        var preference = StoragePreference.smallest
        var words: Range<Int>?
        if withStorage {
            switch try u8() {
            case ExportFormat.rawStorage:
                preference = .fastestRead
            case ExportFormat.sparseWordsStorage:
                let offset = try varint()
                let count = try varint()
                guard offset <= UInt64(maxObjectSize), count <= UInt64(maxObjectSize) / 4 else {
                    throw StoreError(.corruptStream, "sparse words range beyond any object", hash: hash)
                }
                words = Int(offset)..<Int(offset) + Int(count) * 4
            case let storage:
                throw StoreError(.corruptStream, "unknown storage \(storage) in an object record", hash: hash)
            }
        }
        let length = try length(limit: maxObjectSize)
        if let words {
            guard words.upperBound <= length else {
                throw StoreError(
                    .corruptStream,
                    "sparse words \(words) beyond the object's \(length) bytes",
                    hash: hash
                )
            }
            preference = .smallestWithSparseWords(words)
        }
        let bytes: [UInt8]?
        if read {
            bytes = try self.bytes(length)
        } else {
            try skip(length)
            bytes = nil
        }
        return .object(kind: kind, hash: hash, preference: preference, bytes: bytes)
    }

    private mutating func bytes(_ count: Int) throws -> [UInt8] {
        try checkAvailable(count)
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            try refillIfEmpty(wanting: count - out.count)
            let take = min(count - out.count, buffer.count - bufferIndex)
            out.append(contentsOf: buffer[bufferIndex..<bufferIndex + take])
            bufferIndex += take
        }
        offset += count
        return out
    }

    /// Passes over `count` bytes: what the buffer holds, then a seek.
    private mutating func skip(_ count: Int) throws {
        try checkAvailable(count)
        let buffered = min(count, buffer.count - bufferIndex)
        bufferIndex += buffered
        if count > buffered { try file.skip(count - buffered) }
        offset += count
    }

    private func checkAvailable(_ count: Int) throws {
        guard count <= limit - offset else {
            throw StoreError(.corruptStream, "stream ends inside a record (needed \(count) bytes at \(offset))")
        }
    }

    private mutating func refillIfEmpty(wanting count: Int) throws {
        guard bufferIndex == buffer.count else { return }
        buffer = try file.read(upTo: max(1 << 20, min(count, 64 << 20)))
        bufferIndex = 0
        guard !buffer.isEmpty else { throw StoreError(.corruptStream, "stream ended early") }
    }

    private mutating func u8() throws -> UInt8 { try bytes(1)[0] }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            guard shift < 63 || byte <= 1 else { throw StoreError(.corruptStream, "LEB128 overflow at \(offset)") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private mutating func length(limit: Int) throws -> Int {
        let length = try varint()
        guard length <= UInt64(limit) else {
            throw StoreError(.corruptStream, "length \(length) at byte \(offset) exceeds the limit of \(limit)")
        }
        return Int(length)
    }

    private mutating func lengthPrefixed(limit: Int) throws -> [UInt8] {
        try bytes(try length(limit: limit))
    }

    private mutating func hash() throws -> Hash256 {
        guard let hash = Hash256(bytes: try bytes(32)) else { throw StoreError(.corruptStream, "bad hash") }
        return hash
    }

    private mutating func kind() throws -> ObjectKind {
        let raw = try u8()
        guard let kind = ObjectKind(rawValue: raw) else {
            throw StoreError(.corruptStream, "unknown object kind \(raw)")
        }
        return kind
    }
}
