import Dispatch
import Foundation
import PoUWCore
import PoUWLMDB
import Testing

@testable import PoUWStore

@Suite("Store format upgrade")
struct FormatUpgradeTests {
    /// The databases of formats 1 and 2: objects' stored values sat in `objects` under their hashes.
    static let olderDatabases = [
        "objects", "blocks", "block_index", "tx_index", "history", "checkpoints", "datasets", "state", "undo", "meta",
    ]

    /// Writes `objects` with this build into `dir/current`, then lays the same stored values, counters and a
    /// history entry out in `dir/old` as format `version` (1 or 2) did, and returns the per-kind counts.
    func writeOlderStore(_ dir: String, version: UInt8, objects: [(ObjectKind, [UInt8])]) throws -> [String: [UInt64]] {
        let store = try Store.open(at: dir + "/current")
        try store.write { batch in for (kind, bytes) in objects { try batch.put(kind, bytes) } }
        let expected = try kindCounts(store)
        let values = try store.read { view in
            try objects.map { (Hash256.sha256($0.1), try #require(try view.storedValue(Hash256.sha256($0.1)))) }
        }
        let kinds = try store.statistics().kinds
        let counters = ObjectKind.allCases.compactMap { kind -> ([UInt8], [UInt8])? in
            guard let stats = kinds.first(where: { $0.kind == kind.description }) else { return nil }
            var bytes: [UInt8] = []
            for word in [stats.count, stats.rawBytes, stats.storedBytes] {
                bytes += withUnsafeBytes(of: word.littleEndian) { Array($0) }
            }
            return ([kind.rawValue], bytes)
        }
        try FileManager.default.createDirectory(atPath: dir + "/old", withIntermediateDirectories: true)
        let environment = try Environment(path: dir + "/old", databases: Self.olderDatabases)
        try environment.write { txn in
            for (hash, value) in values { try txn.put(environment.database("objects"), hash.bytes, value) }
            for (kind, bytes) in counters {
                if version == 1 {
                    try txn.put(environment.database("meta"), Array("stats/".utf8) + kind, bytes)
                } else {
                    try txn.put(environment.main, [0] + Array("stats/".utf8) + kind, bytes)
                }
            }
            let task = [UInt8](repeating: 7, count: 32)
            try txn.put(environment.database("history"), task + [UInt8](repeating: 0, count: 8), values[0].0.bytes)
            try txn.put(environment.database("meta"), Array("format".utf8), [version])
        }
        return expected
    }

    func kindCounts(_ store: Store) throws -> [String: [UInt64]] {
        Dictionary(
            uniqueKeysWithValues: try store.statistics().kinds.map {
                ($0.kind, [$0.count, $0.rawBytes, $0.storedBytes])
            }
        )
    }

    @Test(
        "a store of format 1 or 2 is refused read-only with the way to upgrade it, and upgraded in place when opened writable",
        arguments: [UInt8(1), 2]
    )
    func upgradeOlderFormat(version: UInt8) throws {
        try withTemporaryDirectory { dir in
            let objects = sampleObjects()
            let expected = try writeOlderStore(dir, version: version, objects: objects)
            #expect(!expected.isEmpty)
            let old = dir + "/old"
            #expect(try Store.storedFormatVersion(at: old) == version)

            let refusal = #expect(throws: StoreError.self) {
                try Store.open(at: old, options: StoreOptions(readOnly: true))
            }
            #expect(refusal?.code == .unknownFormatVersion)
            #expect(refusal?.message.contains("pouw-inspect --data-dir \(old) upgrade") == true)

            let store = try Store.open(at: old)
            #expect(try kindCounts(store) == expected, "the upgrade keeps the counters")
            for (_, bytes) in objects { #expect(try store.get(Hash256.sha256(bytes)) == bytes) }
            let task = try #require(Hash256(bytes: [UInt8](repeating: 7, count: 32)))
            #expect(try store.read { try $0.history(task: task, range: 0..<1) } == [Hash256.sha256(objects[0].1)])
            let extra = Array("one more blob after the upgrade".utf8)
            try store.put(.blob, extra)
            #expect(try kindCounts(store)["blob"]?[0] == (expected["blob"]?[0] ?? 0) + 1)
            #expect(try store.get(Hash256.sha256(extra)) == extra)
            let report = try store.verify()
            #expect(report.ok, "\(report.problems)")
            #expect(report.objectsChecked == objects.count + 1)
            let statistics = try store.statistics()
            #expect(statistics.collections.first { $0.name == "values" }?.entries == objects.count + 1)
            #expect(indexEntries(statistics) == objects.count + 1)
        }
    }

    @Test("pouw-inspect: read-only commands name `upgrade` for an older store; `upgrade` brings it to format 4 once")
    func inspectUpgrade() throws {
        let inspect = try #require(toolPath("pouw-inspect"), "build pouw-inspect first (Tools/dev.sh does)")
        try withTemporaryDirectory { dir in
            let objects = sampleObjects(3)
            _ = try writeOlderStore(dir, version: 2, objects: objects)
            let old = dir + "/old"
            let refused = try run(inspect, ["--data-dir", old, "stats"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("pouw-inspect --data-dir \(old) upgrade"), "\(refused.stderr)")

            let upgrade = try run(inspect, ["--data-dir", old, "upgrade", "--json"])
            #expect(upgrade.status == 0, "\(upgrade.stderr)")
            let report = try JSONSerialization.jsonObject(with: upgrade.stdout) as? [String: Any]
            #expect(report?["from"] as? Int == 2 && report?["to"] as? Int == 4 && report?["upgraded"] as? Bool == true)

            let verify = try run(inspect, ["--data-dir", old, "verify", "--no-chain", "--json"])
            #expect(verify.status == 0, "\(verify.stderr)")
            let again = try run(inspect, ["--data-dir", old, "upgrade"])
            #expect(again.status == 0 && String(decoding: again.stdout, as: UTF8.self).contains("nothing to do"))
            let none = try run(inspect, ["--data-dir", dir + "/nowhere", "upgrade"])
            #expect(none.status != 0 && none.stderr.contains("no store at"), "upgrade never creates a store")
        }
    }

    @Test("the upgrade is recorded: format 4 in meta, no format-1 counters left there")
    func upgradeRecordsFormat() throws {
        try withTemporaryDirectory { dir in
            _ = try writeOlderStore(dir, version: 1, objects: sampleObjects(2))
            _ = try Store.open(at: dir + "/old")
            #expect(try Store.storedFormatVersion(at: dir + "/old") == Store.formatVersion)
            let environment = try Environment(path: dir + "/old", databases: ["meta"], options: .init(readOnly: true))
            let legacy = try environment.read { txn in
                try ObjectKind.allCases.compactMap {
                    try txn.get(environment.database("meta"), Array("stats/".utf8) + [$0.rawValue])
                }
            }
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

@Suite("Object index: values log, merge mark, merges")
struct ObjectIndexTests {
    func entries(_ store: Store, _ name: String) throws -> Int {
        try store.statistics().collections.first { $0.name == name }?.entries ?? -1
    }

    @Test("a merge starts at the threshold and is spread over the next commits, `mergeStep` entries a new object")
    func mergesAtThreshold() throws {
        try withTemporaryDirectory { dir in
            var hashes: [Hash256] = []
            var blobs: [[UInt8]] = []
            // The rule, modelled: a merge of mark..<end starts when end − mark reaches the threshold (20 here, the
            // index staying under 160 entries), then each commit merges `mergeStep` entries per new object.
            var mark = 0
            var target: Int?
            var inRange = 0
            var sawMidMerge = false
            for round in 0..<30 {
                // Reopened every round: a merge under way is taken up again from what the store records.
                let store = try Store.open(
                    at: dir,
                    options: StoreOptions(autoTrainThreshold: nil, indexMergeThreshold: 20)
                )
                let batch = (0..<2).map { Array("blob \(round)-\($0)".utf8) }
                blobs += batch
                hashes += try store.write { try $0.put(.blob, contentsOf: batch) }
                if target == nil, blobs.count - mark >= 20 { target = blobs.count }
                if let end = target {
                    inRange = min(end - mark, inRange + StoreBatch.mergeStep * batch.count)
                    if inRange == end - mark {
                        mark = end
                        target = nil
                        inRange = 0
                    }
                }
                sawMidMerge = sawMidMerge || target != nil
                #expect(try entries(store, "objects") == mark + inRange, "round \(round)")
                #expect(try store.statistics().objectsUnmerged == blobs.count - mark - inRange)
                #expect(try entries(store, "values") == blobs.count)
                #expect(try store.read { try $0.objectCount() } == blobs.count)
                for (hash, bytes) in zip(hashes, blobs) { #expect(try store.get(hash) == bytes) }
                #expect(try store.verify().ok)
                // Each object exported once, merged or not, mid-merge too.
                let report = try store.export(to: dir + "/stream-\(round)")
                #expect(report.objects == blobs.count)
            }
            #expect(sawMidMerge && mark >= 40, "merges ran, some across commits")
            let store = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: nil, indexMergeThreshold: 20))
            // Storing known bytes again, merged or not, adds nothing.
            let again = try store.write { try $0.put(.blob, contentsOf: [blobs[0], blobs[50], blobs[50]]) }
            #expect(again == [hashes[0], hashes[50], hashes[50]])
            #expect(try entries(store, "values") == blobs.count)
            let report = try store.verify()
            #expect(report.ok && report.objectsChecked == blobs.count)
        }
    }

    @Test("a damaged meta/merging, or one that does not fit the values, is corruptValue and writes nothing")
    func damagedMergeProgress() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: nil, indexMergeThreshold: 8))
            try store.write { _ = try $0.put(.blob, contentsOf: (0..<4).map { [UInt8($0), 1, 2] }) }
            let damaged: [[UInt8]] = [
                [UInt8](repeating: 1, count: 47),
                MergeProgress(target: 1000, last: .zero, merged: 0).bytes,
                MergeProgress(target: 2, last: .zero, merged: 5).bytes,
                MergeProgress(target: .max, last: .zero, merged: 0).bytes,
            ]
            for (index, bytes) in damaged.enumerated() {
                try store.write { batch in _ = try batch.wtxn.put(batch.db.meta, Keys.mergingKey, bytes) }
                let error = #expect(throws: StoreError.self, "case \(index)") {
                    try store.write { _ = try $0.put(.blob, Array("new \(index)".utf8)) }
                }
                #expect(error?.code == .corruptValue, "case \(index)")
                #expect(try !store.contains(Hash256.sha256(Array("new \(index)".utf8))))
            }
        }
    }

    @Test("mid-merge: a reader's older snapshot, another process, export and verify all see each object once")
    func midMergeSnapshots() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: nil, indexMergeThreshold: 50))
            var all: [[UInt8]] = []
            for round in 0..<40 {
                let batch = (0..<7).map { Array("object \(round)-\($0)".utf8) + [UInt8(round), UInt8($0)] }
                all += batch
                try store.write { _ = try $0.put(.blob, contentsOf: batch) }
                let (count, keys) = try store.read { view in
                    var keys: [[UInt8]] = []
                    try view.forEachObjectKey(after: nil) { key, _ in
                        keys.append(key)
                        return true
                    }
                    return (try view.objectCount(), keys)
                }
                #expect(count == all.count && keys.count == all.count, "round \(round)")
                #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) }, "key order")
                #expect(Set(keys) == Set(all.map { Hash256.sha256($0).bytes }))
            }
            #expect(try store.verify().ok)
        }
    }

    @Test("the merge threshold grows with the index (an eighth of the merged objects) between its two bounds")
    func mergeThresholdGrows() throws {
        let options = StoreOptions(indexMergeThreshold: 20, indexMergeLimit: 60)
        #expect(StoreBatch.mergeThreshold(merged: 0, options: options) == 20)
        #expect(StoreBatch.mergeThreshold(merged: 200, options: options) == 25)
        #expect(StoreBatch.mergeThreshold(merged: 10_000, options: options) == 60)
        try withTemporaryDirectory { dir in
            let store = try Store.open(
                at: dir,
                options: StoreOptions(autoTrainThreshold: nil, indexMergeThreshold: 20, indexMergeLimit: 60)
            )
            // (objects entries, unmerged) before each commit that started a merge.
            var starts: [(merged: Int, unmerged: Int)] = []
            var merged = 0
            var unmerged = 0
            for round in 0..<150 {
                let wasMerging = try store.read { try $0.mergeProgress() } != nil
                let batch = (0..<5).map { Array("blob \(round)-\($0)".utf8) }
                try store.write { _ = try $0.put(.blob, contentsOf: batch) }
                let nowMerged = try entries(store, "objects")
                let nowUnmerged = try store.statistics().objectsUnmerged
                if nowMerged > merged && !wasMerging { starts.append((merged, unmerged)) }
                // A commit merges at most `mergeStep` entries per new object; the unmerged never pass the limit by a
                // batch.
                #expect(nowMerged - merged <= 5 * StoreBatch.mergeStep && nowUnmerged < 60 + 5)
                merged = nowMerged
                unmerged = nowUnmerged
            }
            for start in starts {
                let threshold = StoreBatch.mergeThreshold(merged: start.merged, options: store.options)
                #expect(start.unmerged < threshold && start.unmerged + 5 >= threshold, "\(start)")
            }
            #expect(starts.count > 3)
            #expect(starts.first.map { $0.unmerged + 5 } == 20 && starts.last.map { $0.unmerged + 5 } == 60)
            #expect(try store.verify().ok)
            #expect(try store.read { try $0.objectCount() } == 750)
        }
    }

    @Test("a batch reads its own new objects; an aborted batch leaves nothing behind, in the store or in the cache")
    func batchSeesItsOwn() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: nil, indexMergeThreshold: 4))
            struct Abort: Error {}
            let lost = Array("never committed".utf8)
            #expect(throws: Abort.self) {
                try store.write { batch in
                    let hash = try batch.put(.blob, lost)
                    #expect(try batch.get(hash) == lost && batch.contains(hash) && batch.objectCount() == 1)
                    throw Abort()
                }
            }
            #expect(try !store.contains(Hash256.sha256(lost)))
            let kept = (0..<5).map { Array("kept \($0)".utf8) }
            let hashes = try store.write { try $0.put(.blob, contentsOf: kept) }
            #expect(try !store.contains(Hash256.sha256(lost)))
            for (hash, bytes) in zip(hashes, kept) { #expect(try store.get(hash) == bytes) }
            #expect(try store.read { try $0.objectCount() } == 5)
        }
    }

    @Test("a reader whose snapshot predates a merge still finds the objects that were unmerged in it")
    func oldSnapshotAcrossMerge() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: nil, indexMergeThreshold: 6))
            let early = (0..<4).map { Array("early \($0)".utf8) }
            let earlyHashes = try store.write { try $0.put(.blob, contentsOf: early) }
            try store.read { view throws in
                // Another thread commits enough to merge while this snapshot stays open.
                let done = DispatchSemaphore(value: 0)
                let box = ErrorBox()
                Thread.detachNewThread {
                    do {
                        _ = try store.write { try $0.put(.blob, contentsOf: (0..<4).map { Array("late \($0)".utf8) }) }
                    } catch { box.error = "\(error)" }
                    done.signal()
                }
                done.wait()
                #expect(box.error == nil)
                #expect(try entries(store, "objects") == 8, "the merge committed")
                for (hash, bytes) in zip(earlyHashes, early) { #expect(try view.get(hash) == bytes) }
                #expect(try view.objectCount() == 4)
                #expect(try !view.contains(Hash256.sha256(Array("late 0".utf8))), "later objects are not in it")
            }
            #expect(try store.read { try $0.objectCount() } == 8)
        }
    }

    @Test("export lists objects in key order across objects and the unmerged values")
    func exportOrder() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(
                at: dir + "/a",
                options: StoreOptions(autoTrainThreshold: nil, indexMergeThreshold: 5)
            )
            let blobs = (0..<13).map { Array("ordered \($0)".utf8) }
            for blob in blobs { try store.put(.blob, blob) }
            try store.export(to: dir + "/stream")
            let copy = try Store.open(at: dir + "/b")
            try copy.import(from: dir + "/stream")
            try copy.export(to: dir + "/again")
            #expect(
                FileManager.default.contents(atPath: dir + "/stream")
                    == FileManager.default.contents(atPath: dir + "/again"),
                "the stream does not depend on where entries sit"
            )
            let report = try store.verify()
            #expect(report.ok && report.objectsChecked == blobs.count)
        }
    }

    @Test("another process reads objects this one has not merged, while it keeps writing")
    func otherProcessReads() throws {
        let inspect = try #require(toolPath("pouw-inspect"), "build pouw-inspect first (Tools/dev.sh does)")
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir, options: StoreOptions(autoTrainThreshold: nil, indexMergeThreshold: 10))
            let first = try store.put(.blob, compressible)
            let raw = try run(inspect, ["--data-dir", dir, "object", first.hex, "--raw"])
            #expect(raw.status == 0 && [UInt8](raw.stdout) == compressible, "\(raw.stderr)")
            try store.write { _ = try $0.put(.blob, contentsOf: (0..<12).map { Array("more \($0)".utf8) }) }
            let verify = try run(inspect, ["--data-dir", dir, "verify", "--no-chain", "--json"])
            #expect(verify.status == 0, "\(verify.stderr)")
            let json = try JSONSerialization.jsonObject(with: verify.stdout) as? [String: Any]
            #expect(
                (json?["store"] as? [String: Any])?["objectsChecked"] as? Int == 13,
                "\(String(decoding: verify.stdout, as: UTF8.self))"
            )
        }
    }

    @Test("verify names damaged index entries and values by their hash")
    func verifyFindsIndexDamage() throws {
        try withTemporaryDirectory { dir in
            let (first, second) = try {
                let store = try Store.open(
                    at: dir,
                    options: StoreOptions(autoTrainThreshold: nil, indexMergeThreshold: 2)
                )
                let first = try store.put(.blob, Array("first".utf8))
                let second = try store.put(.blob, Array("second".utf8))
                try store.put(.blob, Array("third, not merged".utf8))
                return (first, second)
            }()
            let environment = try Environment(path: dir, databases: ["objects", "values"])
            try environment.write { txn in
                try txn.put(environment.database("objects"), second.bytes, [1, 2, 3])
                try txn.put(environment.database("objects"), first.bytes, [0, 0, 0, 0, 0, 0, 0, 2])
                try txn.put(environment.database("values"), [0, 0, 0, 0, 0, 0, 0, 9], [1, 2, 3], flags: .append)
            }
            let store = try Store.open(at: dir)
            for hash in [first, second] {
                let error = #expect(throws: StoreError.self) { try store.get(hash) }
                #expect(error?.code == .corruptValue && error?.key == hash.hex)
            }
            let report = try store.verify()
            let named = Set(report.problems.map { "\($0.collection) \($0.key)" })
            #expect(
                named == [
                    "objects \(first.hex)", "objects \(second.hex)", "values \(first.hex)", "values \(second.hex)",
                    "values 0000000000000009",
                ],
                "\(report.problems)"
            )
        }
    }
}

/// An error message handed from a helper thread.
final class ErrorBox: @unchecked Sendable {
    var error: String?
}
