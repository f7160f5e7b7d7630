internal import PoUWCore
internal import PoUWCrypto
internal import PoUWLMDB

extension Store {
    /// Reads a stream written by `export` into this store. Import adds and never replaces: objects already present
    /// are skipped, and so are index entries and dictionaries the store already holds with the same bytes.
    ///
    /// Three passes over the file. The first checks its SHA-256. The second parses every record without writing:
    /// a malformed record, an index entry of the wrong shape, entries out of key order or not last, or an entry or
    /// dictionary the store holds with other bytes (`conflict`) stops the import before anything is written. The
    /// third writes: dictionaries, then objects in groups (one transaction each), then every index entry in one
    /// transaction. Each object's hash is compared with the key the stream states for it before its group is
    /// written, so a wrong one stops the import there. So a failure or a crash leaves the store's indexes either as
    /// they were or holding every entry of the stream; what may land without them is objects and dictionaries,
    /// which change nothing a reader sees (running the import again completes it). A dictionary the stream marks
    /// current becomes the store's current one for its kind only when the store has none.
    @discardableResult
    public func `import`(from path: String, progress: ((TransferProgress) -> Void)? = nil) throws -> TransferReport {
        let (file, size) = try openCheckedStream(path)
        var check = try ExportReader(file: file, limit: size - 32, maxObjectSize: options.maxObjectSize)
        _ = try checkStream(&check, size: size, countingNewObjects: false, progress: progress)
        var stream = try ExportReader(file: file, limit: size - 32, maxObjectSize: options.maxObjectSize)
        return try applyStream(&stream, size: size, progress: progress)
    }

    /// What importing `path` would do, with nothing written (a read-only store will do): the first two passes of
    /// `import`, so it throws what `import` would throw before writing anything. Returns the stream's counts, with
    /// `added` the objects, entries and dictionaries this store does not hold yet. Only an object whose bytes do not
    /// hash to its stated key goes unnoticed here: `import` finds that while it writes.
    public func checkImport(from path: String, progress: ((TransferProgress) -> Void)? = nil) throws -> TransferReport {
        let (file, size) = try openCheckedStream(path)
        var check = try ExportReader(file: file, limit: size - 32, maxObjectSize: options.maxObjectSize)
        return try checkStream(&check, size: size, countingNewObjects: true, progress: progress)
    }

    /// The first pass: the stream file opened and its SHA-256 checked; returns it with its size.
    private func openCheckedStream(_ path: String) throws -> (StreamFile, Int) {
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
        return (file, size)
    }

    /// The second pass: every record parsed (object bytes passed over), entries checked for shape and order, and
    /// entries and dictionaries compared with what this store holds, in one snapshot. Returns the stream's counts
    /// and, under `added`, how many of each this store does not hold (objects only when `countingNewObjects`: a
    /// lookup each, which `import` leaves to its write).
    private func checkStream(
        _ stream: inout ExportReader,
        size: Int,
        countingNewObjects: Bool,
        progress: ((TransferProgress) -> Void)?
    ) throws -> TransferReport {
        var report = TransferReport(objects: 0, entries: 0, dictionaries: 0, bytes: size, added: .init())
        return try read { view in
            var dictionaries: [UInt32: [UInt8]] = [:]
            var lastEntry: (code: UInt8, key: [UInt8])?
            while true {
                let record = try stream.record(objectBytes: false)
                if lastEntry != nil {
                    switch record {
                    case .dictionary, .object:
                        throw StoreError(
                            .corruptStream,
                            "a dictionary or object record after the index entries (entries come last)"
                        )
                    case .entry, .end: break
                    }
                }
                switch record {
                case .end:
                    return report
                case .dictionary(let kind, _, let bytes):
                    let id = PoUWZstdBridge.dictionaryID(bytes)
                    guard id != 0 else {
                        throw StoreError(.corruptStream, "dictionary record holds no zstd dictionary")
                    }
                    let stored = [kind.rawValue] + bytes
                    if let earlier = dictionaries[id], earlier != stored {
                        throw StoreError(.corruptStream, "the stream holds two different dictionaries with id \(id)")
                    }
                    dictionaries[id] = stored
                    report.dictionaries += 1
                    let held = try view.txn.get(databases.meta, Keys.dictionary(id))
                    if held == nil { report.added?.dictionaries += 1 }
                    if let held, held != stored {
                        throw StoreError(
                            .conflict,
                            "the store holds another dictionary with id \(id); import adds, it never replaces "
                                + "(import into an empty data directory to restore a store)"
                        )
                    }
                case .object(_, let hash, _, _):
                    report.objects += 1
                    if countingNewObjects, try !view.contains(hash) { report.added?.objects += 1 }
                case .entry(let collection, let key, let value):
                    let code = ExportFormat.code(of: collection)
                    if let last = lastEntry,
                        code < last.code || (code == last.code && !last.key.lexicographicallyPrecedes(key))
                    {
                        throw StoreError(
                            .corruptStream,
                            "\(collection.rawValue) entry out of order (entries come collection by collection, keys "
                                + "ascending)",
                            key: Hex.encode(key)
                        )
                    }
                    lastEntry = (code, key)
                    report.entries += 1
                    let held = try view.txn.get(databases.handle(collection), key)
                    if held == nil { report.added?.entries += 1 }
                    if let held, held != value {
                        throw StoreError(
                            .conflict,
                            "the store's \(collection.rawValue) entry differs from the stream's; import adds, it "
                                + "never replaces (import into an empty data directory to restore a store)",
                            key: Hex.encode(key)
                        )
                    }
                }
                if stream.records % 4096 == 0 {
                    progress?(TransferProgress(phase: "check", done: stream.offset, total: size))
                }
            }
        }
    }

    /// The third pass: records applied in groups, one transaction each. A full group's objects are hashed and
    /// compressed on the cores (`prepare`) while the group before it is written, so reading, encoding and
    /// committing overlap.
    private func applyStream(
        _ stream: inout ExportReader,
        size: Int,
        progress: ((TransferProgress) -> Void)?
    ) throws -> TransferReport {
        var report = TransferReport(objects: 0, entries: 0, dictionaries: 0, bytes: size, added: .init())
        var pending = ImportGroup()
        var inFlight: (group: ImportGroup, objects: PreparedObjects, offset: Int)?
        func writeInFlight() throws {
            guard let (group, objects, offset) = inFlight else { return }
            inFlight = nil
            let keys = try objects.keys()
            if let bad = zip(keys, group.keys).first(where: { $0 != $1 }) {
                throw StoreError(.corruptStream, "object bytes do not hash to the stated key", hash: bad.1)
            }
            report.added?.objects += try write(expectedBytes: group.bytes) { writer in
                let before = writer.pendingCount
                _ = try writer.put(objects)
                return writer.pendingCount - before
            }
            progress?(TransferProgress(phase: "write", done: offset, total: size))
        }
        func flush() throws {
            guard !pending.isEmpty else { return }
            let objects = try prepare(pending.objects, preferences: pending.preferences)
            try writeInFlight()
            inFlight = (pending, objects, stream.offset)
            pending = ImportGroup()
        }
        loop: while true {
            let position = stream.position
            switch try stream.record() {
            case .end:
                break loop
            case .dictionary(let kind, let current, let bytes):
                try flush()
                try writeInFlight()
                if try importDictionary(kind: kind, bytes: bytes, current: current) { report.added?.dictionaries += 1 }
                report.dictionaries += 1
            case .object(let kind, let hash, let preference, let bytes):
                let bytes = bytes ?? []
                pending.objects.append((kind, bytes))
                pending.preferences.append(preference)
                pending.keys.append(hash)
                pending.bytes += bytes.count
                report.objects += 1
            case .entry:
                // The entries come last (the check pass saw to it): every object is stored before any of them.
                try flush()
                try writeInFlight()
                let entries = try writeEntries(from: position, of: stream, size: size, progress: progress)
                report.entries = entries.read
                report.added?.entries = entries.added
                return report
            }
            if pending.count >= 2048 || pending.bytes >= 32 << 20 { try flush() }
        }
        try flush()
        try writeInFlight()
        return report
    }

    /// Writes every index entry of the stream, from `position` (the first entry record) to the end record, in one
    /// transaction: the store's indexes hold either none of them or all. Reads the entries from the file inside
    /// the transaction, so a write that is retried (after the map grew) reads them again from `position`.
    private func writeEntries(
        from position: ExportReader.Position,
        of stream: ExportReader,
        size: Int,
        progress: ((TransferProgress) -> Void)?
    ) throws -> (read: Int, added: Int) {
        try write(expectedBytes: size - position.offset) { writer in
            var reader = try ExportReader(resuming: position, of: stream)
            var entries = 0
            var added = 0
            while true {
                switch try reader.record() {
                case .end:
                    progress?(TransferProgress(phase: "write", done: size, total: size))
                    return (entries, added)
                case .entry(let collection, let key, let value):
                    if try writer.addEntry(collection, key, value) { added += 1 }
                    entries += 1
                    if entries % 4096 == 0 {
                        progress?(TransferProgress(phase: "write", done: reader.offset, total: size))
                    }
                case .dictionary, .object:
                    throw StoreError(.corruptStream, "a dictionary or object record after the index entries")
                }
            }
        }
    }

    /// Adds a dictionary unless the store holds it (returns whether it did); it becomes current for `kind` only when
    /// `current` and the store has no current dictionary for `kind`.
    private func importDictionary(kind: ObjectKind, bytes: [UInt8], current: Bool) throws -> Bool {
        let id = PoUWZstdBridge.dictionaryID(bytes)
        guard id != 0 else { throw StoreError(.corruptStream, "dictionary record holds no zstd dictionary") }
        let stored = [kind.rawValue] + bytes
        let (added, makeCurrent) = try Self.translating {
            try environment.write { txn -> (Bool, Bool) in
                var added = false
                switch try txn.get(databases.meta, Keys.dictionary(id)) {
                case nil: added = try txn.put(databases.meta, Keys.dictionary(id), stored)
                case stored: break
                default:
                    throw StoreError(.conflict, "the store holds another dictionary with id \(id) (written meanwhile)")
                }
                guard current, try txn.get(databases.meta, Keys.currentDictionary(kind)) == nil else {
                    return (added, false)
                }
                try txn.put(
                    databases.meta,
                    Keys.currentDictionary(kind),
                    withUnsafeBytes(of: id.bigEndian) { Array($0) }
                )
                return (added, true)
            }
        }
        dictionaries.add(id: id, kind: kind, bytes: bytes, current: makeCurrent)
        return added
    }
}

extension StoreBatch {
    /// Adds an index entry unless the collection holds `key` with the same value (returns whether it did); throws
    /// `conflict` when it holds another (the import's check pass saw none: another writer added it since).
    func addEntry(_ collection: Collection, _ key: [UInt8], _ value: [UInt8]) throws -> Bool {
        let database = db.handle(collection)
        if try wtxn.put(database, key, value, flags: .noOverwrite) { return true }
        guard try wtxn.get(database, key) == value else {
            throw StoreError(
                .conflict,
                "the store's \(collection.rawValue) entry differs from the stream's (written meanwhile)",
                key: Hex.encode(key)
            )
        }
        return false
    }
}

/// Objects read from a stream, waiting for their write batch, with the keys the stream states for them.
private struct ImportGroup {
    var objects: [(kind: ObjectKind, bytes: [UInt8])] = []
    /// How each object is stored: as the exporting store did, where the stream says.
    var preferences: [StoragePreference] = []
    var keys: [Hash256] = []
    var bytes = 0

    var count: Int { objects.count }
    var isEmpty: Bool { objects.isEmpty }
}
