import Foundation

/// A small deterministic fuzz driver for decoders: random byte strings and mutations of valid seeds, from a seeded
/// PRNG so that any failure reproduces exactly. Copy this file into another test target to reuse it.
///
/// Usage:
///
///     let report = Fuzz.run(
///         seeds: [valid.canonicalBytes], iterations: Fuzz.iterations(100_000), seed: 1,
///         isExpected: { $0 is CanonicalDecodingError }
///     ) { input in
///         _ = try MyRecord(canonicalBytes: input)
///     }
///     #expect(report.unexpected.isEmpty)
///
/// A crash (trap) fails the whole test process; an error that `isExpected` refuses is collected in
/// `report.unexpected` with the input that caused it.
enum Fuzz {
    /// SplitMix64: tiny, fast, and good enough to drive mutations; the same seed gives the same sequence.
    struct PRNG: RandomNumberGenerator {
        var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }

        mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }
    }

    /// What a run saw.
    struct Report {
        var accepted = 0
        var rejected = 0
        var unexpected: [(input: [UInt8], error: any Error)] = []
        var total: Int { accepted + rejected + unexpected.count }
    }

    /// Whether the long form was asked for (`POUW_LONG_TESTS=1`).
    static var isLong: Bool { ProcessInfo.processInfo.environment["POUW_LONG_TESTS"] == "1" }

    /// `base` iterations, or 20 times as many in the long form.
    static func iterations(_ base: Int) -> Int { isLong ? base * 20 : base }

    /// Bytes that tend to sit on boundaries of lengths, varints, tags and flags.
    static let interesting: [UInt8] = [0x00, 0x01, 0x02, 0x03, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0xe0, 0xe1, 0x10]

    /// One mutation of `input` (or of a splice with `other`).
    static func mutate(_ input: [UInt8], other: [UInt8], _ rng: inout PRNG) -> [UInt8] {
        var out = input
        let rounds = 1 + Int(rng.next() % 3)
        for _ in 0..<rounds {
            let position = out.isEmpty ? 0 : Int(rng.next() % UInt64(out.count))
            switch rng.next() % 10 {
            case 0 where !out.isEmpty: out[position] ^= 1 << UInt8(rng.next() % 8)
            case 1 where !out.isEmpty: out[position] = rng.byte()
            case 2 where !out.isEmpty: out[position] = interesting[Int(rng.next() % UInt64(interesting.count))]
            case 3: out.insert(rng.byte(), at: position)
            case 4 where !out.isEmpty: out.remove(at: position)
            case 5: out = Array(out.prefix(position))
            case 6: out += rng.bytes(Int(rng.next() % 8))
            case 7 where !other.isEmpty:
                let cut = Int(rng.next() % UInt64(other.count))
                out = Array(out.prefix(position)) + other[cut...]
            case 8 where out.count > 1:
                let end = min(out.count, position + 1 + Int(rng.next() % 8))
                out.insert(contentsOf: out[position..<end], at: position)
            default:
                if !out.isEmpty { out[position] = out[position] &+ (rng.next() % 2 == 0 ? 1 : 0xff) }
            }
        }
        return out
    }

    /// Feeds `iterations` inputs to `body`: a quarter uniformly random (length up to `maxLength`), the rest
    /// mutations of `seeds` (the seeds themselves first).
    static func run(
        seeds: [[UInt8]],
        iterations: Int,
        seed: UInt64,
        maxLength: Int = 160,
        isExpected: (any Error) -> Bool,
        _ body: ([UInt8]) throws -> Void
    ) -> Report {
        var rng = PRNG(seed: seed)
        var report = Report()
        func feed(_ input: [UInt8]) {
            do {
                try body(input)
                report.accepted += 1
            } catch {
                if isExpected(error) {
                    report.rejected += 1
                } else if report.unexpected.count < 20 {
                    report.unexpected.append((input, error))
                }
            }
        }
        for seedInput in seeds { feed(seedInput) }
        for _ in seeds.count..<max(iterations, seeds.count) {
            if seeds.isEmpty || rng.next() % 4 == 0 {
                feed(rng.bytes(Int(rng.next() % UInt64(maxLength + 1))))
            } else {
                let base = seeds[Int(rng.next() % UInt64(seeds.count))]
                let other = seeds[Int(rng.next() % UInt64(seeds.count))]
                feed(mutate(base, other: other, &rng))
            }
        }
        return report
    }
}
