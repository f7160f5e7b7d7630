import PoUWCore
import Testing

@testable import PoUWChain

#if canImport(Glibc)
import Glibc
#endif

/// Throws random and mutated inputs at every chain decoder: each must either throw a `CanonicalDecodingError` or
/// decode to a value whose canonical encoding is exactly the input (one encoding per value), never crash.
/// 100,000 inputs per decoder by default; 2,000,000 with POUW_LONG_TESTS=1. Seeded, so failures reproduce.
@Suite("Decoder fuzz: chain formats")
struct DecoderFuzzTests {
    static let iterations = getenv("POUW_LONG_TESTS") != nil ? 2_000_000 : 100_000

    struct Decoder: Sendable, CustomTestStringConvertible {
        let name: String
        let seeds: @Sendable () -> [[UInt8]]
        /// Decodes and re-encodes.
        let roundTrip: @Sendable ([UInt8]) throws -> [UInt8]
        var testDescription: String { name }
    }

    static func decoder<T: CanonicalCodable & SendableMetatype>(
        _: T.Type,
        _ name: String,
        _ seeds: @escaping @Sendable () -> [[UInt8]]
    )
        -> Decoder
    {
        Decoder(name: name, seeds: seeds) { try T(canonicalBytes: $0).canonicalBytes }
    }

    static let all: [Decoder] = [
        decoder(BlockHeader.self, "header") { GoldenFixtureTests.samples().filter { $0.0 == "header" }.map(\.1) },
        decoder(Transaction.self, "transaction") {
            GoldenFixtureTests.samples().filter { $0.0.hasPrefix("tx-") }.map(\.1)
        },
        decoder(Block.self, "block") {
            GoldenFixtureTests.samples().filter { $0.0 == "block" || $0.0.hasPrefix("genesis") }.map(\.1)
        },
        decoder(AccountState.self, "account") {
            [AccountState(balance: Amount(units: 5), sequence: 300, locked: Amount(units: 1 << 40)).canonicalBytes]
        },
        decoder(TaskEscrow.self, "task") {
            [
                TaskEscrow(
                    client: DevKeys.address(0),
                    escrow: Amount(units: 9),
                    settled: true,
                    definitionHash: .zero,
                    datasetRoot: Hash256.sha256([1]),
                    testSetRoot: .zero,
                    height: 77
                ).canonicalBytes
            ]
        },
        decoder(TicketRecord.self, "ticket") {
            [
                TicketRecord(
                    owner: DevKeys.address(1),
                    role: .evaluator,
                    count: 2,
                    stake: Amount(units: 10),
                    vrfPublicKey: [2] + [UInt8](repeating: 1, count: 32),
                    preferences: [1, 2, 3],
                    height: 5
                ).canonicalBytes
            ]
        },
        decoder(BlockUndo.self, "undo") {
            [
                BlockUndo(
                    blockId: Hash256.sha256([3]),
                    previous: [([1, 2], nil), ([3], [4, 5, 6]), (Array(repeating: 9, count: 21), [])]
                ).canonicalBytes
            ]
        },
        decoder(BlockIndexRecord.self, "index") {
            [
                BlockIndexRecord(
                    height: 12,
                    chainWork: UInt256(1 << 40),
                    status: .valid,
                    bodyHash: Hash256.sha256([8]),
                    header: Genesis.block(for: .local).header
                ).canonicalBytes
            ]
        },
    ]

    @Test(arguments: all) func fuzz(decoder: Decoder) throws {
        var rng = SplitMix64(seed: 0x5eed_0000 ^ UInt64(decoder.name.utf8.reduce(0) { $0 &* 31 &+ Int($1) }))
        let seeds = decoder.seeds()
        #expect(!seeds.isEmpty)
        for seed in seeds { #expect(try decoder.roundTrip(seed) == seed, "\(decoder.name) seed does not round-trip") }
        var decoded = 0
        for i in 0..<Self.iterations {
            let input = Self.mutate(seeds[Int(rng.next() % UInt64(seeds.count))], round: i, rng: &rng)
            do {
                let again = try decoder.roundTrip(input)
                decoded += 1
                if again != input {
                    Issue.record("\(decoder.name): input \(Hex.encode(input)) decoded but re-encodes differently")
                    return
                }
            } catch is CanonicalDecodingError {
                continue
            } catch {
                Issue.record("\(decoder.name): non-decoding error \(error) for \(Hex.encode(input))")
                return
            }
        }
        // Some mutations (e.g. of amounts or hashes) are valid values: the fuzzer does reach the success path.
        #expect(decoded > 0)
    }

    static func mutate(_ seed: [UInt8], round: Int, rng: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        switch round % 8 {
        case 0:  // pure random bytes behind the right tag and version
            let n = Int(rng.next() % 300)
            bytes = Array(seed.prefix(2)) + (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 1:  // truncation
            bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
        case 2:  // trailing garbage
            bytes += (0..<(1 + Int(rng.next() % 4))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 3:  // insert a byte
            bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: Int(rng.next() % UInt64(bytes.count + 1)))
        case 4:  // delete a byte
            if !bytes.isEmpty { bytes.remove(at: Int(rng.next() % UInt64(bytes.count))) }
        case 5:  // huge or non-minimal varint-looking bytes
            if !bytes.isEmpty {
                let at = Int(rng.next() % UInt64(bytes.count))
                let patch: [UInt8] = [
                    [0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x00],
                    [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
                ][
                    Int(rng.next() % 3)
                ]
                bytes.replaceSubrange(at..<min(bytes.count, at + patch.count), with: patch)
            }
        default:  // flip 1–3 bits
            for _ in 0..<(1 + Int(rng.next() % 3)) where !bytes.isEmpty {
                bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1) << UInt8(rng.next() % 8)
            }
        }
        return bytes
    }
}
