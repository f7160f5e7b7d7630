import Foundation
import PoUWCore
import PoUWStore
import Testing

@Suite("Bit rot in data.mdb")
struct BitRotTests {
    @Test("single-bit flips and 200-byte overwrites inside stored values: every one caught by get and verify, by key")
    func bitRot() throws {
        try withTemporaryDirectory { dir in
            let pristine = dir + "/pristine"
            var values: [(hash: Hash256, stored: [UInt8])] = []
            do {
                let store = try Store.open(at: pristine, options: StoreOptions(autoTrainThreshold: nil))
                var random = TestRandom(77)
                try store.write { batch in
                    for i in 0..<300 {
                        try batch.put(
                            .message,
                            Array("message \(i) of the bit rot test, loss 0.\(i % 89)".utf8) + random.bytes(24)
                        )
                    }
                }
                try store.trainDictionaries(kinds: [.message], minimumSamples: 100)
                var hashes: [Hash256] = []
                for i in 0..<6 {
                    hashes.append(
                        try store.put(
                            .message,
                            Array("dictionary-coded message \(i) loss 0.\(i)".utf8) + random.bytes(24)
                        )
                    )
                }
                for (kind, bytes) in sampleObjects(5) where bytes.count >= 16 {
                    hashes.append(try store.put(kind, bytes))
                }
                // Records with delta-coded words (codec 5), with the dictionary.
                for i in 0..<3 {
                    var record = Array("sectioned message \(i)".utf8) + random.bytes(32)
                    let start = record.count
                    for word in stride(from: UInt32(7 * i), to: 4_000, by: 37) {
                        withUnsafeBytes(of: word.littleEndian) { record += $0 }
                    }
                    let words = start..<record.count
                    record += random.bytes(40)
                    let hash = try store.put(.message, record, preference: .smallestWithSparseWords(words))
                    #expect(try store.read { try $0.header(of: hash) }?.codec == .sparseSectionZstd)
                    hashes.append(hash)
                }
                try store.read { view throws in
                    for hash in hashes { values.append((hash, try #require(try view.storedValue(hash)))) }
                }
            }
            let file = try Data(contentsOf: URL(fileURLWithPath: pristine + "/data.mdb"))
            // LMDB is copy-on-write: older page versions may still hold a copy of a value, so the same damage is
            // applied to every copy found (the live one among them).
            var located: [(hash: Hash256, offsets: [Int], count: Int)] = []
            for value in values {
                var offsets: [Int] = []
                var from = file.startIndex
                while let range = file.range(of: Data(value.stored), in: from..<file.endIndex) {
                    offsets.append(range.lowerBound)
                    from = range.lowerBound + 1
                }
                #expect(!offsets.isEmpty, "stored value found in data.mdb")
                located.append((value.hash, offsets, value.stored.count))
            }
            var random = TestRandom(2024)
            let trials = trialCount(90, long: 600)
            for trial in 0..<trials {
                let target = located[trial % located.count]
                var damaged = [UInt8](file)
                let original = Array(damaged[target.offsets[0]..<target.offsets[0] + target.count])
                var changed = original
                if trial % 3 == 2 {
                    let run = min(200, target.count)
                    let start = random.below(target.count - run + 1)
                    var replacement = random.bytes(run)
                    if replacement == Array(original[start..<start + run]) { replacement[0] ^= 1 }
                    changed.replaceSubrange(start..<start + run, with: replacement)
                } else {
                    changed[random.below(target.count)] ^= UInt8(1) << UInt8(random.below(8))
                }
                for offset in target.offsets { damaged.replaceSubrange(offset..<offset + target.count, with: changed) }
                let trialDir = dir + "/trial"
                try? FileManager.default.removeItem(atPath: trialDir)
                try FileManager.default.createDirectory(atPath: trialDir, withIntermediateDirectories: true)
                try Data(damaged).write(to: URL(fileURLWithPath: trialDir + "/data.mdb"))
                let store = try Store.open(at: trialDir, options: StoreOptions(readOnly: false))
                let error = #expect(throws: StoreError.self, "trial \(trial)") { try store.get(target.hash) }
                #expect(error?.key == target.hash.hex, "trial \(trial): the error names the key")
                let report = try store.verify()
                #expect(
                    report.problems.map(\.key) == [target.hash.hex],
                    "trial \(trial): verify names exactly that key"
                )
            }
        }
    }
}
