import Foundation
import PoUWCore
import PoUWStore
import Testing

@Suite("Golden formats")
struct FixtureTests {
    @Test("value header bytes are pinned")
    func valueHeader() {
        #expect(
            ValueHeader(kind: .message, codec: .zstdDictionary, rawLength: 500, dictionaryID: 0x12345).bytes
                == [0x01, 0x04, 0x02, 0xF4, 0x03, 0xC5, 0xC6, 0x04, 0x4A]
        )
        #expect(ValueHeader(kind: .blob, codec: .raw, rawLength: 3).bytes == [0x01, 0x09, 0x00, 0x03, 0x00, 0xFB])
    }

    @Test("a raw stored value is pinned byte for byte")
    func rawValue() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            let hash = try store.put(.blob, [1, 2, 3])
            #expect(hash.hex == "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81")
            #expect(try store.read { try $0.storedValue(hash) } == [0x01, 0x09, 0x00, 0x03, 0x00, 0xFB, 1, 2, 3])
        }
    }

    /// Imports the fixture stream `name` into a fresh store under `dir`, checks every object its list names
    /// (hash, kind), that every kind and collection is there, and `verify`; returns the store and the listed keys.
    func importFixture(_ name: String, list: String, into dir: String) throws -> (Store, [Hash256], [UInt8]) {
        let streamPath = packageRoot + "/Fixtures/store/" + name
        let stream = try [UInt8](Data(contentsOf: URL(fileURLWithPath: streamPath)))
        let lines = try String(contentsOfFile: packageRoot + "/Fixtures/store/" + list, encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count >= 30)
        let store = try Store.open(at: dir + "/store", options: StoreOptions(autoTrainThreshold: nil))
        let report = try store.import(from: streamPath)
        #expect(report.objects == lines.count)
        var kinds = Set<ObjectKind>()
        var keys: [Hash256] = []
        for line in lines {
            let parts = line.split(separator: " ")
            let kind = try #require(ObjectKind(name: String(parts[0])))
            let hash = try #require(Hash256(hex: parts[1]))
            let bytes = try store.get(hash)
            #expect(Hash256.sha256(bytes) == hash)
            #expect(try store.kind(of: hash) == kind)
            kinds.insert(kind)
            keys.append(hash)
        }
        #expect(kinds == Set(ObjectKind.allCases), "the fixture holds every kind")
        #expect(try store.verify().ok)
        try store.read { view throws in
            #expect(try view.tipHeight() == 2)
            #expect(try view.historyCount(task: Hash256.sha256(Array("fixture task".utf8))) == 20)
            #expect(try view.state(Array("nonce/alice".utf8)) == [3])
        }
        return (store, keys, stream)
    }

    @Test("the version-2 fixture stream imports with every object stored as exported, and re-export is identical")
    func exportFixture() throws {
        try withTemporaryDirectory { dir in
            let (store, keys, stream) = try importFixture(
                "export-v2.pouwexp",
                list: "expected-objects-v2.txt",
                into: dir
            )
            #expect(Array(stream.prefix(2)) == [RecordTag.storeExport.rawValue, 2], "tag and version byte")
            // Three messages were stored with their update words delta coded; the stream says so and the import
            // stores them that way again.
            let sectioned = try store.read { view in
                try keys.filter { try view.header(of: $0)?.codec == .sparseSectionZstd }
            }
            #expect(sectioned.count == 3)
            try store.export(to: dir + "/again")
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/again"))) == stream)
        }
    }

    @Test("the version-1 fixture stream (written before version 2) still imports; a version-2 round trip keeps values")
    func exportFixtureVersion1() throws {
        try withTemporaryDirectory { dir in
            let (store, keys, stream) = try importFixture("export-v1.pouwexp", list: "expected-objects.txt", into: dir)
            #expect(Array(stream.prefix(2)) == [RecordTag.storeExport.rawValue, 1], "tag and version byte")
            // Exported as version 2 and imported again, every object is stored byte for byte as before (raw values
            // stay raw).
            try store.export(to: dir + "/again")
            let again = try Store.open(at: dir + "/again-store", options: StoreOptions(autoTrainThreshold: nil))
            try again.import(from: dir + "/again")
            for key in keys {
                #expect(try again.read { try $0.storedValue(key) } == store.read { try $0.storedValue(key) })
            }
            #expect(
                try store.read { try $0.header(of: keys[keys.count - 1])?.codec } == .raw,
                "the fixture's last blob"
            )
        }
    }
}
