import Foundation
import PoUWML
import Testing

@Suite("Own inflate against the real gzip tool")
struct InflateTests {
    static func inputs() -> [(String, [UInt8])] {
        let r = CounterRandom(seed: 11, stream: .initialWeights)
        let random = (0..<70_000).map { UInt8(truncatingIfNeeded: r.value(UInt64($0))) }
        let text = Array(String(repeating: "Proof of useful work trains models. ", count: 3000).utf8)
        let runs = (0..<200_000).map { UInt8(($0 / 1000) % 7) }
        let mixed: [UInt8] = (0..<50_000).map { (i: Int) -> UInt8 in
            if i % 3 == 0 { return UInt8(truncatingIfNeeded: r.value(UInt64(i))) }
            return UInt8(i % 11)
        }
        return [("empty", []), ("one", [42]), ("random", random), ("text", text), ("runs", runs), ("mixed", mixed)]
    }

    @Test("files made by gzip -1, -6, -9 decompress to the original bytes")
    func gzipFiles() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, bytes) in Self.inputs() {
            let path = dir.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            for level in [1, 6, 9] {
                let status = try TestSupport.shell("gzip -\(level) -c '\(path)' > '\(path).\(level).gz'")
                #expect(status == 0)
                let compressed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(path).\(level).gz")))
                #expect(try Gzip.decompress(compressed) == bytes, "\(name) at level \(level)")
            }
        }
    }

    @Test("a corrupted CRC, size, body or truncation is rejected with a specific error")
    func corruptFiles() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("text").path
        try Data(Self.inputs()[3].1).write(to: URL(fileURLWithPath: path))
        try TestSupport.shell("gzip -9 '\(path)'")
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
        var badCRC = good
        badCRC[good.count - 8] ^= 0xff
        #expect(throws: InflateError.self) { try Gzip.decompress(badCRC) }
        do {
            _ = try Gzip.decompress(badCRC)
        } catch {
            guard case .crcMismatch = error else {
                Issue.record("expected crcMismatch, got \(error)")
                return
            }
        }
        var badSize = good
        badSize[good.count - 1] ^= 0x01
        #expect(throws: InflateError.sizeMismatch(expected: UInt32(108_000) ^ 0x0100_0000, computed: 108_000)) {
            try Gzip.decompress(badSize)
        }
        #expect(throws: InflateError.self) { try Gzip.decompress(Array(good[0..<good.count / 2])) }
        #expect(throws: InflateError.notGzip) {
            try Gzip.decompress([0x50, 0x4b, 3, 4] + Array(repeating: 0, count: 20))
        }
        var badMethod = good
        badMethod[2] = 7
        #expect(throws: InflateError.unsupportedMethod(7)) { try Gzip.decompress(badMethod) }
        // Reserved block type 3 right after the header.
        let header: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]
        #expect(throws: InflateError.invalidBlockType) {
            try Gzip.decompress(header + [0x07] + Array(repeating: 0, count: 12))
        }
    }

    @Test("stored blocks with a bad NLEN are rejected")
    func storedBlock() throws {
        // Final stored block: BFINAL=1, BTYPE=00 → byte 0x01, then LEN=3, NLEN=~3, "abc".
        let good: [UInt8] = [0x01, 0x03, 0x00, 0xfc, 0xff] + Array("abc".utf8)
        #expect(try Inflate.decompress(good).output == Array("abc".utf8))
        var bad = good
        bad[3] = 0
        #expect(throws: InflateError.storedLengthMismatch) { try Inflate.decompress(bad) }
    }

    @Test("CRC-32 check value")
    func crcCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test("Fashion-MNIST files decompress like gzip -dc (when installed)", .enabled(if: TestSupport.fashionAvailable))
    func fashionFiles() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var names = ["t10k-labels-idx1-ubyte", "train-labels-idx1-ubyte"]
        if TestSupport.isReleaseBuild { names += ["t10k-images-idx3-ubyte"] }
        for name in names {
            let source = "\(TestSupport.fashionFolder)/\(name).gz"
            let out = dir.appendingPathComponent(name).path
            #expect(try TestSupport.shell("gzip -dc '\(source)' > '\(out)'") == 0)
            let expected = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
            let compressed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
            #expect(try Gzip.decompress(compressed) == expected, "\(name)")
        }
    }
}
