import Foundation
import PoUWLMDB
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Deterministic numbers for the page-check tests.
private struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

/// `data.mdb` as bytes, read and patched the way LMDB 0.9 lays it out (4 KiB pages, little-endian), to damage
/// chosen fields by hand.
private struct DataFile {
    var bytes: [UInt8]
    let pageSize = 4096

    init(_ dir: String) throws { bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/data.mdb"))) }

    func write(_ dir: String) throws {
        try? FileManager.default.removeItem(atPath: dir + "/lock.mdb")
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/data.mdb"))
    }

    var pageCount: Int { bytes.count / pageSize }

    func u16(_ page: Int, _ offset: Int) -> Int {
        let at = page * pageSize + offset
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    func u64(_ page: Int, _ offset: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[page * pageSize + offset + $1]) << (8 * UInt64($1)) }
    }

    mutating func set16(_ page: Int, _ offset: Int, _ value: Int) {
        bytes[page * pageSize + offset] = UInt8(value & 0xFF)
        bytes[page * pageSize + offset + 1] = UInt8(value >> 8 & 0xFF)
    }

    mutating func set64(_ page: Int, _ offset: Int, _ value: UInt64) {
        for i in 0..<8 { bytes[page * pageSize + offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    /// The meta page with the larger transaction id.
    var currentMeta: Int { u64(1, 144) > u64(0, 144) ? 1 : 0 }
    var lastPage: Int { Int(u64(currentMeta, 136)) }
    var mainRoot: Int { Int(u64(currentMeta, 128)) }
    var freeRoot: UInt64 { u64(currentMeta, 80) }
    func flags(_ page: Int) -> Int { u16(page, 10) }
    func nodeCount(_ page: Int) -> Int { (u16(page, 12) - 16) / 2 }
    func nodeOffset(_ page: Int, _ index: Int) -> Int { u16(page, 16 + 2 * index) }

    func key(_ page: Int, _ index: Int) -> [UInt8] {
        let node = page * pageSize + nodeOffset(page, index)
        let size = Int(bytes[node + 6]) | Int(bytes[node + 7]) << 8
        return Array(bytes[node + 8..<node + 8 + size])
    }

    /// The root page of the named database `name`, from the main database's leaf (a one-page main database).
    func root(of name: String) -> Int? {
        let main = mainRoot
        for index in 0..<nodeCount(main) where key(main, index) == Array(name.utf8) {
            return Int(u64(main, nodeOffset(main, index) + 8 + name.utf8.count + 40))
        }
        return nil
    }

    /// The child page of branch node `index`.
    func child(_ page: Int, _ index: Int) -> Int {
        let node = nodeOffset(page, index)
        return u16(page, node) | u16(page, node + 2) << 16 | u16(page, node + 4) << 32
    }

    mutating func setChild(_ page: Int, _ index: Int, _ child: Int) {
        let node = nodeOffset(page, index)
        set16(page, node, child & 0xFFFF)
        set16(page, node + 2, child >> 16 & 0xFFFF)
        set16(page, node + 4, child >> 32 & 0xFFFF)
    }
}

/// A compacted environment (every page in use): `keys` holds 3,000 small entries (a branch root over leaves),
/// `big` five values on overflow pages.
private func makeCompactEnvironment(_ dir: String) throws -> String {
    let source = dir + "/source"
    let compact = dir + "/compact"
    try FileManager.default.createDirectory(atPath: compact, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
    do {
        let env = try Environment(path: source, databases: ["keys", "big"])
        var random = Random(state: 11)
        try env.write { txn in
            for i in 0..<3000 { try txn.put(env.database("keys"), Array("key-\(100_000 + i)".utf8), random.bytes(60)) }
            for i in 0..<5 { try txn.put(env.database("big"), Array("big-\(i)".utf8), random.bytes(10_000 + i)) }
        }
        try env.copy(to: compact)
    }
    return compact
}

/// Opens `dir` read-only and checks every page.
private func check(_ dir: String) throws -> PageCheckReport {
    try Environment(path: dir, databases: ["keys", "big"], options: EnvironmentOptions(readOnly: true)).checkPages()
}

@Suite("Page check: data.mdb's structure, read without liblmdb")
struct PageCheckTests {
    @Test("an environment after many commits of puts, overwrites, deletes and drops, with readers holding snapshots")
    func undamagedAfterChurn() throws {
        try withDirectory { dir in
            let env = try Environment(path: dir, databases: ["small", "large", "log"])
            let small = env.database("small")
            let large = env.database("large")
            let log = env.database("log")
            var random = Random(state: 5)
            var sequence: UInt64 = 0
            var held: [Thread] = []
            let rounds = ProcessInfo.processInfo.environment["POUW_LONG_TESTS"] == "1" ? 1500 : 120
            for round in 0..<rounds {
                try env.write { txn in
                    for _ in 0..<(1 + random.below(200)) {
                        let key = Array("k\(random.below(3000))".utf8)
                        switch random.below(10) {
                        case 0..<5: try txn.put(small, key, random.bytes(1 + random.below(300)))
                        case 5..<7: try txn.delete(small, key)
                        case 7:
                            // A large value, then a smaller one in the same transaction (the run is reused).
                            try txn.put(large, key, random.bytes(5000 + random.below(30_000)))
                            if random.below(2) == 0 { try txn.put(large, key, random.bytes(4100 + random.below(900))) }
                        case 8: try txn.delete(large, key)
                        default:
                            try txn.put(log, be(sequence), random.bytes(random.below(2) == 0 ? 40 : 9000))
                            sequence += 1
                        }
                    }
                    if round % 37 == 36 { try txn.empty(log) }
                }
                if round % 100 == 50 {
                    // 1,800 pages freed by one commit: a free-list record on overflow pages.
                    try env.write { txn in
                        for _ in 0..<600 {
                            try txn.put(log, be(sequence), random.bytes(9000))
                            sequence += 1
                        }
                    }
                    try env.write { try $0.empty(log) }
                    let file = try DataFile(dir)
                    #expect(file.u64(file.currentMeta, 64) > 0, "the free list has overflow pages")
                    let report = try env.checkPages()
                    #expect(report.ok, "round \(round): \(report.problems)")
                }
                if round % 10 == 3 {
                    // A reader holding an older snapshot for a while: freed pages pile up in the free list.
                    let thread = Thread {
                        _ = try? env.read { _ in usleep(30_000) }
                    }
                    thread.start()
                    held.append(thread)
                }
                if round % 8 == 0 {
                    let report = try env.checkPages()
                    #expect(report.ok, "round \(round): \(report.problems)")
                    #expect(report.pagesChecked > 0)
                }
            }
            while held.contains(where: { !$0.isFinished }) { usleep(1000) }
            let report = try env.checkPages()
            #expect(report.ok, "\(report.problems)")
            let info = env.info()
            #expect(report.transactionID == info.lastTransactionID)
        }
    }

    @Test("checks run while another thread commits: every snapshot is whole")
    func concurrentWriter() throws {
        try withDirectory { dir in
            let env = try Environment(path: dir, databases: ["a"], options: EnvironmentOptions(durability: .fast))
            let a = env.database("a")
            let writer = Thread {
                var random = Random(state: 9)
                for _ in 0..<400 {
                    try? env.write { txn in
                        for _ in 0..<20 {
                            let key = Array("k\(random.below(5000))".utf8)
                            if random.below(4) == 0 {
                                try txn.delete(a, key)
                            } else {
                                try txn.put(a, key, random.bytes(random.below(3) == 0 ? 6000 : 100))
                            }
                        }
                    }
                }
            }
            writer.start()
            var checks = 0
            var snapshots = Set<Int>()
            while !writer.isFinished || checks == 0 {
                let report = try env.checkPages()
                #expect(report.ok, "\(report.problems)")
                snapshots.insert(report.transactionID)
                checks += 1
            }
            #expect(snapshots.count > 1, "the checks saw the writer's commits")
        }
    }

    @Test("a compacted environment passes; a page whose header names another page is reported")
    func wrongPageNumber() throws {
        try withDirectory { dir in
            let compact = try makeCompactEnvironment(dir)
            let pristine = try check(compact)
            #expect(pristine.ok, "\(pristine.problems)")
            var file = try DataFile(compact)
            #expect(pristine.pagesChecked == file.lastPage - 1, "every page but the metas is in use")
            let root = try #require(file.root(of: "keys"))
            #expect(file.flags(root) == 0x01, "a branch root")
            let leaf = file.child(root, 2)
            file.set64(leaf, 0, UInt64(leaf + 1))
            try file.write(compact)
            let report = try check(compact)
            #expect(report.problems.first?.page == leaf)
            #expect(report.problems.first?.database == "keys")
            #expect(report.problems.first?.message.contains("its header names page \(leaf + 1)") == true)
        }
    }

    @Test("a node offset past the page is reported, not followed")
    func nodeOffsetPastThePage() throws {
        try withDirectory { dir in
            let compact = try makeCompactEnvironment(dir)
            var file = try DataFile(compact)
            let root = try #require(file.root(of: "keys"))
            let leaf = file.child(root, 1)
            file.set16(leaf, 16 + 2 * 3, 4094)
            try file.write(compact)
            let report = try check(compact)
            #expect(report.problems.map(\.page) == [leaf])
            #expect(report.problems.first?.message.contains("node 3 starts at offset 4094") == true)
        }
    }

    @Test("a branch child beyond the last page, and one pointing back at its ancestor (a cycle)")
    func badChildren() throws {
        try withDirectory { dir in
            let compact = try makeCompactEnvironment(dir)
            let pristine = try DataFile(compact)
            let root = try #require(pristine.root(of: "keys"))
            var beyond = pristine
            beyond.setChild(root, 1, pristine.lastPage + 7)
            try beyond.write(compact)
            let far = try check(compact)
            #expect(far.problems.first?.page == root)
            #expect(far.problems.first?.message.contains("points at page \(pristine.lastPage + 7)") == true)
            var cycle = pristine
            cycle.setChild(root, 2, root)
            try cycle.write(compact)
            let looped = try check(compact)
            #expect(looped.problems.first?.page == root)
            #expect(looped.problems.first?.message.contains("already in use (a cycle or a shared page)") == true)
        }
    }

    @Test("an overflow run said to reach past the file, and a value larger than its run")
    func overflowRuns() throws {
        try withDirectory { dir in
            let compact = try makeCompactEnvironment(dir)
            let pristine = try DataFile(compact)
            let overflow = try #require((2..<pristine.pageCount).first { pristine.flags($0) == 0x04 })
            var long = pristine
            long.set16(overflow, 12, 0xFFFF)
            try long.write(compact)
            let report = try check(compact)
            #expect(report.problems.first?.page == overflow)
            #expect(report.problems.first?.database == "big")
            #expect(report.problems.first?.message.contains("reaches past the last page") == true)
            // The leaf's node says 64 KiB more than the run holds.
            var large = pristine
            let leaf = try #require(pristine.root(of: "big"))
            large.set16(leaf, pristine.nodeOffset(leaf, 0) + 2, 1)
            try large.write(compact)
            let sized = try check(compact)
            #expect(sized.problems.first?.message.contains("the overflow run holds 3") == true, "\(sized.problems)")
        }
    }

    @Test("a damaged main database is an error when the environment opens, not a crash inside liblmdb")
    func damagedMainAtOpen() throws {
        try withDirectory { dir in
            let compact = try makeCompactEnvironment(dir)
            let pristine = try DataFile(compact)
            let main = pristine.mainRoot
            for readOnly in [true, false] {
                var file = pristine
                // The node of "big" now starts 64 KiB away.
                file.set16(main, 16, 0xFFF0)
                try file.write(compact)
                let error = #expect(throws: LMDBError.self) {
                    try Environment(
                        path: compact,
                        databases: ["keys", "big"],
                        options: EnvironmentOptions(readOnly: readOnly)
                    )
                }
                #expect(error?.kind == .corrupted)
                #expect(error?.description.contains("page \(main) of (main)") == true, "\(String(describing: error))")
            }
            // A meta page giving a page size of 0 (liblmdb divides by it).
            var meta = pristine
            meta.set16(meta.currentMeta, 40, 0)
            try meta.write(compact)
            let error = #expect(throws: LMDBError.self) { try check(compact) }
            #expect(error?.kind == .corrupted)
        }
    }

    @Test("a free-list entry naming a page a tree uses")
    func freePageInUse() throws {
        try withDirectory { dir in
            do {
                let env = try Environment(path: dir, databases: ["a"])
                var random = Random(state: 3)
                for _ in 0..<5 {
                    try env.write { txn in
                        for i in 0..<200 { try txn.put(env.database("a"), Array("k\(i)".utf8), random.bytes(100)) }
                    }
                }
                #expect(try env.checkPages().ok)
            }
            var file = try DataFile(dir)
            let free = Int(file.freeRoot)
            #expect(file.flags(free) == 0x02, "a one-leaf free list")
            // The first record lists pages e1 > e2 > … > en: one of them becomes the main database's root, where it
            // keeps the list descending.
            let node = file.nodeOffset(free, 0) + 16
            let count = Int(file.u64(free, node))
            #expect(count > 1, "the record lists pages")
            let root = UInt64(file.mainRoot)
            let index = (1...count).first { file.u64(free, node + 8 * $0) < root } ?? count
            file.set64(free, node + 8 * index, root)
            try file.write(dir)
            let report = try Environment(path: dir, databases: ["a"], options: EnvironmentOptions(readOnly: true))
                .checkPages()
            #expect(report.problems.map(\.page) == [free], "\(report.problems)")
            #expect(report.problems.first?.database == "(free)")
            #expect(report.problems.first?.message.contains("names page \(root), which a tree uses") == true)
        }
    }

    @Test("the report is capped; the cap says so")
    func cappedReport() throws {
        try withDirectory { dir in
            let compact = try makeCompactEnvironment(dir)
            var file = try DataFile(compact)
            let root = try #require(file.root(of: "keys"))
            for index in 0..<file.nodeCount(root) { file.set64(file.child(root, index), 0, 1) }
            try file.write(compact)
            let env = try Environment(path: compact, databases: ["keys"], options: EnvironmentOptions(readOnly: true))
            let report = try env.checkPages(limit: 5)
            #expect(report.problems.count == 5)
            #expect(report.truncated)
        }
    }
}
