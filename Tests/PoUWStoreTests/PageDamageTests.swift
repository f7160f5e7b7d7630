import Foundation
import PoUWStore
import Testing

/// The fixture store (`Fixtures/store/export-v2.pouwexp` imported into a new store: 31 pages) at `path`; its
/// `data.mdb`.
private func makeFixtureStore(_ path: String) throws -> [UInt8] {
    do {
        let store = try Store.open(at: path, options: StoreOptions(autoTrainThreshold: nil))
        try store.import(from: packageRoot + "/Fixtures/store/export-v2.pouwexp")
    }
    return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")))
}

private func writeStore(_ bytes: [UInt8], to dir: String) throws {
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: dir + "/data.mdb"))
}

@Suite("Damaged B-tree pages: verify reports them and never dies inside liblmdb")
struct PageDamageTests {
    /// Each trial overwrites one random byte of a random page of the fixture store (31 pages) and runs
    /// `pouw-inspect verify --json` on it: `reach` 64 damages headers and first node offsets, 4096 anywhere.
    @Test(
        "a random byte of a random page: `verify --json` is never killed by a signal, exits non-zero on damage",
        arguments: [64, 4096]
    )
    func randomPageDamage(reach: Int) throws {
        let inspect = try #require(toolPath("pouw-inspect"), "build pouw-inspect first (Tools/dev.sh does)")
        try withTemporaryDirectory { dir in
            let file = try makeFixtureStore(dir + "/pristine")
            let pageSize = 4096
            let pages = file.count / pageSize
            var random = TestRandom(reach == 64 ? 2027 : 2028)
            var outcomes: [String: Int] = [:]
            let trials = trialCount(40, long: 1000)
            for trial in 0..<trials {
                let page = random.below(pages)
                let offset = random.below(reach)
                var damaged = file
                damaged[page * pageSize + offset] ^= UInt8(1 + random.below(255))
                let trialDir = dir + "/trial"
                try writeStore(damaged, to: trialDir)
                let child = try run(inspect, ["--data-dir", trialDir, "verify", "--json"])
                let place = "trial \(trial): byte \(offset) of page \(page)"
                guard child.reason == .exit else {
                    Issue.record("\(place): pouw-inspect verify was killed by signal \(child.status)")
                    outcomes["signal", default: 0] += 1
                    continue
                }
                let json = try? JSONSerialization.jsonObject(with: child.stdout) as? [String: Any]
                let problems = ((json?["store"] as? [String: Any])?["problems"] as? [[String: Any]]) ?? []
                if json == nil {
                    // Refused at open: named as damage, with a non-zero exit.
                    #expect(child.status != 0, "\(place)")
                    #expect(
                        child.stderr.contains("corruptValue") || child.stderr.contains("unknownFormatVersion"),
                        "\(place): \(child.stderr)"
                    )
                    outcomes["refused at open", default: 0] += 1
                } else if !problems.isEmpty {
                    #expect(child.status != 0, "\(place): damage reported with exit status 0")
                    outcomes[
                        problems.contains { $0["page"] != nil } ? "damaged pages reported" : "damaged values reported",
                        default: 0
                    ] += 1
                } else {
                    outcomes["no visible harm", default: 0] += 1
                }
            }
            let figures = outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print(
                "page damage within the first \(reach) bytes, \(trials) trials on \(pages) pages: \(figures)"
            )
            #expect(outcomes["signal"] == nil)
        }
    }

    @Test("a damaged page of `meta` (read at open, before verify can run) is refused at open, named")
    func damagedMetaLeaf() throws {
        try withTemporaryDirectory { dir in
            var file = try makeFixtureStore(dir + "/pristine")
            func u16(_ at: Int) -> Int { Int(file[at]) | Int(file[at + 1]) << 8 }
            // Every leaf holding the key "format" (the `meta` database's, live or an older copy) now names another
            // page in its header.
            var damaged: [Int] = []
            for page in 2..<file.count / 4096 where u16(page * 4096 + 10) == 0x02 {
                let base = page * 4096
                let nodes = (u16(base + 12) - 16) / 2
                let holdsFormat = (0..<max(nodes, 0)).contains { index in
                    let node = base + u16(base + 16 + 2 * index)
                    return node + 14 <= base + 4096 && u16(node + 6) == 6
                        && Array(file[node + 8..<node + 14]) == Array("format".utf8)
                }
                guard holdsFormat else { continue }
                file[base + 2] ^= 1
                damaged.append(page)
            }
            #expect(!damaged.isEmpty)
            try writeStore(file, to: dir + "/damaged")
            for readOnly in [true, false] {
                let error = #expect(throws: StoreError.self) {
                    try Store.open(at: dir + "/damaged", options: StoreOptions(readOnly: readOnly))
                }
                #expect(error?.code == .corruptValue, "\(String(describing: error))")
                #expect(
                    error?.message.contains("of meta: its header names page") == true,
                    "\(String(describing: error))"
                )
            }
            #expect(throws: StoreError.self) { try Store.storedFormatVersion(at: dir + "/damaged") }
        }
    }

    @Test("damaged leaf pages of `values`: verify names each page and its database, and reads no entry")
    func damagedValuesLeaves() throws {
        try withTemporaryDirectory { dir in
            var file = try makeFixtureStore(dir + "/pristine")
            func u16(_ at: Int) -> Int { Int(file[at]) | Int(file[at + 1]) << 8 }
            // Every leaf whose first key is 40 bytes starting with a small sequence number (sequence ‖ hash:
            // `values`), live or an older copy, now names another page in its header.
            var damaged: [Int] = []
            for page in 2..<file.count / 4096 where u16(page * 4096 + 10) == 0x02 {
                let node = page * 4096 + u16(page * 4096 + 16)
                guard u16(page * 4096 + 12) > 16, node + 14 <= file.count, u16(node + 6) == 40,
                    file[node + 8..<node + 14].allSatisfy({ $0 == 0 })
                else { continue }
                file[page * 4096 + 2] ^= 1
                damaged.append(page)
            }
            #expect(!damaged.isEmpty)
            try writeStore(file, to: dir + "/damaged")
            let store = try Store.open(at: dir + "/damaged", options: StoreOptions(readOnly: true))
            let report = try store.verify()
            #expect(!report.problems.isEmpty && report.pagesDamaged)
            #expect(report.objectsChecked == 0 && report.indexEntriesChecked == 0, "no entry read through the damage")
            for problem in report.problems {
                #expect(problem.collection == "values" && problem.key.isEmpty)
                #expect(damaged.contains(problem.page ?? -1), "\(problem)")
                #expect(problem.message.contains("its header names page"), "\(problem)")
            }
            if let inspect = toolPath("pouw-inspect") {
                let child = try run(inspect, ["--data-dir", dir + "/damaged", "verify", "--json"])
                #expect(child.reason == .exit && child.status == 1)
                let json = try JSONSerialization.jsonObject(with: child.stdout) as? [String: Any]
                #expect(json?["chain"] == nil, "no chain read from a damaged file")
                let problems = (json?["store"] as? [String: Any])?["problems"] as? [[String: Any]]
                #expect(problems?.first?["page"] as? Int == report.problems.first?.page)
            }
        }
    }
}
