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

    @Test("the fixture export stream imports, every listed hash is present with its kind, and re-export is identical")
    func exportFixture() throws {
        let streamPath = packageRoot + "/Fixtures/store/export-v1.pouwexp"
        let listPath = packageRoot + "/Fixtures/store/expected-objects.txt"
        let stream = try [UInt8](Data(contentsOf: URL(fileURLWithPath: streamPath)))
        #expect(Array(stream.prefix(2)) == [RecordTag.storeExport.rawValue, 1], "tag and version byte")
        let lines = try String(contentsOfFile: listPath, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 30)
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/store", options: StoreOptions(autoTrainThreshold: nil))
            let report = try store.import(from: streamPath)
            #expect(report.objects == lines.count)
            var kinds = Set<ObjectKind>()
            for line in lines {
                let parts = line.split(separator: " ")
                let kind = try #require(ObjectKind(name: String(parts[0])))
                let hash = try #require(Hash256(hex: parts[1]))
                let bytes = try store.get(hash)
                #expect(Hash256.sha256(bytes) == hash)
                #expect(try store.kind(of: hash) == kind)
                kinds.insert(kind)
            }
            #expect(kinds == Set(ObjectKind.allCases), "the fixture holds every kind")
            #expect(try store.verify().ok)
            try store.read { view throws in
                #expect(try view.tipHeight() == 2)
                #expect(try view.historyCount(task: Hash256.sha256(Array("fixture task".utf8))) == 20)
                #expect(try view.state(Array("nonce/alice".utf8)) == [3])
            }
            try store.export(to: dir + "/again")
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/again"))) == stream)
        }
    }
}
