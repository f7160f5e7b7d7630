import Foundation
public import PoUWCore

/// The seeded decoder fuzzer shared by the protocol, node and ML test targets (a test target cannot share code
/// with another, so this small library holds it): real encodings as seeds, then every prefix of the short ones,
/// mutations of them and fully random inputs, all drawn from a SplitMix64 stream so that a failure reproduces
/// exactly from its seed.
///
/// Guarantees: `inputs` yields the same sequence for the same arguments on every platform; `run` feeds each input
/// to a decode-and-re-encode closure and records as a `Finding` every input that either throws an error the
/// caller does not expect or decodes to a value whose canonical bytes differ from the input (two encodings of one
/// value). A trap in the decoder stops the test process: that is the crash this fuzzer exists to find.
public enum DecoderFuzz {
    /// SplitMix64: tiny, fast, and good enough to drive mutations; the same seed gives the same sequence.
    public struct PRNG: RandomNumberGenerator, Sendable {
        public private(set) var state: UInt64

        public init(seed: UInt64) { state = seed }

        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// A value in `0..<bound` (`bound` > 0).
        public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

        public mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }

        public mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }
    }

    /// One input the decoder mishandled, and how.
    public struct Finding: Sendable, CustomStringConvertible {
        public let input: [UInt8]
        public let problem: String
        public var description: String { "\(problem): \(Hex.encode(input))" }
    }

    /// What a run saw.
    public struct Report: Sendable {
        /// Inputs that decoded (and re-encoded to themselves).
        public var accepted = 0
        /// Inputs refused with an expected error.
        public var rejected = 0
        /// The first few inputs mishandled (at most `maxFindings`).
        public var findings: [Finding] = []
        /// All inputs mishandled.
        public var findingCount = 0
        public var total: Int { accepted + rejected + findingCount }
        static let maxFindings = 10
    }

    /// Whether the long form was asked for (`POUW_LONG_TESTS=1`).
    public static var isLong: Bool { ProcessInfo.processInfo.environment["POUW_LONG_TESTS"] == "1" }

    /// `base` inputs by default, `long` with `POUW_LONG_TESTS=1`.
    public static func iterations(_ base: Int, long: Int) -> Int { isLong ? long : base }

    /// A seed for a named decoder, so each decoder gets its own stream from one base seed.
    public static func seed(_ name: String, base: UInt64 = 0x5eed_f022) -> UInt64 {
        name.utf8.reduce(base) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
    }

    /// Seeds no longer than this are also cut at every length.
    public static let everyPrefixUpTo = 4_096

    /// `count` inputs (at least the seeds themselves): the seeds, then every prefix of each seed up to
    /// `everyPrefixUpTo` bytes long, then one in eight fully random (half of those behind a seed's first two bytes,
    /// its tag and version) and the rest mutations of a seed (1–3 stacked `mutate` rounds).
    public static func forEachInput(
        seeds: [[UInt8]],
        count: Int,
        seed: UInt64,
        maxRandomLength: Int = 300,
        _ body: ([UInt8]) -> Void
    ) {
        var rng = PRNG(seed: seed)
        var fed = 0
        for input in seeds {
            body(input)
            fed += 1
        }
        for input in seeds where input.count <= everyPrefixUpTo {
            for length in 0..<input.count where fed < count {
                body(Array(input.prefix(length)))
                fed += 1
            }
        }
        while fed < count {
            defer { fed += 1 }
            if seeds.isEmpty || rng.below(8) == 0 {
                var random = rng.bytes(rng.below(maxRandomLength + 1))
                if let base = seeds.isEmpty ? nil : seeds[rng.below(seeds.count)], rng.below(2) == 0 {
                    random = Array(base.prefix(2)) + random
                }
                body(random)
                continue
            }
            var input = seeds[rng.below(seeds.count)]
            for _ in 0..<(1 + rng.below(3)) {
                input = mutate(input, other: seeds[rng.below(seeds.count)], &rng)
            }
            body(input)
        }
    }

    /// Bytes that tend to sit on boundaries of lengths, varints, tags, kinds and flags.
    public static let interestingBytes: [UInt8] = [0x00, 0x01, 0x02, 0x03, 0x07, 0x20, 0x7f, 0x80, 0x81, 0xfe, 0xff]
    /// 32-bit words at float and sign boundaries: 0, −0, ∞, −∞, NaN, the largest finite, all ones, 2^31 − 1.
    public static let interestingWords: [UInt32] = [
        0, 0x8000_0000, 0x7f80_0000, 0xff80_0000, 0x7fc0_0000, 0x7f7f_ffff, 0xffff_ffff, 0x7fff_ffff,
    ]
    /// LEB128 lengths far beyond any input (and one non-minimal form): each must be refused before allocating.
    public static let hugeLengths: [[UInt8]] = [
        [0xff, 0xff, 0xff, 0xff, 0x0f],  // 2^32 − 1
        [0x80, 0x80, 0x80, 0x80, 0x08],  // 2^31
        [0x81, 0x80, 0x80, 0x20],  // 64 MiB + 1
        [0x80, 0x80, 0x80, 0x08],  // 2^24
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],  // 2^64 − 1
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],  // 2^63 − 1
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],  // overflows 64 bits
        [0x80, 0x00],  // non-minimal zero
    ]

    /// One mutation of `input`: a bit flip, a byte set (random or interesting), a 32-bit word set to an interesting
    /// value, an insertion, a deletion, a truncation, trailing garbage, a huge LEB128 length written over a byte
    /// (in place or replacing it), a splice with `other`, or a repeated run.
    public static func mutate(_ input: [UInt8], other: [UInt8], _ rng: inout PRNG) -> [UInt8] {
        var out = input
        let at = out.isEmpty ? 0 : rng.below(out.count)
        switch rng.below(12) {
        case 0 where !out.isEmpty: out[at] ^= 1 << UInt8(rng.below(8))
        case 1 where !out.isEmpty: out[at] = rng.byte()
        case 2 where !out.isEmpty: out[at] = interestingBytes[rng.below(interestingBytes.count)]
        case 3 where out.count >= 4:
            let start = rng.below(out.count - 3)
            let word = interestingWords[rng.below(interestingWords.count)]
            for i in 0..<4 { out[start + i] = UInt8(truncatingIfNeeded: word >> (8 * UInt32(i))) }
        case 4: out.insert(contentsOf: rng.bytes(1 + rng.below(4)), at: at)
        case 5 where !out.isEmpty: out.removeSubrange(at..<min(out.count, at + 1 + rng.below(4)))
        case 6: out = Array(out.prefix(at))
        case 7: out += rng.bytes(1 + rng.below(8))
        case 8 where !out.isEmpty:
            let huge = hugeLengths[rng.below(hugeLengths.count)]
            if rng.below(2) == 0 {
                out.replaceSubrange(at..<min(out.count, at + huge.count), with: huge)
            } else {
                out.replaceSubrange(at...at, with: huge)
            }
        case 9 where !other.isEmpty:
            out = Array(out.prefix(at)) + other[rng.below(other.count)...]
        case 10 where out.count > 1:
            let end = min(out.count, at + 1 + rng.below(16))
            out.insert(contentsOf: out[at..<end], at: at)
        default:
            if !out.isEmpty { out[at] = out[at] &+ (rng.below(2) == 0 ? 1 : 0xff) }
        }
        return out
    }

    /// Feeds `count` inputs (see `forEachInput`) to `roundTrip`, which decodes and returns the decoded value's
    /// canonical bytes. An error is a refusal if `isExpected` says so, otherwise a finding; a success whose bytes
    /// differ from the input is a finding.
    public static func run(
        seeds: [[UInt8]],
        count: Int,
        seed: UInt64,
        maxRandomLength: Int = 300,
        isExpected: (any Error) -> Bool = { $0 is CanonicalDecodingError },
        _ roundTrip: ([UInt8]) throws -> [UInt8]
    ) -> Report {
        var report = Report()
        func note(_ input: [UInt8], _ problem: @autoclosure () -> String) {
            report.findingCount += 1
            if report.findings.count < Report.maxFindings {
                report.findings.append(Finding(input: input, problem: problem()))
            }
        }
        forEachInput(seeds: seeds, count: count, seed: seed, maxRandomLength: maxRandomLength) { input in
            do {
                let again = try roundTrip(input)
                if again == input {
                    report.accepted += 1
                } else {
                    note(input, "decoded, but re-encodes to \(Hex.encode(again))")
                }
            } catch {
                if isExpected(error) { report.rejected += 1 } else { note(input, "unexpected error \(error)") }
            }
        }
        return report
    }

    /// A decoder under test: its name, real encodings to start from, and a closure that decodes an input and
    /// returns the decoded value's canonical bytes.
    public struct Decoder: Sendable, CustomStringConvertible {
        public let name: String
        public let seeds: @Sendable () throws -> [[UInt8]]
        public let roundTrip: @Sendable ([UInt8]) throws -> [UInt8]

        public init(
            _ name: String,
            seeds: @escaping @Sendable () throws -> [[UInt8]],
            roundTrip: @escaping @Sendable ([UInt8]) throws -> [UInt8]
        ) {
            self.name = name
            self.seeds = seeds
            self.roundTrip = roundTrip
        }

        /// `T`'s strict decoder (`init(canonicalBytes:)`) and canonical encoder.
        public static func canonical<T: CanonicalCodable & SendableMetatype>(
            _: T.Type,
            _ name: String,
            seeds: @escaping @Sendable () throws -> [[UInt8]]
        ) -> Decoder {
            Decoder(name, seeds: seeds, roundTrip: DecoderFuzz.roundTrip(T.self))
        }

        public var description: String { name }

        /// Feeds the decoder `count` inputs from its seeds (see `run`) and returns what is wrong, nothing if all is
        /// well: a seed that does not round-trip, every finding, no input refused, or no input but the seeds
        /// accepted (the fuzzer must reach both paths).
        public func fuzz(count: Int) throws -> [String] {
            let seeds = try seeds()
            var problems: [String] = seeds.isEmpty ? ["\(name): no seeds"] : []
            for seed in seeds where (try? roundTrip(seed)) != seed {
                problems.append("\(name): seed \(Hex.encode(seed)) does not round-trip")
            }
            let report = run(seeds: seeds, count: count, seed: DecoderFuzz.seed(name), roundTrip)
            if report.total != max(count, seeds.count) { problems.append("\(name): \(report.total) inputs fed") }
            problems += report.findings.map { "\(name): \($0)" }
            if report.findingCount > report.findings.count {
                problems.append("\(name): \(report.findingCount - report.findings.count) more findings")
            }
            if report.rejected == 0 { problems.append("\(name): no input was refused") }
            if report.accepted <= seeds.count { problems.append("\(name): no input but the seeds decoded") }
            return problems
        }
    }

    /// Decodes `T` completely (no trailing bytes) and returns its canonical bytes: the usual `run` closure.
    public static func roundTrip<T: CanonicalCodable & SendableMetatype>(
        _: T.Type
    ) -> @Sendable ([UInt8]) throws -> [UInt8] {
        { try T(canonicalBytes: $0).canonicalBytes }
    }
}
