import Foundation
import PoUWCore
import PoUWStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Record i of `pouw-bench append-loop` (see BenchAppendLoopCommand.swift): "append-loop record i" and
/// 200 + (i·97 mod 2800) bytes, byte j = (i·31 + j·7) mod 256.
func appendLoopRecord(_ i: UInt64) -> [UInt8] {
    let padding = 200 + Int(i &* 97 % 2800)
    return Array("append-loop record \(i)".utf8)
        + (0..<padding).map { UInt8(truncatingIfNeeded: i &* 31 &+ UInt64($0) &* 7) }
}

@Suite("Crash safety")
struct CrashTests {
    @Test("SIGKILL at random moments: the store opens, verifies, and holds every acknowledged append")
    func killDuringAppends() throws {
        let bench = try #require(toolPath("pouw-bench"), "build pouw-bench first (Tools/dev.sh does)")
        let trials = trialCount(50, long: 1000)
        let task = Hash256.sha256(Array("append-loop".utf8))
        try withTemporaryDirectory { dir in
            let data = dir + "/data"
            let ack = dir + "/ack"
            var random = TestRandom(31)
            var checked = 0
            var maxAcked: Int = -1
            for trial in 0..<trials {
                let process = try runChild(
                    bench,
                    ["append-loop", "--data-dir", data, "--ack", ack],
                    killAfter: UInt32(30_000 + random.below(170_000))
                )
                #expect(
                    process.terminationReason == .uncaughtSignal,
                    "trial \(trial): the child was killed, not finished"
                )

                let text = (try? String(contentsOfFile: ack, encoding: .utf8)) ?? ""
                let acknowledged = text.split(separator: "\n", omittingEmptySubsequences: true).filter { _ in true }
                let complete = text.hasSuffix("\n") ? acknowledged : acknowledged.dropLast()
                let numbers = complete.compactMap { UInt64($0) }
                let store = try Store.open(at: data)
                let count = try store.read { try $0.historyCount(task: task) }
                if let last = numbers.last {
                    #expect(last < count, "trial \(trial): acknowledged \(last) but history holds \(count)")
                    maxAcked = max(maxAcked, Int(last))
                }
                #expect(numbers.count == Set(numbers).count, "each sequence number acknowledged once")
                // Every acknowledged append since the last trial is present, with its exact bytes.
                let fresh = numbers.filter { Int($0) >= checked }
                let hashes = try store.read { try $0.history(task: task, range: 0..<count) }
                for i in fresh {
                    let expected = appendLoopRecord(i)
                    #expect(hashes[Int(i)] == Hash256.sha256(expected))
                    #expect(try store.get(hashes[Int(i)]) == expected)
                }
                checked = Int(count)
                let report = try store.verify()
                #expect(report.ok, "trial \(trial): \(report.problems.prefix(3))")
            }
            #expect(maxAcked > 0, "the child made progress")
        }
    }
}

@Suite("Another process grows the map")
struct ForeignGrowthTests {
    @Test("a reader keeps working after a writer in another process grew the map (MDB_MAP_RESIZED)")
    func readerAdoptsLargerMap() throws {
        let bench = try #require(toolPath("pouw-bench"), "build pouw-bench first (Tools/dev.sh does)")
        let task = Hash256.sha256(Array("append-loop".utf8))
        try withTemporaryDirectory { dir in
            let data = dir + "/data"
            let first = try run(bench, ["append-loop", "--data-dir", data, "--ack", dir + "/ack", "--count", "3"])
            #expect(first.status == 0, "\(first.stderr)")
            let reader = try Store.open(at: data, options: StoreOptions(initialMapSize: 256 << 10, readOnly: true))
            let before = try reader.statistics().mapSize
            #expect(try reader.read { try $0.historyCount(task: task) } == 3)
            let second = try run(bench, ["append-loop", "--data-dir", data, "--ack", dir + "/ack", "--count", "600"])
            #expect(second.status == 0, "\(second.stderr)")
            let count = try reader.read { try $0.historyCount(task: task) }
            #expect(count == 603)
            let last = try reader.read { try $0.history(task: task, range: 602..<603) }
            #expect(try reader.get(last[0]) == appendLoopRecord(602))
            #expect(try reader.statistics().mapSize > before)
            #expect(try reader.verify().ok)
        }
    }
}

@Suite("Crash safety of an import")
struct ImportCrashTests {
    @Test(
        "SIGKILL during pouw-inspect import: the store verifies, holds none or all of the entries, and a rerun completes"
    )
    func killDuringImport() throws {
        let inspect = try #require(toolPath("pouw-inspect"), "build pouw-inspect first (Tools/dev.sh does)")
        let trials = trialCount(12, long: 200)
        let task = Hash256.sha256(Array("import crash".utf8))
        try withTemporaryDirectory { dir in
            // A stream of 12 MB of incompressible objects and 6,000 index entries (more than one group of each).
            let stream = dir + "/stream"
            do {
                let source = try Store.open(at: dir + "/source", options: StoreOptions(autoTrainThreshold: nil))
                var random = TestRandom(59)
                try source.write { writer in
                    for height in 0..<3000 {
                        let hash = try writer.put(.blob, random.bytes(4096))
                        try writer.appendBlock(height: UInt64(height), hash: hash)
                        try writer.appendHistory(task: task, messageHash: hash)
                    }
                }
                try source.export(to: stream)
            }
            func runImport(into data: String, killAfter microseconds: UInt32?) throws -> Double {
                let start = Date()
                try runChild(inspect, ["--data-dir", data, "import", stream], killAfter: microseconds)
                return Date().timeIntervalSince(start)
            }
            // One import to the end gives the span to kill within.
            let span = try runImport(into: dir + "/whole", killAfter: nil)
            var random = TestRandom(61)
            var outcomes: Set<String> = []
            for trial in 0..<trials {
                let data = dir + "/t\(trial)"
                _ = try runImport(into: data, killAfter: UInt32(span * 1e6 * Double(random.below(1000)) / 1000))
                guard FileManager.default.fileExists(atPath: data + "/data.mdb") else {
                    outcomes.insert("killed before the store existed")
                    continue
                }
                do {
                    let store = try Store.open(at: data, options: StoreOptions(autoTrainThreshold: nil))
                    let report = try store.verify()
                    #expect(report.ok, "trial \(trial): \(report.problems.prefix(3))")
                    let (tip, history) = try store.read { view in
                        (try view.tipHeight(), try view.historyCount(task: task))
                    }
                    #expect(
                        (tip == nil && history == 0) || (tip == 2999 && history == 3000),
                        "trial \(trial): the entries landed in part (tip \(String(describing: tip)), history \(history))"
                    )
                    outcomes.insert(tip == nil ? "no entries" : "every entry")
                    try store.import(from: stream)
                    #expect(try store.read { try $0.tipHeight() } == 2999)
                    #expect(try store.verify().ok)
                }
                try FileManager.default.removeItem(atPath: data)
            }
            #expect(outcomes.contains("no entries"), "some kills landed before the entries: \(outcomes)")
        }
    }
}
