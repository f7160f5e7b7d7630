import Foundation
import PoUWCore
import PoUWStore
import Testing

/// Builds a small store with a mix of kinds and a trained message dictionary; returns message and blob keys.
func makeToolStore(_ dir: String) throws -> (message: Hash256, blob: Hash256, dense: Hash256) {
    let store = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: nil))
    var random = TestRandom(4)
    try store.write { batch in
        for i in 0..<400 {
            let message = try batch.put(
                .message,
                Array("IT_RES miner \(i % 7) iteration \(i) loss 0.\(i % 83)".utf8) + random.bytes(20)
            )
            try batch.appendHistory(task: .zero, messageHash: message)
        }
    }
    try store.trainDictionaries(kinds: [.message], minimumSamples: 100)
    let message = try store.put(.message, Array("IT_RES miner 3 iteration 9999 loss 0.5".utf8) + random.bytes(20))
    let blob = try store.put(.blob, compressible)
    let dense = try store.put(.denseTensor, sampleObjects()[4].1)
    try store.write { try $0.appendBlock(height: 0, hash: blob) }
    return (message, blob, dense)
}

@Suite("Stock tools and pouw-inspect")
struct ToolTests {
    @Test("mdb_stat -a and mdb_dump -a open a data directory the store wrote")
    func lmdbUtilities() throws {
        let mdbStat = try #require(systemTool("mdb_stat"), "lmdb-utils is installed by Tools/dev.sh")
        let mdbDump = try #require(systemTool("mdb_dump"))
        try withTemporaryDirectory { dir in
            _ = try makeToolStore(dir)
            let stat = try run(mdbStat, ["-a", dir])
            #expect(stat.status == 0, "\(stat.stderr)")
            let statText = String(decoding: stat.stdout, as: UTF8.self)
            for name in ["objects", "history", "blocks", "meta"] { #expect(statText.contains(name)) }
            let dump = try run(mdbDump, ["-a", dir])
            #expect(dump.status == 0, "\(dump.stderr)")
            #expect(String(decoding: dump.stdout, as: UTF8.self).contains("database=objects"))
        }
    }

    @Test("the stock zstd tool decodes stored frames, with the exported dictionary where one was used")
    func stockZstd() throws {
        let zstd = try #require(systemTool("zstd"), "zstd is installed by Tools/dev.sh")
        try withTemporaryDirectory { dir in
            let keys = try makeToolStore(dir + "/store")
            let store = try Store.open(at: dir + "/store", options: StoreOptions(readOnly: true))
            func frame(_ hash: Hash256) throws -> (ValueHeader, [UInt8]) {
                try store.read { view throws in
                    let header = try #require(try view.header(of: hash))
                    let value = try #require(try view.storedValue(hash))
                    return (header, Array(value.dropFirst(header.bytes.count)))
                }
            }
            let (blobHeader, blobFrame) = try frame(keys.blob)
            #expect(blobHeader.codec == .zstd)
            let plain = try run(zstd, ["-d", "-c", "-q"], stdin: Data(blobFrame))
            #expect(plain.status == 0, "\(plain.stderr)")
            #expect([UInt8](plain.stdout) == compressible)

            let (messageHeader, messageFrame) = try frame(keys.message)
            #expect(messageHeader.codec == .zstdDictionary)
            let dictionaryPath = dir + "/dictionary"
            try Data(try #require(store.dictionary(id: messageHeader.dictionaryID))).write(
                to: URL(fileURLWithPath: dictionaryPath)
            )
            let decoded = try run(zstd, ["-d", "-c", "-q", "-D", dictionaryPath], stdin: Data(messageFrame))
            #expect(decoded.status == 0, "\(decoded.stderr)")
            #expect([UInt8](decoded.stdout) == (try store.get(keys.message)))

            let (denseHeader, denseFrame) = try frame(keys.dense)
            #expect(denseHeader.codec == .shuffle4Zstd)
            let planes = try run(zstd, ["-d", "-c", "-q"], stdin: Data(denseFrame))
            #expect(planes.status == 0 && planes.stdout.count == denseHeader.rawLength, "the byte planes")
        }
    }

    @Test("pouw-inspect stats, verify, object, export, import, backup (text and --json)")
    func inspect() throws {
        let inspect = try #require(toolPath("pouw-inspect"), "build pouw-inspect first (Tools/dev.sh does)")
        try withTemporaryDirectory { dir in
            let data = dir + "/data"
            let keys = try makeToolStore(data)
            let stats = try run(inspect, ["--data-dir", data, "stats", "--json"])
            #expect(stats.status == 0, "\(stats.stderr)")
            let json = try JSONSerialization.jsonObject(with: stats.stdout) as? [String: Any]
            #expect((json?["kinds"] as? [Any])?.isEmpty == false)
            #expect(try run(inspect, ["--data-dir", data, "stats"]).status == 0)

            // This store's block entries are synthetic (not a chain): check the store alone here, and that the
            // chain part of a full `verify` reports them instead of passing or crashing.
            let verify = try run(inspect, ["--data-dir", data, "verify", "--no-chain", "--json"])
            #expect(verify.status == 0, "\(verify.stderr)")
            let withChain = try run(inspect, ["--data-dir", data, "verify", "--json"])
            #expect(withChain.status == 1 && String(decoding: withChain.stdout, as: UTF8.self).contains("\"chain\""))

            let raw = try run(inspect, ["--data-dir", data, "object", keys.blob.hex, "--raw"])
            #expect([UInt8](raw.stdout) == compressible)
            let object = try run(inspect, ["--data-dir", data, "object", keys.message.hex, "--json"])
            #expect(object.status == 0 && String(decoding: object.stdout, as: UTF8.self).contains("zstd+dict"))
            let missing = try run(inspect, ["--data-dir", data, "object", Hash256.zero.hex])
            #expect(missing.status != 0 && missing.stderr.contains("missingObject"))

            let export = try run(inspect, ["--data-dir", data, "export", dir + "/stream", "--json"])
            #expect(export.status == 0, "\(export.stderr)")
            let imported = try run(inspect, ["--data-dir", dir + "/copy", "import", dir + "/stream"])
            #expect(imported.status == 0, "\(imported.stderr)")
            let importedText = String(decoding: imported.stdout, as: UTF8.self)
            #expect(importedText.contains("imported ") && importedText.contains(" new)"), "\(importedText)")
            // Again: everything is skipped, and the JSON says so.
            let again = try run(inspect, ["--data-dir", dir + "/copy", "import", dir + "/stream", "--json"])
            #expect(again.status == 0, "\(again.stderr)")
            let added = try JSONSerialization.jsonObject(with: again.stdout) as? [String: Any]
            #expect(added?["added"] as? [String: Int] == ["objects": 0, "entries": 0, "dictionaries": 0])
            let check = try run(inspect, ["--data-dir", dir + "/copy", "import", dir + "/stream", "--check"])
            #expect(check.status == 0 && String(decoding: check.stdout, as: UTF8.self).hasPrefix("would import "))
            let backup = try run(inspect, ["--data-dir", data, "backup", dir + "/backup", "--json"])
            #expect(backup.status == 0, "\(backup.stderr)")
            for copy in [dir + "/copy", dir + "/backup"] {
                let store = try Store.open(at: copy, options: StoreOptions(readOnly: true))
                #expect(try store.get(keys.message).isEmpty == false)
                #expect(try store.verify().ok)
                #expect(try store.read { try $0.historyCount(task: .zero) } == 400)
            }

            // A damaged store: verify exits non-zero and names the key.
            try patchStoredValue(data, keys.blob) { value in
                var v = value
                v[v.count - 1] ^= 1
                return v
            }
            let bad = try run(inspect, ["--data-dir", data, "verify", "--no-chain"])
            #expect(bad.status != 0)
            #expect(String(decoding: bad.stdout, as: UTF8.self).contains(keys.blob.hex))
        }
    }

    @Test("backup while a writer keeps writing is consistent")
    func hotBackup() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/data", options: StoreOptions(durability: .fast))
            let writer = Thread {
                var random = TestRandom(8)
                for _ in 0..<300 { _ = try? store.put(.blob, random.bytes(2000)) }
            }
            writer.start()
            try store.backup(to: dir + "/backup")
            while !writer.isFinished { usleep(1000) }
            let copy = try Store.open(at: dir + "/backup", options: StoreOptions(readOnly: true))
            #expect(try copy.verify().ok)
        }
    }
}
