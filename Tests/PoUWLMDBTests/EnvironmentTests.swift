import Foundation
import PoUWLMDB
import Testing

func withDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let path = NSTemporaryDirectory() + "pouw-lmdb-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

func be(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

@Suite("LMDB wrapper")
struct EnvironmentTests {
    @Test("named databases, put/get/delete, cursors in both directions")
    func basics() throws {
        try withDirectory { dir in
            let env = try Environment(path: dir, databases: ["a", "log"])
            let a = env.database("a")
            let log = env.database("log")
            try env.write { txn throws in
                try txn.put(a, [1], [10])
                try txn.put(a, [2], [20])
                #expect(try txn.put(a, [2], [99], flags: .noOverwrite) == false)
                for i in 0..<100 as Range<UInt64> { try txn.put(log, be(i), [UInt8(i)], flags: .append) }
            }
            try env.read { txn throws in
                #expect(try txn.get(a, [2]) == [20])
                #expect(try txn.get(a, [3]) == nil)
                #expect(try txn.count(log) == 100)
                #expect(try txn.last(log)?.key == be(99))
                var seen: [UInt8] = []
                try txn.forEach(log, from: be(95)) { _, value in
                    seen.append(value.withUnsafeBytes { $0[0] })
                    return true
                }
                #expect(seen == [95, 96, 97, 98, 99])
                seen = []
                try txn.forEach(log, from: be(3) + [0], reverse: true) { _, value in
                    seen.append(value.withUnsafeBytes { $0[0] })
                    return seen.count < 3
                }
                #expect(seen == [3, 2, 1])
            }
            // MDB_APPEND with a key that does not sort last is refused.
            #expect(throws: LMDBError.self) { try env.write { try $0.put(log, be(5), [0], flags: .append) } }
            let removed = try env.write { try $0.deleteAll(log, from: be(50)) }
            #expect(removed == 50)
            #expect(try env.read { try $0.count(log) } == 50)
            #expect(try env.write { try $0.delete(a, [1]) })
            #expect(try env.write { try $0.delete(a, [1]) } == false)
        }
    }

    @Test("map grows on demand: a transaction larger than the whole map still commits")
    func growth() throws {
        try withDirectory { dir in
            let env = try Environment(
                path: dir,
                databases: ["big"],
                options: EnvironmentOptions(initialMapSize: 1 << 20)
            )
            let big = env.database("big")
            let value = [UInt8](repeating: 3, count: 64 << 10)
            try env.write { txn in
                for i in 0..<100 as Range<UInt64> { try txn.put(big, be(i), value) }
            }
            #expect(env.info().mapSize > 6 << 20)
            #expect(try env.read { try $0.count(big) } == 100)
        }
    }

    @Test("read-only environments refuse writes with permissionDenied; copies are consistent")
    func readOnlyAndCopy() throws {
        try withDirectory { dir in
            do {
                let env = try Environment(path: dir, databases: ["a"])
                try env.write { try $0.put(env.database("a"), [1], [2]) }
                try FileManager.default.createDirectory(atPath: dir + "/copy", withIntermediateDirectories: true)
                try env.copy(to: dir + "/copy")
            }
            let reader = try Environment(path: dir, databases: ["a"], options: EnvironmentOptions(readOnly: true))
            let error = #expect(throws: LMDBError.self) {
                try reader.write { try $0.put(reader.database("a"), [3], [4]) }
            }
            #expect(error?.kind == .permissionDenied)
            let copy = try Environment(
                path: dir + "/copy",
                databases: ["a"],
                options: EnvironmentOptions(readOnly: true)
            )
            #expect(try copy.read { try $0.get(copy.database("a"), [1]) } == [2])
        }
    }
}
