import Foundation
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import Testing

@Suite("Parameters and golden encodings")
struct ParametersTests {
    @Test("PAI mainnet preset matches paicoin's chainparams")
    func mainnet() {
        let p = EconomicsParameters.paiMainnet
        #expect(p.ticketPoolTarget == 8192 && p.ticketsPerBlock == 5 && p.ticketMaturity == 256)
        #expect(p.ticketExpiry == 40960 && p.priceWindow == 144 && p.maxFreshTicketsPerBlock == 20)
        #expect(p.minimumTicketPrice == pai(2))
    }

    @Test("round trip; invalid values are named errors")
    func coding() throws {
        for p in [EconomicsParameters.paiMainnet, .local] {
            #expect(try EconomicsParameters(canonicalBytes: p.canonicalBytes) == p)
        }
        var zero = EconomicsParameters.local
        zero.ticketsPerBlock = 0
        #expect(throws: CanonicalDecodingError.invalidValue(field: "ticketsPerBlock", reason: "must be positive")) {
            try EconomicsParameters(canonicalBytes: zero.canonicalBytes)
        }
        var bps = EconomicsParameters.local
        bps.qualityWeightBps = 10_001
        #expect(throws: CanonicalDecodingError.self) { try EconomicsParameters(canonicalBytes: bps.canonicalBytes) }
        #expect(throws: CanonicalDecodingError.self) {
            try EconomicsParameters(canonicalBytes: Array(EconomicsParameters.local.canonicalBytes.dropLast()))
        }
    }

    /// Golden values live in Fixtures/economics/golden.txt (`name hex` per line); see Fixtures/README.md.
    static func goldenValues() throws -> [String: [UInt8]] {
        let path = packageRoot() + "/Fixtures/economics/golden.txt"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var out: [String: [UInt8]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let bytes = Hex.decode(parts[1]) { out[String(parts[0])] = bytes }
        }
        return out
    }

    static func goldenRecords() throws -> [(String, [UInt8])] {
        let table = try PayoutRules.settle(
            SettlementInput(
                client: address(100),
                escrow: units(1_000_003),
                miners: [MinerContribution(account: address(1), qualityPPM: 912_000, verifiedIterations: 40)],
                supervisors: [address(20)],
                evaluators: [],
                verifierCharges: []
            ),
            parameters: .local
        )
        return [
            ("parameters.paiMainnet", EconomicsParameters.paiMainnet.canonicalBytes),
            ("parameters.local", EconomicsParameters.local.canonicalBytes),
            ("preferences.compute", computePreferences(["cnn", "mlp"], gpus: 2, memoryMiB: 12_288).canonicalBytes),
            (
                "preferences.storage",
                Preferences.storage(
                    try StoragePreferences(
                        storageBytes: 1 << 30,
                        bandwidthMbps: 1000,
                        redundancy: .erasure(data: 4, parity: 2)
                    )
                ).canonicalBytes
            ),
            ("requirements.mnist", mnistRequirements().canonicalBytes),
            (
                "evidence.failedReplay",
                Evidence(
                    kind: .failedReplay,
                    taskId: hashOf("task 7"),
                    offender: address(3),
                    offenderTicket: hashOf("carol"),
                    payload: Array("message 0xabc, iteration 12".utf8)
                ).canonicalBytes
            ),
            ("payout.example", table.canonicalBytes),
            (
                "claim.example",
                SettlementClaim(
                    miners: [.init(ticket: hashOf("alice"), qualityPPM: 912_000, verifiedIterations: 40)],
                    supervisors: [hashOf("sam")],
                    evaluators: [hashOf("eve"), hashOf("ed")],
                    charges: [.init(verifierTicket: hashOf("vic"), minerTicket: hashOf("alice"), blocksChecked: 2)]
                ).canonicalBytes
            ),
            (
                "terms.mnist",
                try TaskTerms(
                    miners: 3,
                    supervisors: 2,
                    evaluators: 1,
                    verifiersPerBlock: 1,
                    requirements: mnistRequirements()
                ).canonicalBytes
            ),
            ("attestation.example", Self.attestation().canonicalBytes),
            (
                "claim.v3",
                SettlementClaim(
                    miners: [.init(ticket: hashOf("alice"), qualityPPM: 912_000, verifiedIterations: 40)],
                    supervisors: [hashOf("sam")],
                    evaluators: [hashOf("eve")],
                    selection: SelectionClaim(
                        requirements: mnistRequirements(),
                        proofs: [.init(ticket: hashOf("alice"), proof: Array(repeating: 7, count: 81))]
                    ),
                    attestations: [Self.attestation()]
                ).canonicalBytes
            ),
            (
                "alpha.block.verifier",
                SelectionContext.blockVerifiers(blockHash: hashOf("block 121"), taskId: hashOf("task 7")).alpha
            ),
            (
                "alpha.task7.miner",
                SelectionContext(selectionHash: hashOf("block 120"), taskId: hashOf("task 7"), role: .miner).alpha
            ),
            ("draw.lot1", Selection.draw(beta: hashOf("beta").bytes, lot: 1).bytes),
        ]
    }

    /// A deterministic attestation: verifier "vic" (Ed25519 key from seed "vic", ECVRF key from seed "vic vrf")
    /// attests block 121 of task 7.
    static func attestation() -> BlockAttestation {
        let key = try! Ed25519.PrivateKey(seed: hashOf("vic").bytes)
        let vrf = try! VRF.SecretKey(bytes: hashOf("vic vrf").bytes)
        let context = SelectionContext.blockVerifiers(blockHash: hashOf("block 121"), taskId: hashOf("task 7"))
        return BlockAttestation.sign(
            task: hashOf("task 7"),
            block: hashOf("block 121"),
            ticket: hashOf("vic"),
            proof: vrf.prove(alpha: context.alpha).bytes,
            key: key
        )
    }

    @Test("block attestation and claim v3: round trip, signature, strict order; task terms refuse empty seats")
    func attestationsAndTerms() throws {
        let a = Self.attestation()
        #expect(a.hasValidSignature && a.signerAddress != nil)
        #expect(try BlockAttestation(canonicalBytes: a.canonicalBytes) == a)
        let other = BlockAttestation(
            task: a.task,
            block: hashOf("block 122"),
            ticket: a.ticket,
            proof: a.proof,
            signer: a.signer,
            signature: a.signature
        )
        #expect(!other.hasValidSignature)  // the signature covers the block
        let claim = SettlementClaim(
            miners: [],
            supervisors: [],
            evaluators: [],
            selection: SelectionClaim(requirements: mnistRequirements(), proofs: []),
            attestations: [other, a]
        )
        let decoded = try SettlementClaim(canonicalBytes: claim.canonicalBytes)
        #expect(
            decoded.version == 3 && decoded.attestations(task: a.task) == [a, other].sorted { $0.block < $1.block }
        )
        let twice = SettlementClaim(
            miners: [],
            supervisors: [],
            evaluators: [],
            selection: SelectionClaim(requirements: mnistRequirements(), proofs: []),
            attestations: [a, a]
        )
        #expect(throws: CanonicalDecodingError.self) { try SettlementClaim(canonicalBytes: twice.canonicalBytes) }
        #expect(throws: TaskTerms.Failure.noMiners) {
            try TaskTerms(
                miners: 0,
                supervisors: 1,
                evaluators: 1,
                verifiersPerBlock: 1,
                requirements: mnistRequirements()
            )
        }
        #expect(throws: TaskTerms.Failure.noEvaluators) {
            try TaskTerms(
                miners: 1,
                supervisors: 1,
                evaluators: 0,
                verifiersPerBlock: 1,
                requirements: mnistRequirements()
            )
        }
        var writer = ByteWriter()
        writer.header(tag: .taskTerms, version: 1)
        for n: UInt16 in [65, 1, 1, 1] { writer.u16(n) }
        mnistRequirements().encode(to: &writer)
        #expect(throws: CanonicalDecodingError.self) { try TaskTerms(canonicalBytes: writer.bytes) }
    }

    /// `POUW_REGENERATE_GOLDEN=1 swift test --filter ParametersTests` rewrites the fixture (then review the diff).
    @Test("canonical encodings match the golden fixtures byte for byte")
    func golden() throws {
        if ProcessInfo.processInfo.environment["POUW_REGENERATE_GOLDEN"] == "1" {
            var text = "# Economics golden canonical encodings: name hex. Regenerate: see Fixtures/README.md.\n"
            for (name, bytes) in try Self.goldenRecords() { text += "\(name) \(Hex.encode(bytes))\n" }
            try text.write(toFile: packageRoot() + "/Fixtures/economics/golden.txt", atomically: true, encoding: .utf8)
        }
        let golden = try Self.goldenValues()
        for (name, bytes) in try Self.goldenRecords() {
            #expect(golden[name] == bytes, "\(name): \(Hex.encode(bytes))")
        }
        #expect(golden.count == (try Self.goldenRecords().count))
    }
}
