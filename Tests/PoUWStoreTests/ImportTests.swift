import Foundation
import PoUWCore
import PoUWLMDB
import PoUWStore
import Testing

/// `body` followed by its SHA-256: a stream whose checksum holds.
private func checksummed(_ body: [UInt8]) -> [UInt8] { body + Hash256.sha256(body).bytes }

private func leb128(_ value: Int) -> [UInt8] {
    var writer = ByteWriter()
    writer.length(value)
    return writer.bytes
}

/// A version-2 stream of `records`, each a complete record, with its end record and checksum.
private func stream(_ records: [[UInt8]]) -> [UInt8] {
    checksummed([RecordTag.storeExport.rawValue, 2] + records.flatMap { $0 } + [0x00] + leb128(records.count))
}

private func objectRecord(_ kind: ObjectKind, _ bytes: [UInt8]) -> [UInt8] {
    [0x02, kind.rawValue] + Hash256.sha256(bytes).bytes + leb128(bytes.count) + bytes
}

/// An index entry record; `code` is the stream's collection code (1 blocks, 4 history, …).
private func entryRecord(_ code: UInt8, _ key: [UInt8], _ value: [UInt8]) -> [UInt8] {
    [0x03, code] + leb128(key.count) + key + leb128(value.count) + value
}

private func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

private func readBytes(_ path: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Messages that a dictionary trains well on, different for each `flavour`.
private func dictionaryMessages(_ flavour: String, count: Int) -> [[UInt8]] {
    var random = TestRandom(UInt64(flavour.utf8.count))
    return (0..<count).map { i in
        Array("IT_RES \(flavour) miner=\(i % 5) epoch=\(i / 100) loss=0.\(i % 97) ".utf8) + random.bytes(16)
            + Array(repeating: UInt8(i % 3), count: 40)
    }
}

@Suite("Import: adds and never replaces; a malformed stream writes nothing")
struct ImportTests {
    let fixture = packageRoot + "/Fixtures/store/export-v2.pouwexp"

    @Test("importing a stream again, or a store's own export into it, adds nothing and changes nothing")
    func importTwice() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/a", options: StoreOptions(autoTrainThreshold: nil))
            let first = try store.import(from: fixture)
            #expect(first.added == .init(objects: first.objects, entries: first.entries, dictionaries: 0))
            let before = try store.statistics()
            let again = try store.import(from: fixture)
            #expect(again.objects == first.objects && again.entries == first.entries)
            #expect(again.added == .init(), "nothing added the second time")
            try store.export(to: dir + "/own")
            try store.import(from: dir + "/own")
            let after = try store.statistics()
            #expect(after.objects == before.objects)
            #expect(after.collections.map(\.entries) == before.collections.map(\.entries))
            #expect(try readBytes(dir + "/own") == readBytes(fixture), "still exactly the fixture's contents")
            #expect(try store.verify().ok)
        }
    }

    @Test("objects larger than the reader's 1 MiB buffer: passed over by a seek in the check, read whole in the write")
    func largeObjects() throws {
        try withTemporaryDirectory { dir in
            var random = TestRandom(67)
            let objects = [random.bytes(2_500_000), random.bytes(10), random.bytes(1_048_577), random.bytes(3_000_000)]
            let source = try Store.open(at: dir + "/source", options: StoreOptions(autoTrainThreshold: nil))
            try source.write { writer in
                for object in objects {
                    try writer.appendBlock(
                        height: try writer.tipHeight().map { $0 + 1 } ?? 0,
                        hash: writer.put(.blob, object)
                    )
                }
            }
            try source.export(to: dir + "/stream")
            let target = try Store.open(at: dir + "/target", options: StoreOptions(autoTrainThreshold: nil))
            #expect(try target.checkImport(from: dir + "/stream").added == .init(objects: 4, entries: 4))
            try target.import(from: dir + "/stream")
            for object in objects { #expect(try target.get(Hash256.sha256(object)) == object) }
            #expect(try target.read { try $0.tipHeight() } == 3)
            #expect(try target.verify().ok)
        }
    }

    @Test("checkImport writes nothing, even to a read-only store, counts what an import would add, and refuses alike")
    func checkOnly() throws {
        try withTemporaryDirectory { dir in
            do {
                let store = try Store.open(at: dir + "/a", options: StoreOptions(autoTrainThreshold: nil))
                let planned = try store.checkImport(from: fixture)
                #expect(planned.added == .init(objects: planned.objects, entries: planned.entries, dictionaries: 0))
                #expect(try store.statistics().objects == 0, "nothing written")
                let done = try store.import(from: fixture)
                #expect(done.added == planned.added && done.objects == planned.objects)
            }
            let readOnly = try Store.open(at: dir + "/a", options: StoreOptions(readOnly: true))
            #expect(try readOnly.checkImport(from: fixture).added == .init(), "all there already")
            let other = try Store.open(at: dir + "/b", options: StoreOptions(autoTrainThreshold: nil))
            try other.write { try $0.appendBlock(height: 0, hash: try $0.put(.block, Array("ours".utf8))) }
            let error = #expect(throws: StoreError.self) { try other.checkImport(from: fixture) }
            #expect(error?.code == .conflict)
        }
    }

    @Test("an index entry the store holds with other bytes is a conflict, found before anything is written")
    func entryConflict() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/a", options: StoreOptions(autoTrainThreshold: nil))
            let ours = try store.put(.block, Array("our genesis".utf8))
            try store.write { try $0.appendBlock(height: 0, hash: ours) }
            let error = #expect(throws: StoreError.self) { try store.import(from: fixture) }
            #expect(error?.code == .conflict)
            #expect(error?.key == "0000000000000000", "names the blocks entry at height 0")
            #expect(error?.message.contains("empty data directory") == true, "says how to restore instead")
            #expect(try store.statistics().objects == 1, "not one of the stream's objects was written")
            #expect(try store.read { try $0.blockHash(at: 0) } == ours)
            #expect(try store.read { try $0.tipHeight() } == 0)
        }
    }

    @Test("a dictionary the store holds under the same id with other bytes is a conflict; its values stay readable")
    func dictionaryConflict() throws {
        try withTemporaryDirectory { dir in
            let source = try Store.open(at: dir + "/source", options: StoreOptions(autoTrainThreshold: 300))
            try source.write { _ = try $0.put(.message, contentsOf: dictionaryMessages("alpha", count: 400)) }
            let id = try #require(source.dictionaryList.first?.id)
            let dictionary = try #require(source.dictionary(id: id))
            try source.export(to: dir + "/stream")
            let target = try Store.open(at: dir + "/target", options: StoreOptions(autoTrainThreshold: nil))
            try target.import(from: dir + "/stream")
            let keys = dictionaryMessages("alpha", count: 400).map(Hash256.sha256)
            // The same stream with one byte of the dictionary's content changed: same id, other bytes.
            var body = Array(try readBytes(dir + "/stream").dropLast(32))
            #expect(body[2] == 0x01, "the stream opens with the dictionary record")
            let dictionaryEnd = try #require(
                (0..<body.count - 8).first { body[$0..<$0 + 8].elementsEqual(dictionary.suffix(8)) }
            )
            body[dictionaryEnd + 7] ^= 0x5A
            try write(checksummed(body), to: dir + "/altered")
            let error = #expect(throws: StoreError.self) { try target.import(from: dir + "/altered") }
            #expect(error?.code == .conflict)
            #expect(error?.message.contains("id \(id)") == true)
            #expect(target.dictionary(id: id) == dictionary)
            for key in keys { _ = try target.get(key) }
            #expect(try target.verify().ok)
        }
    }

    @Test("a stream's current dictionary does not displace the importing store's own")
    func currentDictionaryKept() throws {
        try withTemporaryDirectory { dir in
            let source = try Store.open(at: dir + "/source", options: StoreOptions(autoTrainThreshold: 300))
            try source.write { _ = try $0.put(.message, contentsOf: dictionaryMessages("alpha", count: 400)) }
            try source.export(to: dir + "/stream")
            let target = try Store.open(at: dir + "/target", options: StoreOptions(autoTrainThreshold: 300))
            try target.write { _ = try $0.put(.message, contentsOf: dictionaryMessages("omega-beta", count: 400)) }
            let own = try #require(target.dictionaryList.first)
            try target.import(from: dir + "/stream")
            #expect(target.dictionaryList.count == 2)
            #expect(target.dictionaryList.filter(\.current).map(\.id) == [own.id])
            // An empty store takes the stream's current dictionary as its own.
            let empty = try Store.open(at: dir + "/empty", options: StoreOptions(autoTrainThreshold: nil))
            try empty.import(from: dir + "/stream")
            #expect(empty.dictionaryList.filter(\.current).map(\.id) == source.dictionaryList.map(\.id))
        }
    }

    @Test("a malformed record anywhere, an entry of the wrong shape or out of order: refused, nothing written")
    func refusedBeforeWriting() throws {
        let objects = (0..<3000).map { Array("object \($0) ".utf8) + [UInt8](repeating: UInt8($0 % 7), count: 30) }
        let records = objects.map { objectRecord(.blob, $0) }
        let hash = Hash256.sha256(objects[0]).bytes
        let cases: [(String, [[UInt8]], String)] = [
            ("short blocks key", records + [entryRecord(1, [0, 0, 1], hash)], "key of 3 bytes, expected 8"),
            (
                "long history value", records + [entryRecord(4, hash + [0, 0, 0, 0, 0, 0, 0, 0], hash + [1])],
                "value of 33"
            ),
            (
                "checkpoint key that does not fit its miner id",
                records + [entryRecord(5, hash + [5, 1, 2], hash)], "expected 46"
            ),
            (
                "entries out of order",
                records + [
                    entryRecord(1, [0, 0, 0, 0, 0, 0, 0, 1], hash), entryRecord(1, [0, 0, 0, 0, 0, 0, 0, 0], hash),
                ],
                "out of order"
            ),
            ("unknown record type at the end", records + [[0x09]], "unknown record type 9"),
            (
                "an object after the entries",
                records + [entryRecord(1, [0, 0, 0, 0, 0, 0, 0, 0], hash), objectRecord(.blob, [1])],
                "entries come last"
            ),
        ]
        try withTemporaryDirectory { dir in
            for (index, (name, records, message)) in cases.enumerated() {
                try write(stream(records), to: dir + "/s\(index)")
                let store = try Store.open(at: dir + "/t\(index)")
                let error = #expect(throws: StoreError.self, "\(name)") { try store.import(from: dir + "/s\(index)") }
                #expect(error?.code == .corruptStream, "\(name)")
                #expect(error?.message.contains(message) == true, "\(name): \(error?.message ?? "")")
                #expect(try store.statistics().objects == 0, "\(name): nothing written")
            }
        }
    }

    @Test("the entries land in one transaction: a conflict found while writing them leaves none of them")
    func entriesAllOrNone() throws {
        try withTemporaryDirectory { dir in
            // 3,000 blocks entries, then 3,000 history entries: more than one group of records.
            let task = Hash256.sha256(Array("a task".utf8))
            let source = try Store.open(at: dir + "/source", options: StoreOptions(autoTrainThreshold: nil))
            try source.write { writer in
                let message = try writer.put(.message, Array("their message".utf8))
                for height in 0..<3000 {
                    try writer.appendBlock(height: UInt64(height), hash: message)
                    try writer.appendHistory(task: task, messageHash: message)
                }
            }
            try source.export(to: dir + "/stream")
            let store = try Store.open(at: dir + "/target", options: StoreOptions(autoTrainThreshold: nil))
            let ours = try store.put(.message, Array("our own first message".utf8))
            var wroteOurs = false
            // After the check pass found no conflict, and once the objects are written, another writer adds a
            // history entry the stream holds otherwise (the task's first message).
            let error = #expect(throws: StoreError.self) {
                try store.import(from: dir + "/stream") { progress in
                    guard progress.phase == "write", !wroteOurs else { return }
                    wroteOurs = true
                    _ = try? store.write { try $0.appendHistory(task: task, messageHash: ours) }
                }
            }
            #expect(wroteOurs)
            #expect(error?.code == .conflict)
            try store.read { view throws in
                #expect(try view.tipHeight() == nil, "the blocks entries, written before the conflict, are gone")
                #expect(try view.history(task: task, range: 0..<10) == [ours])
            }
            #expect(try store.statistics().objects == 2, "the stream's object landed")
            #expect(try store.verify().ok)
        }
    }

    @Test("verify names an index entry of the wrong shape; the chain tip read from it is an error, not a trap")
    func wrongShapeOnDisk() throws {
        try withTemporaryDirectory { dir in
            let block = try Store.open(at: dir).put(.block, Array("a block".utf8))
            let environment = try Environment(path: dir, databases: ["blocks"])
            try environment.write { try $0.put(environment.database("blocks"), [0, 1, 2], block.bytes) }
            let store = try Store.open(at: dir)
            let report = try store.verify()
            #expect(report.problems.map(\.key) == ["000102"])
            #expect(report.problems.first?.message.contains("key of 3 bytes, expected 8") == true)
            let error = #expect(throws: StoreError.self) { try store.read { try $0.tipHeight() } }
            #expect(error?.code == .corruptValue)
        }
    }

    @Test("altered fixture streams whose checksum holds: refused or imported, never a trap; the store stays whole")
    func fuzz() throws {
        let seeds = [
            try readBytes(fixture), try readBytes(packageRoot + "/Fixtures/store/export-v1.pouwexp"),
        ].map { Array($0.dropLast(32)) }
        let count = trialCount(150, long: 3000)
        var random = TestRandom(0x1_5EED)
        var refused = 0
        try withTemporaryDirectory { dir in
            for trial in 0..<count {
                var body = seeds[trial % seeds.count]
                for _ in 0...random.below(3) {
                    let at = random.below(body.count)
                    switch random.below(5) {
                    case 0: body[at] ^= UInt8(1 << random.below(8))
                    case 1: body[at] = UInt8(truncatingIfNeeded: random.next())
                    case 2: body.remove(at: at)
                    case 3: body.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
                    default: body.replaceSubrange(at..<min(body.count, at + 16), with: random.bytes(16))
                    }
                }
                let path = dir + "/stream"
                try write(checksummed(body), to: path)
                if try importAndCheck(path, into: dir + "/t\(trial)", trial: trial) { refused += 1 }
                try FileManager.default.removeItem(atPath: dir + "/t\(trial)")
            }
        }
        #expect(refused > count / 2, "most alterations are refused (\(refused) of \(count))")
    }

    /// Imports `path` into a new store at `directory`; checks that a refusal wrote nothing (but for a wrong object
    /// hash, found while writing) and that whatever landed reads back whole. Returns whether it was refused.
    private func importAndCheck(_ path: String, into directory: String, trial: Int) throws -> Bool {
        let store = try Store.open(at: directory, options: StoreOptions(autoTrainThreshold: nil))
        var refused = false
        do {
            try store.import(from: path)
        } catch let error as StoreError {
            refused = true
            if !error.message.contains("do not hash") {
                #expect(try store.statistics().objects == 0, "trial \(trial): \(error)")
            }
        }
        // Every object re-hashes; an entry may name an object the stream did not hold (verify reports it as
        // missing), but none breaks a reader.
        let report = try store.verify()
        #expect(
            report.problems.allSatisfy { $0.code == StoreError.Code.missingObject.rawValue },
            "trial \(trial): \(report.problems.prefix(3))"
        )
        _ = try store.read { try $0.tipHeight() }
        return refused
    }
}
