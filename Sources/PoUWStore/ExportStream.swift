internal import PoUWCore
internal import PoUWCrypto
internal import PoUWLMDB

/// Progress of an export or import: records done so far of `total` (0 when unknown).
public struct TransferProgress: Sendable {
    public var phase: String
    public var done: Int
    public var total: Int
}

/// What an export or import moved.
public struct TransferReport: Sendable, Encodable {
    public var objects: Int
    public var entries: Int
    public var dictionaries: Int
    public var bytes: Int
}

/// The portable export stream (see Docs/store-format.md): `RecordTag.storeExport`, the version, then records,
/// an end record with the record count, and a SHA-256 of everything before it.
enum ExportFormat {
    /// Written: 2. Read: 1 and 2 (version 2 added `storedObjectRecord`).
    static let version: UInt8 = 2
    static let readableVersions: ClosedRange<UInt8> = 1...2
    static let dictionaryRecord: UInt8 = 0x01
    static let objectRecord: UInt8 = 0x02
    static let entryRecord: UInt8 = 0x03
    /// An object with how it was stored, where an import would otherwise store it differently (version 2):
    /// `rawStorage`, or `sparseWordsStorage` followed by the words' offset and count.
    static let storedObjectRecord: UInt8 = 0x04
    static let rawStorage: UInt8 = 1
    static let sparseWordsStorage: UInt8 = 2
    static let endRecord: UInt8 = 0x00

    /// Index collections in the stream, by their one-byte code.
    static let collections: [(code: UInt8, collection: Collection)] = [
        (1, .blocks), (2, .blockIndex), (3, .txIndex), (4, .history), (5, .checkpoints), (6, .datasets),
        (7, .state), (8, .undo),
    ]
}

extension Store {
    /// Writes every dictionary, object (raw, decoded and re-hashed) and index entry of one consistent snapshot to
    /// `path` as a portable stream.
    @discardableResult
    public func export(to path: String, progress: ((TransferProgress) -> Void)? = nil) throws -> TransferReport {
        let file = try StreamFile(path: path, writing: true)
        var hasher = SHA256.Hasher()
        var report = TransferReport(objects: 0, entries: 0, dictionaries: 0, bytes: 0)
        var records = 0
        func emit(_ writer: ByteWriter) throws {
            hasher.update(writer.bytes)
            try file.write(writer.bytes)
            report.bytes += writer.bytes.count
        }
        var header = ByteWriter()
        header.header(tag: .storeExport, version: ExportFormat.version)
        try emit(header)
        try read { view in
            for entry in dictionaries.all {
                var w = ByteWriter(capacity: entry.bytes.count + 8)
                w.u8(ExportFormat.dictionaryRecord)
                w.u8(entry.kind.rawValue)
                w.bool(entry.current)
                w.lengthPrefixed(entry.bytes)
                try emit(w)
                records += 1
                report.dictionaries += 1
            }
            let total = try view.objectCount()
            try view.forEachObjectKey(after: nil) { key, _ in
                guard let hash = Hash256(bytes: key) else { return true }
                let object = try view.objectWithStorage(hash)
                var w = ByteWriter(capacity: object.bytes.count + 64)
                w.u8(object.storage == nil ? ExportFormat.objectRecord : ExportFormat.storedObjectRecord)
                w.u8(object.kind.rawValue)
                w.hash(hash)
                switch object.storage {
                case .fastestRead: w.u8(ExportFormat.rawStorage)
                case .smallestWithSparseWords(let words):
                    w.u8(ExportFormat.sparseWordsStorage)
                    w.length(words.lowerBound)
                    w.length(words.count / 4)
                case .smallest, nil: break
                }
                w.lengthPrefixed(object.bytes)
                try emit(w)
                records += 1
                report.objects += 1
                if report.objects % 256 == 0 {
                    progress?(TransferProgress(phase: "objects", done: report.objects, total: total))
                }
                return true
            }
            progress?(TransferProgress(phase: "objects", done: report.objects, total: total))
            for (code, collection) in ExportFormat.collections {
                try view.txn.forEach(databases.handle(collection)) { key, value in
                    var w = ByteWriter(capacity: key.byteCount + value.byteCount + 8)
                    w.u8(ExportFormat.entryRecord)
                    w.u8(code)
                    w.lengthPrefixed(Keys.bytes(key))
                    w.lengthPrefixed(Keys.bytes(value))
                    try emit(w)
                    records += 1
                    report.entries += 1
                    return true
                }
                progress?(TransferProgress(phase: collection.rawValue, done: report.entries, total: 0))
            }
        }
        var end = ByteWriter()
        end.u8(ExportFormat.endRecord)
        end.length(records)
        try emit(end)
        let digest = hasher.finalize().bytes
        try file.write(digest)
        report.bytes += digest.count
        try file.finish()
        return report
    }

    /// Reads a stream written by `export` into this store: checks the stream's checksum first, then every
    /// object's hash. Objects already present are skipped; index entries are overwritten. Applied in batches.
    @discardableResult
    public func `import`(from path: String, progress: ((TransferProgress) -> Void)? = nil) throws -> TransferReport {
        let file = try StreamFile(path: path, writing: false)
        let size = file.size
        guard size >= 32 + 3 else { throw StoreError(.corruptStream, "\(path) is too short to be an export stream") }
        var hasher = SHA256.Hasher()
        var remaining = size - 32
        while remaining > 0 {
            let chunk = try file.read(upTo: min(remaining, 1 << 20))
            guard !chunk.isEmpty else { throw StoreError(.corruptStream, "\(path) ended early") }
            hasher.update(chunk)
            remaining -= chunk.count
        }
        let stated = try file.read(upTo: 32)
        guard stated == hasher.finalize().bytes else {
            throw StoreError(.corruptStream, "\(path) fails its SHA-256 checksum (truncated or altered)")
        }
        file.rewind()
        var stream = ExportReader(file: file, limit: size - 32, maxObjectSize: options.maxObjectSize)
        return try applyStream(&stream, size: size, progress: progress)
    }

    private func applyStream(
        _ stream: inout ExportReader,
        size: Int,
        progress: ((TransferProgress) -> Void)?
    ) throws -> TransferReport {
        guard try stream.u8() == RecordTag.storeExport.rawValue else {
            throw StoreError(.corruptStream, "not a PoUW store export stream (wrong record tag)")
        }
        let version = try stream.u8()
        guard ExportFormat.readableVersions.contains(version) else {
            throw StoreError(
                .unknownFormatVersion,
                "export stream version \(version) is not one this build reads (\(ExportFormat.readableVersions))"
            )
        }
        var report = TransferReport(objects: 0, entries: 0, dictionaries: 0, bytes: size)
        var records = 0
        // Records are applied in groups, one transaction each. A full group's objects are hashed and compressed on
        // the cores (`prepare`) while the group before it is written, so reading, encoding and committing overlap.
        var pending = ImportGroup()
        var inFlight: (group: ImportGroup, objects: PreparedObjects, offset: Int)?
        func writeInFlight() throws {
            guard let (group, objects, offset) = inFlight else { return }
            inFlight = nil
            let keys = try objects.keys()
            if let bad = zip(keys, group.keys).first(where: { $0 != $1 }) {
                throw StoreError(.corruptStream, "object bytes do not hash to the stated key", hash: bad.1)
            }
            try write(expectedBytes: group.bytes) { writer in
                try writer.put(objects)
                for (collection, key, value) in group.entries { try writer.putRaw(collection, key, value) }
            }
            progress?(TransferProgress(phase: "import", done: offset, total: size))
        }
        func flush() throws {
            guard !pending.isEmpty else { return }
            let objects = try prepare(pending.objects, preferences: pending.preferences)
            try writeInFlight()
            inFlight = (pending, objects, stream.offset)
            pending = ImportGroup()
        }
        func readObject(withStorage: Bool) throws {
            let kind = try stream.kind()
            let hash = try stream.hash()
            var preference = StoragePreference.smallest
            var words: Range<Int>?
            if withStorage {
                switch try stream.u8() {
                case ExportFormat.rawStorage:
                    preference = .fastestRead
                case ExportFormat.sparseWordsStorage:
                    let offset = try stream.varint()
                    let count = try stream.varint()
                    guard offset <= UInt64(options.maxObjectSize), count <= UInt64(options.maxObjectSize) / 4 else {
                        throw StoreError(.corruptStream, "sparse words range beyond any object", hash: hash)
                    }
                    words = Int(offset)..<Int(offset) + Int(count) * 4
                case let storage:
                    throw StoreError(.corruptStream, "unknown storage \(storage) in an object record", hash: hash)
                }
            }
            let bytes = try stream.lengthPrefixed(limit: options.maxObjectSize)
            if let words {
                guard words.upperBound <= bytes.count else {
                    throw StoreError(
                        .corruptStream,
                        "sparse words \(words) beyond the object's \(bytes.count) bytes",
                        hash: hash
                    )
                }
                preference = .smallestWithSparseWords(words)
            }
            pending.objects.append((kind, bytes))
            pending.preferences.append(preference)
            pending.keys.append(hash)
            pending.bytes += bytes.count
            report.objects += 1
        }
        while true {
            let type = try stream.u8()
            if type == ExportFormat.endRecord {
                let count = try stream.varint()
                guard count == UInt64(records) else {
                    throw StoreError(.corruptStream, "end record counts \(count) records, stream held \(records)")
                }
                guard stream.offset == stream.limit else {
                    throw StoreError(.corruptStream, "bytes follow the end record")
                }
                break
            }
            records += 1
            switch type {
            case ExportFormat.dictionaryRecord:
                try flush()
                try writeInFlight()
                let kind = try stream.kind()
                let current = try stream.u8() == 1
                let bytes = try stream.lengthPrefixed(limit: 1 << 24)
                try importDictionary(kind: kind, bytes: bytes, current: current)
                report.dictionaries += 1
            case ExportFormat.objectRecord:
                try readObject(withStorage: false)
            case ExportFormat.storedObjectRecord where version >= 2:
                try readObject(withStorage: true)
            case ExportFormat.entryRecord:
                let code = try stream.u8()
                guard let collection = ExportFormat.collections.first(where: { $0.code == code })?.collection else {
                    throw StoreError(.corruptStream, "unknown collection code \(code)")
                }
                let key = try stream.lengthPrefixed(limit: 511)
                let value = try stream.lengthPrefixed(limit: options.maxObjectSize)
                guard !key.isEmpty else { throw StoreError(.corruptStream, "empty key in \(collection.rawValue)") }
                pending.entries.append((collection, key, value))
                pending.bytes += key.count + value.count
                report.entries += 1
            default:
                throw StoreError(.corruptStream, "unknown record type \(type) at byte \(stream.offset - 1)")
            }
            if pending.count >= 2048 || pending.bytes >= 32 << 20 { try flush() }
        }
        try flush()
        try writeInFlight()
        return report
    }

    private func importDictionary(kind: ObjectKind, bytes: [UInt8], current: Bool) throws {
        let id = PoUWZstdBridge.dictionaryID(bytes)
        guard id != 0 else { throw StoreError(.corruptStream, "dictionary record holds no zstd dictionary") }
        try Self.translating {
            try environment.write { txn in
                try txn.put(databases.meta, Keys.dictionary(id), [kind.rawValue] + bytes)
                if current {
                    try txn.put(
                        databases.meta,
                        Keys.currentDictionary(kind),
                        withUnsafeBytes(of: id.bigEndian) { Array($0) }
                    )
                }
            }
        }
        dictionaries.add(id: id, kind: kind, bytes: bytes, current: current)
    }
}

/// Records read from a stream, waiting for their write batch: objects (with the keys the stream states for them)
/// and index entries.
private struct ImportGroup {
    var objects: [(kind: ObjectKind, bytes: [UInt8])] = []
    /// How each object is stored: as the exporting store did, where the stream says.
    var preferences: [StoragePreference] = []
    var keys: [Hash256] = []
    var entries: [(Collection, [UInt8], [UInt8])] = []
    var bytes = 0

    var count: Int { objects.count + entries.count }
    var isEmpty: Bool { count == 0 }
}

/// Strict sequential reads from an export file, bounded by the checksummed length.
private struct ExportReader {
    let file: StreamFile
    let limit: Int
    let maxObjectSize: Int
    private(set) var offset = 0
    private var buffer: [UInt8] = []
    private var position = 0

    init(file: StreamFile, limit: Int, maxObjectSize: Int) {
        self.file = file
        self.limit = limit
        self.maxObjectSize = maxObjectSize
    }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count <= limit - offset else {
            throw StoreError(.corruptStream, "stream ends inside a record (needed \(count) bytes at \(offset))")
        }
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            if position == buffer.count {
                buffer = try file.read(upTo: max(1 << 20, min(count - out.count, 64 << 20)))
                position = 0
                guard !buffer.isEmpty else { throw StoreError(.corruptStream, "stream ended early") }
            }
            let take = min(count - out.count, buffer.count - position)
            out.append(contentsOf: buffer[position..<position + take])
            position += take
        }
        offset += count
        return out
    }

    mutating func u8() throws -> UInt8 { try bytes(1)[0] }

    mutating func varint() throws -> UInt64 {
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

    mutating func lengthPrefixed(limit: Int) throws -> [UInt8] {
        let length = try varint()
        guard length <= UInt64(limit) else {
            throw StoreError(.corruptStream, "length \(length) at byte \(offset) exceeds the limit of \(limit)")
        }
        return try bytes(Int(length))
    }

    mutating func hash() throws -> Hash256 {
        guard let hash = Hash256(bytes: try bytes(32)) else { throw StoreError(.corruptStream, "bad hash") }
        return hash
    }

    mutating func kind() throws -> ObjectKind {
        let raw = try u8()
        guard let kind = ObjectKind(rawValue: raw) else {
            throw StoreError(.corruptStream, "unknown object kind \(raw)")
        }
        return kind
    }
}
