import Foundation
import PoUWCore
import PoUWLMDB
import PoUWStore
import Testing

@Suite("Store format upgrade")
struct FormatUpgradeTests {
    /// Turns a store written by this build back into format 1: counters under `stats/<kind>` in `meta`, none in
    /// the main database, `format` = 1.
    func downgradeToVersion1(_ dir: String) throws {
        let environment = try Environment(path: dir, databases: ["meta"])
        let meta = environment.database("meta")
        try environment.write { txn in
            for kind in ObjectKind.allCases {
                let key = [0] + Array("stats/".utf8) + [kind.rawValue]
                guard let counters = try txn.get(environment.main, key) else { continue }
                try txn.put(meta, Array("stats/".utf8) + [kind.rawValue], counters)
                try txn.delete(environment.main, key)
            }
            try txn.put(meta, Array("format".utf8), [1])
        }
    }

    func kindCounts(_ store: Store) throws -> [String: [UInt64]] {
        Dictionary(
            uniqueKeysWithValues: try store.statistics().kinds.map {
                ($0.kind, [$0.count, $0.rawBytes, $0.storedBytes])
            }
        )
    }

    @Test("a format-1 store reads its counters read-only, and is upgraded to format 2 when opened writable")
    func upgradeFromVersion1() throws {
        try withTemporaryDirectory { dir in
            let objects = sampleObjects()
            let expected = try {
                let store = try Store.open(at: dir)
                try store.write { batch in for (kind, bytes) in objects { try batch.put(kind, bytes) } }
                return try kindCounts(store)
            }()
            #expect(!expected.isEmpty)
            try downgradeToVersion1(dir)

            let readOnly = try Store.open(at: dir, options: StoreOptions(readOnly: true))
            #expect(try kindCounts(readOnly) == expected, "format 1 counters are read from meta")

            let store = try Store.open(at: dir)
            #expect(try kindCounts(store) == expected, "the upgrade keeps the counters")
            let extra = Array("one more blob after the upgrade".utf8)
            try store.put(.blob, extra)
            let counts = try kindCounts(store)
            #expect(counts["blob"]?[0] == (expected["blob"]?[0] ?? 0) + 1)
            #expect(try store.verify().ok)
            for (_, bytes) in objects { #expect(try store.get(Hash256.sha256(bytes)) == bytes) }

            let environment = try Environment(path: dir, databases: ["meta"], options: .init(readOnly: true))
            let meta = environment.database("meta")
            let (format, legacy) = try environment.read { txn in
                (
                    try txn.get(meta, Array("format".utf8)),
                    try ObjectKind.allCases.compactMap { try txn.get(meta, Array("stats/".utf8) + [$0.rawValue]) }
                )
            }
            #expect(format == [Store.formatVersion])
            #expect(legacy.isEmpty, "the format-1 counters are gone from meta")
        }
    }

    @Test("a compacting backup keeps the per-kind counters (they live in the main database)")
    func backupKeepsCounters() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir + "/source")
            try store.write { batch in for (kind, bytes) in sampleObjects(3) { try batch.put(kind, bytes) } }
            try store.backup(to: dir + "/copy")
            let copy = try Store.open(at: dir + "/copy", options: StoreOptions(readOnly: true))
            #expect(try kindCounts(copy) == kindCounts(store))
            #expect(try !kindCounts(copy).isEmpty)
        }
    }
}
