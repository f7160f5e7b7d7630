import Foundation
import PoUWZstd
import Testing

@Suite("zstd wrapper")
struct ZstdTests {
    let text = Array(repeating: Array("zstandard frames with checksums ".utf8), count: 100).flatMap { $0 }

    @Test("round trip; frames declare their size and carry a checksum")
    func roundTrip() throws {
        let frame = try Zstd.compress(text, level: 3)
        let info = try Zstd.frameInfo(frame.span.bytes)
        #expect(info.contentSize == UInt64(text.count))
        #expect(info.hasChecksum)
        #expect(info.frameSize == frame.count)
        #expect(try Zstd.decompress(frame, limit: text.count) == text)
        let prefixed = try Zstd.compress(text, level: 1, prefix: [9, 8, 7])
        #expect(Array(prefixed.prefix(3)) == [9, 8, 7])
        #expect(try Zstd.decompress(Array(prefixed.dropFirst(3)), limit: text.count) == text)
        #expect(try Zstd.decompress(try Zstd.compress([], level: 3), limit: 0) == [])
    }

    @Test("decompression bomb is refused before allocating")
    func bomb() throws {
        let frame = try Zstd.compress([UInt8](repeating: 0, count: 1 << 20), level: 3)
        #expect(throws: ZstdError.decompressionBomb(declared: 1 << 20, limit: 1000)) {
            try Zstd.decompress(frame, limit: 1000)
        }
    }

    @Test("truncated frames, trailing bytes, corrupt checksums, garbage: named errors")
    func defects() throws {
        let frame = try Zstd.compress(text, level: 3)
        #expect(throws: ZstdError.truncatedFrame) {
            try Zstd.decompress(Array(frame.prefix(frame.count - 3)), limit: 1 << 20)
        }
        #expect(throws: ZstdError.truncatedFrame) { try Zstd.decompress(Array(frame.prefix(3)), limit: 1 << 20) }
        #expect(throws: ZstdError.truncatedFrame) { try Zstd.decompress([], limit: 1 << 20) }
        #expect(throws: ZstdError.trailingBytes(count: 2)) { try Zstd.decompress(frame + [0, 0], limit: 1 << 20) }
        var bad = frame
        bad[bad.count - 1] ^= 0xFF
        #expect(throws: ZstdError.checksumMismatch) { try Zstd.decompress(bad, limit: 1 << 20) }
        #expect(throws: ZstdError.self) { try Zstd.decompress(Array("not a frame at all".utf8), limit: 1 << 20) }
    }

    @Test("dictionaries: trained, identified, required, and decodable")
    func dictionaries() throws {
        var samples: [[UInt8]] = []
        for i in 0..<2000 {
            samples.append(
                Array("{\"task\":\"mnist\",\"miner\":\(i % 7),\"epoch\":\(i / 50),\"loss\":0.\(i % 91)}".utf8)
            )
        }
        let dictionary = try ZstdDictionary.train(samples: samples, capacity: 4096)
        let id = ZstdDictionary.id(of: dictionary)
        #expect(id != 0)
        let cdict = try CompressionDictionary(bytes: dictionary, level: 3)
        let ddict = try DecompressionDictionary(bytes: dictionary)
        #expect(cdict.id == id && ddict.id == id)
        let sample = samples[1234]
        let withDictionary = try Zstd.compress(sample, level: 3, dictionary: cdict)
        let without = try Zstd.compress(sample, level: 3)
        #expect(withDictionary.count < without.count)
        #expect(try Zstd.decompress(withDictionary, limit: 1000, dictionary: ddict) == sample)
        // Without the dictionary the frame cannot be decoded (the id is not in the frame: the caller keeps it).
        #expect(throws: ZstdError.self) { try Zstd.decompress(withDictionary, limit: 1000) }
        #expect(throws: ZstdError.self) { try ZstdDictionary.train(samples: [[1, 2, 3]], capacity: 4096) }
        #expect(throws: ZstdError.self) { try DecompressionDictionary(bytes: [1, 2, 3, 4]) }
    }

    @Test("an accelerated dictionary writes decodable frames and keeps literals Huffman coded")
    func acceleratedDictionary() throws {
        // Records whose words vary: most of each frame is literals, so raw literals would show in the sizes.
        let words = ["loss", "epoch", "miner", "gradient", "nonce", "block", "update", "verify", "stake", "ticket"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        let samples = (0..<2000).map { i in
            Array(
                (0..<12).map { _ in words[next() % words.count] + "=\(next() % 1000)" }.joined(separator: ";")
                    .utf8
            ) + Array("#\(i)".utf8)
        }
        let dictionary = try ZstdDictionary.train(samples: Array(samples.prefix(1000)), capacity: 4096)
        let plain = try CompressionDictionary(bytes: dictionary, level: 1)
        let accelerated = try CompressionDictionary(bytes: dictionary, level: 1, acceleration: 4)
        let ddict = try DecompressionDictionary(bytes: dictionary)
        var plainBytes = 0
        var acceleratedBytes = 0
        for sample in samples.suffix(1000) {
            let frame = try Zstd.compress(sample, level: 1, dictionary: accelerated)
            #expect(try Zstd.decompress(frame, limit: 1000, dictionary: ddict) == sample)
            acceleratedBytes += frame.count
            plainBytes += try Zstd.compress(sample, level: 1, dictionary: plain).count
        }
        // Here the faster search costs 17 % (it finds fewer of the short repeats); with literals left raw, as zstd
        // would leave them for an accelerated search, the frames were 44 % larger than without acceleration.
        #expect(Double(acceleratedBytes) < 1.25 * Double(plainBytes))
        #expect(throws: ZstdError.self) { try CompressionDictionary(bytes: dictionary, level: 1, acceleration: 0) }
    }

    @Test("frames without a declared size or checksum (from the zstd tool) are refused by name")
    func foreignFrames() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd") else { return }
        func zstd(_ arguments: [String]) throws -> [UInt8] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = [
                "-c", "printf 'hello hello hello hello' | /usr/bin/zstd -q -c " + arguments.joined(separator: " "),
            ]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return [UInt8](data)
        }
        #expect(throws: ZstdError.contentSizeMissing) { try Zstd.decompress(try zstd([]), limit: 1000) }
        let noCheck = try zstd(["--no-check", "--stream-size=23"])
        #expect(throws: ZstdError.checksumMissing) { try Zstd.decompress(noCheck, limit: 1000) }
    }
}
