internal import PoUWCore
internal import PoUWCrypto
internal import PoUWLMDB

/// Progress of an export or import: records done so far of `total` (0 when unknown).
public struct TransferProgress: Sendable {
    public var phase: String
    public var done: Int
    public var total: Int
}

/// What an export or import moved: the stream's records of each sort and its size.
public struct TransferReport: Sendable, Encodable {
    public var objects: Int
    public var entries: Int
    public var dictionaries: Int
    public var bytes: Int
    /// For an import, how many of the stream's objects, entries and dictionaries the store did not hold before (the
    /// others were skipped); `nil` for an export.
    public var added: Added? = nil

    /// Records an import added.
    public struct Added: Sendable, Encodable, Equatable {
        public var objects: Int
        public var entries: Int
        public var dictionaries: Int

        public init(objects: Int = 0, entries: Int = 0, dictionaries: Int = 0) {
            self.objects = objects
            self.entries = entries
            self.dictionaries = dictionaries
        }
    }
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

    /// The one-byte code of an index collection in the stream (0 for a collection a stream never holds).
    static func code(of collection: Collection) -> UInt8 {
        collections.first { $0.collection == collection }?.code ?? 0
    }
}

extension Store {
    /// Writes every dictionary, object (raw, decoded and re-hashed) and index entry of one consistent snapshot to
    /// `path` as a portable stream. The stream appears at `path` only once whole and synced: it is written beside
    /// it first, so an export that fails (a full disk) or is killed leaves whatever was at `path` as it was.
    @discardableResult
    public func export(to path: String, progress: ((TransferProgress) -> Void)? = nil) throws -> TransferReport {
        try StreamFile.replacing(path) { file in try export(to: file, progress: progress) }
    }

    private func export(to file: StreamFile, progress: ((TransferProgress) -> Void)?) throws -> TransferReport {
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
        return report
    }
}
