import Foundation
import PoUWCore
import PoUWML
import Testing

@Suite("Data readers, batches and dataset roots")
struct DataTests {
    static func idxImages(count: Int, rows: Int = 2, cols: Int = 2, magic: UInt32 = 0x803) -> [UInt8] {
        var b: [UInt8] = []
        for v in [magic, UInt32(count), UInt32(rows), UInt32(cols)] {
            b += withUnsafeBytes(of: v.bigEndian, Array.init)
        }
        return b + (0..<count * rows * cols).map { UInt8($0 % 256) }
    }

    static func idxLabels(_ labels: [UInt8], magic: UInt32 = 0x801) -> [UInt8] {
        var b: [UInt8] = []
        for v in [magic, UInt32(labels.count)] { b += withUnsafeBytes(of: v.bigEndian, Array.init) }
        return b + labels
    }

    @Test("IDX: good files, and each kind of bad file")
    func idx() throws {
        let images = try IDX.parseImages(Self.idxImages(count: 3), path: "i")
        #expect(images.count == 3 && images.rows == 2 && images.columns == 2)
        let labels = try IDX.parseLabels(Self.idxLabels([0, 9, 4]), path: "l", classLimit: 10)
        let data = try IDX.dataset(images: images, labels: labels, classCount: 10, source: "i")
        #expect(data.count == 3 && data.featureCount == 4)
        #expect(data.features[5] == Float(5) / 255)

        #expect(throws: DatasetError.wrongMagic(path: "i", found: 0x801, expected: 0x803)) {
            try IDX.parseImages(Self.idxImages(count: 1, magic: 0x801), path: "i")
        }
        #expect(throws: DatasetError.truncated(path: "i", expectedBytes: 28, actualBytes: 27)) {
            try IDX.parseImages(Array(Self.idxImages(count: 3).dropLast()), path: "i")
        }
        #expect(throws: DatasetError.trailingBytes(path: "l", count: 1)) {
            try IDX.parseLabels(Self.idxLabels([1, 2]) + [0], path: "l")
        }
        #expect(throws: DatasetError.labelOutOfRange(path: "l", sample: 1, label: 10, limit: 10)) {
            try IDX.parseLabels(Self.idxLabels([1, 10]), path: "l", classLimit: 10)
        }
        #expect(throws: DatasetError.mismatchedCounts(images: 3, labels: 2)) {
            try IDX.dataset(images: images, labels: [1, 2], classCount: 10, source: "i")
        }
    }

    @Test("IDX folder with gzip files, and a gzip file with a bad CRC")
    func idxFolder() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for prefix in ["train", "t10k"] {
            try Data(Self.idxImages(count: 4)).write(to: dir.appendingPathComponent("\(prefix)-images-idx3-ubyte"))
            try Data(Self.idxLabels([1, 2, 3, 4])).write(to: dir.appendingPathComponent("\(prefix)-labels-idx1-ubyte"))
        }
        try TestSupport.shell("gzip '\(dir.path)/train-images-idx3-ubyte'")
        let (train, test) = try IDX.loadFolder(dir.path)
        #expect(train == test)
        let gzURL = dir.appendingPathComponent("train-images-idx3-ubyte.gz")
        let good = try Data(contentsOf: gzURL)
        var gz = [UInt8](good)
        gz[gz.count - 6] ^= 0x55
        try Data(gz).write(to: gzURL)
        #expect(throws: DatasetError.self) { try IDX.loadFolder(dir.path) }
        do {
            _ = try IDX.loadFolder(dir.path)
        } catch {
            guard case .gzip(_, .crcMismatch) = error else {
                Issue.record("expected a CRC mismatch, got \(error)")
                return
            }
        }
        try good.write(to: gzURL)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("t10k-labels-idx1-ubyte"))
        #expect(throws: DatasetError.missingFile("\(dir.path)/t10k-labels-idx1-ubyte[.gz]")) {
            _ = try IDX.loadFolder(dir.path).test.count
        }
    }

    @Test("CSV: the digits fixture, and malformed lines")
    func csv() throws {
        let digits = try CSV.load(path: TestSupport.digitsPath)
        #expect(digits.count == 1797 && digits.featureCount == 64 && digits.classCount == 10)
        #expect(digits.features.max() == 1 && digits.features.min() == 0)
        #expect(throws: DatasetError.malformedCSV(path: "c", line: 2, reason: "has 2 fields, the first line has 3")) {
            try CSV.parse(Array("1,2,0\n3,1\n".utf8), path: "c")
        }
        #expect(throws: DatasetError.malformedCSV(path: "c", line: 1, reason: "field 2 \"x\" is not a finite number")) {
            try CSV.parse(Array("1,x,0\n".utf8), path: "c")
        }
        #expect(throws: DatasetError.labelOutOfRange(path: "c", sample: 0, label: 300, limit: 256)) {
            try CSV.parse(Array("1,2,300\n".utf8), path: "c")
        }
    }

    @Test("split, batch plan and Merkle root are deterministic; batches round-trip canonically")
    func batches() throws {
        let (train, test) = try TestSupport.digits()
        #expect(train.count == 1438 && test.count == 359)
        let (train2, _) = try TestSupport.digits()
        #expect(train == train2)
        let plan = BatchPlan(sampleCount: train.count, batchSize: 32, seed: 0)
        #expect(plan.batchCount == 45)
        #expect(plan.batches.last?.count == 1438 - 44 * 32)
        #expect(Set(plan.batches.joined()).count == train.count)
        #expect(plan.order(epoch: 0) != plan.order(epoch: 1))
        let batch = plan.batch(0, of: train)
        let bytes = batch.canonicalBytes
        #expect(bytes[0] == RecordTag.batch.rawValue && bytes[1] == 1)
        #expect(try Batch(canonicalBytes: bytes) == batch)
        var nan = bytes
        let offset = bytes.count - 4
        nan.replaceSubrange(offset..<offset + 4, with: [0x00, 0x00, 0xc0, 0x7f])
        #expect(
            throws: CanonicalDecodingError.invalidValue(
                field: "batch.features",
                reason: "element \(32 * 64 - 1) is nan (must be finite)"
            )
        ) {
            try Batch(canonicalBytes: nan)
        }
        #expect(plan.merkleRoot(of: train) == plan.merkleRoot(of: train2))
        #expect(
            BatchPlan(sampleCount: train.count, batchSize: 32, seed: 1).merkleRoot(of: train)
                != plan.merkleRoot(of: train)
        )
    }

    @Test("RFC 6962 Merkle root by hand for 0–3 leaves")
    func merkle() {
        let l = (0..<3).map { Hash256.sha256([UInt8($0)]) }
        func leaf(_ h: Hash256) -> Hash256 { Hash256.sha256([0] + h.bytes) }
        func node(_ a: Hash256, _ b: Hash256) -> Hash256 { Hash256.sha256([1] + a.bytes + b.bytes) }
        // The dataset root is PoUWCore's MerkleTree over the batch hashes' bytes.
        func root(_ hashes: [Hash256]) -> Hash256 { MerkleTree(leaves: hashes.map(\.bytes)).root }
        #expect(root([]) == Hash256.sha256([UInt8]()))
        #expect(root([l[0]]) == leaf(l[0]))
        #expect(root(Array(l[0..<2])) == node(leaf(l[0]), leaf(l[1])))
        #expect(root(l) == node(node(leaf(l[0]), leaf(l[1])), leaf(l[2])))
    }

    @Test("the counter-based PRNG is pinned")
    func prng() {
        let r = CounterRandom(seed: 0, stream: .initialWeights)
        #expect(CounterRandom.mix(0) == 0)
        #expect(r.value(0) == CounterRandom(seed: 0, stream: .initialWeights).value(0))
        #expect(r.value(0) != CounterRandom(seed: 0, stream: .testSplit).value(0))
        #expect(r.permutation(10).sorted() == Array(0..<10))
        #expect(CounterRandom.mix(0x9E37_79B9_7F4A_7C15) == 0xE220_A839_7B1D_CDAF)  // SplitMix64(0)'s first output
    }
}
