import Foundation
import PoUWCore
import PoUWLMDB
import PoUWStore
import PoUWZstd
import Testing

/// Rewrites the stored value of `hash` directly in LMDB (the store must be closed): its key in `values` is its
/// sequence number and hash.
func patchStoredValue(_ dir: String, _ hash: Hash256, _ transform: ([UInt8]) -> [UInt8]) throws {
    let environment = try Environment(path: dir, databases: ["values"])
    let values = environment.database("values")
    try environment.write { txn in
        var found: [UInt8]?
        try txn.forEach(values) { key, _ in
            let bytes = key.withUnsafeBytes { Array($0) }
            if bytes.count == 40 && Array(bytes.suffix(32)) == hash.bytes { found = bytes }
            return found == nil
        }
        let key = try #require(found)
        let value = try #require(try txn.get(values, key))
        try txn.put(values, key, transform(value))
    }
}

/// Objects in the store as `stats` reports them: one value each in `values`.
func indexEntries(_ statistics: StoreStatistics) -> Int {
    statistics.collections.first { $0.name == "values" }?.entries ?? 0
}

/// Stores one object, closes the store, patches its value, reopens and returns the error `get` throws.
func errorAfterPatch(
    _ kind: ObjectKind,
    _ bytes: [UInt8],
    options: StoreOptions = .init(),
    _ transform: ([UInt8]) -> [UInt8]
) throws -> StoreError? {
    try withTemporaryDirectory { dir in
        let hash = try Store.open(at: dir).put(kind, bytes)
        try patchStoredValue(dir, hash, transform)
        let store = try Store.open(at: dir, options: options)
        let error = #expect(throws: StoreError.self) { try store.get(hash) }
        #expect(error?.key == hash.hex, "the error names the key")
        let report = try store.verify()
        #expect(report.problems.map(\.key) == [hash.hex], "verify names the same key")
        return error
    }
}

let compressible = Array(repeating: Array("compressible text ".utf8), count: 300).flatMap { $0 }

@Suite("Store errors: each named, none crashes")
struct ErrorTests {
    @Test("missing object")
    func missingObject() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            let error = #expect(throws: StoreError.self) { try store.get(Hash256.sha256([1])) }
            #expect(error?.code == .missingObject)
            #expect(try store.kind(of: Hash256.sha256([1])) == nil)
        }
    }

    @Test("corrupt value: raw payload changed, hash mismatch")
    func corruptRaw() throws {
        var random = TestRandom(3)
        let error = try errorAfterPatch(.blob, random.bytes(500)) { value in
            var v = value
            v[v.count - 1] ^= 0x40
            return v
        }
        #expect(error?.code == .corruptValue)
    }

    @Test("corrupt value: zstd checksum mismatch")
    func corruptFrame() throws {
        let error = try errorAfterPatch(.blob, compressible) { value in
            var v = value
            v[v.count - 2] ^= 0x01  // inside the content checksum
            return v
        }
        #expect(error?.code == .corruptValue)
    }

    @Test("corrupt value: header kind changed (header CRC)")
    func corruptHeader() throws {
        let error = try errorAfterPatch(.blob, compressible) { value in
            var v = value
            v[1] = ObjectKind.batch.rawValue
            return v
        }
        #expect(error?.code == .corruptValue)
    }

    @Test("truncated frame")
    func truncatedFrame() throws {
        let error = try errorAfterPatch(.blob, compressible) { Array($0.prefix($0.count / 2)) }
        #expect(error?.code == .truncatedFrame)
        let header = try errorAfterPatch(.blob, compressible) { Array($0.prefix(4)) }
        #expect(header?.code == .truncatedFrame)
    }

    @Test("unknown value format version")
    func unknownValueVersion() throws {
        let error = try errorAfterPatch(.blob, compressible) { value in
            var v = value
            v[0] = 9
            return v
        }
        #expect(error?.code == .unknownFormatVersion)
    }

    @Test("unknown store format version")
    func unknownStoreVersion() throws {
        try withTemporaryDirectory { dir in
            _ = try Store.open(at: dir)
            do {
                let environment = try Environment(path: dir, databases: ["meta"])
                try environment.write { try $0.put(environment.database("meta"), Array("format".utf8), [9]) }
            }
            let error = #expect(throws: StoreError.self) { try Store.open(at: dir) }
            #expect(error?.code == .unknownFormatVersion)
        }
    }

    @Test("decompression bomb: a frame declaring more than the header allows, and a header beyond the limit")
    func decompressionBomb() throws {
        let big = [UInt8](repeating: 7, count: 100_000)
        let frameBomb = try errorAfterPatch(.blob, big) { value in
            // Keep the frame (it declares 100,000 bytes) but claim 100 in the header.
            let headerSize = ValueHeader(kind: .blob, codec: .zstd, rawLength: big.count).bytes.count
            return ValueHeader(kind: .blob, codec: .zstd, rawLength: 100).bytes + value.dropFirst(headerSize)
        }
        #expect(frameBomb?.code == .decompressionBomb)
        try withTemporaryDirectory { dir in
            let hash = try Store.open(at: dir).put(.blob, big)
            let store = try Store.open(at: dir, options: StoreOptions(readOnly: true, maxObjectSize: 50_000))
            let error = #expect(throws: StoreError.self) { try store.get(hash) }
            #expect(error?.code == .decompressionBomb)
        }
    }

    @Test("missing dictionary")
    func missingDictionary() throws {
        let error = try errorAfterPatch(.message, compressible) { value in
            let headerSize = ValueHeader(kind: .message, codec: .zstd, rawLength: compressible.count).bytes.count
            return ValueHeader(
                kind: .message,
                codec: .zstdDictionary,
                rawLength: compressible.count,
                dictionaryID: 424_242
            )
            .bytes + value.dropFirst(headerSize)
        }
        #expect(error?.code == .missingDictionary)
    }

    @Test("disk full: growth refused when the file system would keep less than the reserve")
    func diskFull() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(
                at: dir,
                options: StoreOptions(initialMapSize: 1 << 20, minimumFreeDisk: Int.max / 4)
            )
            var random = TestRandom(1)
            let error = #expect(throws: StoreError.self) {
                for _ in 0..<20 { try store.put(.blob, random.bytes(256 << 10)) }
            }
            #expect(error?.code == .diskFull)
            #expect(try store.verify().ok, "the store stays consistent")
        }
    }

    @Test("map resize failure at the configured maximum")
    func mapResizeFailed() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir, options: StoreOptions(initialMapSize: 1 << 20, maximumMapSize: 4 << 20))
            var random = TestRandom(2)
            let error = #expect(throws: StoreError.self) {
                for _ in 0..<40 { try store.put(.blob, random.bytes(256 << 10)) }
            }
            #expect(error?.code == .mapResizeFailed)
        }
    }

    @Test("permission denied: writing a read-only store, and opening an unreadable directory")
    func permissionDenied() throws {
        try withTemporaryDirectory { dir in
            _ = try Store.open(at: dir).put(.blob, [1])
            let store = try Store.open(at: dir, options: StoreOptions(readOnly: true))
            let error = #expect(throws: StoreError.self) { try store.put(.blob, [2]) }
            #expect(error?.code == .permissionDenied)
        }
        guard getuid() == 0 else {
            try withTemporaryDirectory { dir in
                let locked = dir + "/locked"
                try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
                chmod(locked, 0)
                defer { chmod(locked, 0o755) }
                let error = #expect(throws: StoreError.self) { try Store.open(at: locked + "/store") }
                #expect(error?.code == .permissionDenied)
            }
            return
        }
        // Root may open anything, so the check runs in a child that drops to nobody (setpriv, util-linux) and opens
        // the store read-write through `pouw-bench append-loop`: once in a directory it may not enter, once on a
        // store whose files root owns.
        let setpriv = try #require(
            systemTool("setpriv"),
            "running as root needs setpriv (util-linux) to drop privileges"
        )
        let bench = try #require(toolPath("pouw-bench"), "build pouw-bench first (Tools/dev.sh does)")
        let unprivileged = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        let probe = try run(setpriv, unprivileged + [bench, "--help"])
        try #require(
            probe.status == 0,
            "nobody must be able to run \(bench) (every directory above it world-searchable): \(probe.stderr)"
        )
        try withTemporaryDirectory { dir in
            chmod(dir, 0o755)
            let locked = dir + "/locked"
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
            chmod(locked, 0)
            let owned = dir + "/owned"
            _ = try Store.open(at: owned).put(.blob, [1])
            for data in [locked + "/store", owned] {
                let result = try run(
                    setpriv,
                    unprivileged + [bench, "append-loop", "--data-dir", data, "--ack", dir + "/ack", "--count", "1"]
                )
                #expect(result.status != 0, "an unprivileged child cannot write \(data)")
                #expect(result.stderr.contains("permissionDenied"), "\(result.stderr)")
            }
            chmod(locked, 0o755)
            #expect(try Store.open(at: owned).get(Hash256.sha256([1])) == [1], "the owned store is untouched")
        }
    }

    @Test("a data.mdb cut short (an interrupted copy) is an error on open, read-only or not, never a SIGBUS")
    func truncatedDataFile() throws {
        try withTemporaryDirectory { dir in
            do {
                let store = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: nil))
                var random = TestRandom(53)
                try store.write { batch in for _ in 0..<40 { try batch.put(.blob, random.bytes(4000)) } }
            }
            let file = dir + "/data.mdb"
            let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
            #expect(truncate(file, off_t(size / 2)) == 0)
            for readOnly in [true, false] {
                let error = #expect(throws: StoreError.self) {
                    try Store.open(at: dir, options: StoreOptions(readOnly: readOnly))
                }
                #expect(error?.code == .corruptValue)
                #expect(error?.message.contains("cut short") == true, "\(String(describing: error))")
            }
            // Cut to nothing: read-only, it is named (LMDB alone says "Bad file descriptor").
            #expect(truncate(file, 0) == 0)
            let empty = #expect(throws: StoreError.self) {
                try Store.open(at: dir, options: StoreOptions(readOnly: true))
            }
            #expect(empty?.message.contains("data.mdb is empty") == true, "\(String(describing: empty))")
        }
    }

    @Test("a damaged page giving a value a size beyond the end of data.mdb is corruptValue, never a SIGBUS")
    func valueSizeBeyondTheFile() throws {
        try withTemporaryDirectory { dir in
            var random = TestRandom(71)
            let blob = random.bytes(200 << 10)  // incompressible: stored raw, on overflow pages
            let hash = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: nil)).put(.blob, blob)
            // In data.mdb, find the leaf node of `values` (a 40-byte key) whose data is on overflow pages (F_BIGDATA)
            // and add 16 MiB to its size, as a flipped bit in the page would.
            let file = dir + "/data.mdb"
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
            var damaged = 0
            for page in stride(from: 2 * 4096, to: bytes.count, by: 4096) where u16(page + 10) & 0x02 != 0 {
                let nodes = (u16(page + 12) - 16) / 2
                guard nodes > 0, nodes < 2048 else { continue }
                for index in 0..<nodes {
                    let node = page + u16(page + 16 + 2 * index)
                    guard node + 8 <= bytes.count, u16(node + 4) & 0x01 != 0, u16(node + 6) == 40 else { continue }
                    bytes[node + 3] &+= 1
                    damaged += 1
                }
            }
            #expect(damaged == 1, "one overflowed value")
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let store = try Store.open(at: dir, options: StoreOptions(readOnly: true))
            let error = #expect(throws: StoreError.self) { try store.get(hash) }
            #expect(error?.code == .corruptValue)
            #expect(error?.message.contains("reaches past the end of data.mdb") == true, "\(String(describing: error))")
            // Copying the stored value out would read 16 MiB past the file's end: refused before it is touched.
            let copy = #expect(throws: StoreError.self) { try store.read { try $0.storedValue(hash) } }
            #expect(copy?.code == .corruptValue)
            // verify's page check finds the node asking more of its overflow run than the run holds, before
            // anything reads the value.
            let report = try store.verify()
            #expect(report.pagesDamaged && report.objectsChecked == 0)
            #expect(report.problems.first?.collection == "values")
            #expect(report.problems.first?.message.contains("the overflow run holds") == true, "\(report.problems)")
        }
    }

    @Test("no store at a read-only path is an I/O error, not a crash")
    func missingStore() throws {
        try withTemporaryDirectory { dir in
            let error = #expect(throws: StoreError.self) {
                try Store.open(at: dir + "/nothing", options: StoreOptions(readOnly: true))
            }
            #expect(error?.code == .io)
        }
    }

    @Test("corrupt export streams: altered, truncated, wrong tag")
    func corruptStream() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/a")
            for (kind, bytes) in sampleObjects() { try store.put(kind, bytes) }
            let file = dir + "/export"
            try store.export(to: file)
            let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            var altered = good
            altered[good.count / 2] ^= 0x10
            let variants: [[UInt8]] = [
                altered, Array(good.prefix(good.count - 10)), [0x77, 1] + good.dropFirst(2), [1],
            ]
            for (i, bytes) in variants.enumerated() {
                let path = dir + "/bad\(i)"
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let target = try Store.open(at: dir + "/t\(i)")
                let error = #expect(throws: StoreError.self) { try target.import(from: path) }
                #expect(error?.code == .corruptStream)
            }
        }
    }

    @Test("an import stream whose checksum holds but whose object does not hash to its key: the groups before it land")
    func importObjectWithWrongKey() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/a")
            let objects = (0..<3000).map {
                Array("object-\($0)-".utf8) + [UInt8](repeating: UInt8($0 % 251), count: 40)
            }
            try store.write { _ = try $0.put(.blob, contentsOf: objects) }
            let file = dir + "/export"
            try store.export(to: file)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            let marker = Array("object-2900-".utf8)
            guard
                let at = (0..<bytes.count - marker.count).first(where: {
                    bytes[$0..<$0 + marker.count].elementsEqual(marker)
                })
            else {
                Issue.record("object 2900 not found in the stream")
                return
            }
            bytes[at + marker.count] ^= 0x01
            let body = Array(bytes.prefix(bytes.count - 32))
            bytes = body + Hash256.sha256(body).bytes
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let target = try Store.open(at: dir + "/b")
            let error = #expect(throws: StoreError.self) { try target.import(from: file) }
            #expect(error?.code == .corruptStream)
            #expect(error?.key == Hash256.sha256(objects[2900]).hex)
            // The export stream lists objects in key order; whatever group held the bad one, none of it landed, and
            // every object that did land is whole.
            #expect(try !target.contains(Hash256.sha256(objects[2900])))
            #expect(try target.verify().ok)
        }
    }

    @Test(
        "version-2 object records with their storage: refused in a version-1 stream, for words outside the object, for an unknown storage"
    )
    func sectionedObjectRecords() throws {
        /// A checksummed stream of `version` holding `records` (each a complete record).
        func stream(version: UInt8, _ records: [[UInt8]]) -> [UInt8] {
            var body: [UInt8] = [RecordTag.storeExport.rawValue, version]
            for record in records { body += record }
            body += [0x00, UInt8(records.count)]
            return body + Hash256.sha256(body).bytes
        }
        func sectioned(_ bytes: [UInt8], offset: UInt8, count: UInt8, storage: UInt8 = 2) -> [UInt8] {
            var length = ByteWriter()
            length.length(bytes.count)
            return [0x04, ObjectKind.message.rawValue] + Hash256.sha256(bytes).bytes + [storage, offset, count]
                + length.bytes + bytes
        }
        let object = [UInt8](repeating: 1, count: 8) + (0..<70).flatMap { [UInt8($0 * 3), 0, 0, 0] } + [9, 9]
        try withTemporaryDirectory { dir in
            let cases: [(String, [UInt8], String)] = [
                ("fine", stream(version: 2, [sectioned(object, offset: 8, count: 70)]), ""),
                ("v1", stream(version: 1, [sectioned(object, offset: 8, count: 70)]), "unknown record type 4"),
                ("outside", stream(version: 2, [sectioned(object, offset: 8, count: 71)]), "beyond the object"),
                (
                    "storage", stream(version: 2, [sectioned(object, offset: 8, count: 70, storage: 7)]),
                    "unknown storage 7"
                ),
            ]
            for (name, bytes, message) in cases {
                let path = dir + "/" + name
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let target = try Store.open(at: dir + "/store-" + name)
                if message.isEmpty {
                    #expect(try target.import(from: path).objects == 1)
                    #expect(try target.get(Hash256.sha256(object)) == object)
                    let header = try target.read { try $0.header(of: Hash256.sha256(object)) }
                    #expect(header?.codec == .sparseSectionZstd)
                    continue
                }
                let error = #expect(throws: StoreError.self) { try target.import(from: path) }
                #expect(error?.code == .corruptStream)
                #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
                #expect(try target.read { try $0.objectCount() } == 0)
            }
        }
    }
}
