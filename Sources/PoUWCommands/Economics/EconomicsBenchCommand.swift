import ArgumentParser
import Foundation
import PoUWCore
import PoUWCrypto
import PoUWEconomics

/// `pouw-bench economics`: how fast the pure economics rules run (selection over a full PAI-sized ticket pool,
/// settlement of a large task, ticket price steps). Prints one JSON object with `--json`.
struct EconomicsBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "economics",
        abstract: "Benchmark ticket selection, payout settlement and the ticket price rule.",
        discussion: """
            Selection draws every lot of a pool of tickets (VRF proofs are not verified here: that cost belongs to \
            the crypto benchmark) and fills the seats; settlement splits a fee among many miners, supervisors, \
            evaluators and verifiers; the attestation re-check is what the chain does per block attestation at \
            TASK_RESULT (the ECVRF proof verified once, the Ed25519 signature checked). Build in release: swift run -c release pouw-bench economics --json
            """
    )

    @Option(help: "Tickets in the selection pool (PAI mainnet's target is 8192 per role).")
    var tickets = 8192

    @Option(help: "Lots per ticket.")
    var lots: UInt32 = 4

    @Option(help: "Miners in the settled task.")
    var miners = 256

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() async throws {
        guard tickets > 0, lots > 0, miners > 0 else { throw ValidationError("all counts must be positive") }
        let clock = ContinuousClock()
        let params = EconomicsParameters.paiMainnet
        let prefs = Preferences.compute(
            try ComputePreferences(modelTypes: ["mlp"], gpuCount: 1, gpuMemoryMiB: 8192, maxDatasetBytes: 1 << 30)
        )
        let pool = (0..<tickets).map { i in
            Ticket(
                id: Hash256.sha256(Array("ticket \(i)".utf8)),
                owner: Address(bytes: Array(Hash256.sha256(Array("owner \(i)".utf8)).bytes.prefix(20)))!,
                role: .miner,
                stake: params.minimumTicketPrice,
                lots: lots,
                purchaseHeight: 0,
                preferences: prefs,
                vrfPublicKey: []
            )
        }
        let betas = pool.map { Hash256.sha256($0.id.bytes).bytes }
        let score = MatchScore(q32: MatchScore.one * 3 / 4)
        var seatsFilled = 0
        let selection = clock.measure {
            var eligible: [Seat] = []
            for (ticket, beta) in zip(pool, betas) {
                eligible += Selection.eligibleLots(ticket: ticket, beta: beta, score: score)
            }
            seatsFilled = Selection.fill(seats: 16, from: eligible).count
        }

        let input = SettlementInput(
            client: Address(bytes: [UInt8](repeating: 0xcc, count: 20))!,
            escrow: Amount(units: 123_456_789_012),
            miners: (0..<miners).map { i in
                MinerContribution(
                    account: pool[i % pool.count].owner,
                    qualityPPM: UInt32(truncatingIfNeeded: i * 7919 % 1_000_000),
                    verifiedIterations: UInt64(i * 31 % 997)
                )
            },
            supervisors: (0..<8).map { pool[(miners + $0) % pool.count].owner },
            evaluators: (0..<4).map { pool[(miners + 8 + $0) % pool.count].owner },
            verifierCharges: (0..<miners).map { i in
                VerifierCharge(
                    verifier: pool[(miners + 12 + i % 16) % pool.count].owner,
                    miner: pool[i % pool.count].owner,
                    blocksChecked: 3
                )
            }
        )
        let settleRounds = 50
        let settle = try clock.measure {
            for _ in 0..<settleRounds { _ = try PayoutRules.settle(input, parameters: params) }
        }

        let priceSteps = 1_000_000
        var price = params.minimumTicketPrice
        let pricing = clock.measure {
            for i in 0..<priceSteps {
                price = TicketPrice.next(
                    current: price,
                    previousPoolSize: 40_000 + UInt64(i % 100),
                    currentPoolSize: 40_000 + UInt64(i % 97),
                    estimatedSupply: Amount(units: 1 << 60),
                    parameters: params
                )
            }
        }

        // Per-attestation re-check: 640 attestations (a full claim v3) by one verifier over distinct blocks.
        let attestationCount = 640
        let signer = try Ed25519.PrivateKey(seed: Hash256.sha256(Array("bench verifier".utf8)).bytes)
        let vrf = try VRF.SecretKey(bytes: Hash256.sha256(Array("bench verifier vrf".utf8)).bytes)
        let task = Hash256.sha256(Array("bench task".utf8))
        let attestations = (0..<attestationCount).map { i in
            let block = Hash256.sha256(Array("bench block \(i)".utf8))
            return BlockAttestation.sign(
                task: task,
                block: block,
                ticket: pool[0].id,
                proof: vrf.prove(alpha: SelectionContext.blockVerifiers(blockHash: block, taskId: task).alpha).bytes,
                key: signer
            )
        }
        let verifier = ECVRFVerifier()
        var attested = 0
        let recheck = clock.measure {
            for a in attestations {
                let alpha = a.context.alpha
                guard verifier.verifiedOutput(publicKey: vrf.publicKey.bytes, alpha: alpha, proof: a.proof) != nil,
                    a.hasValidSignature
                else { continue }
                attested += 1
            }
        }

        let result: [String: Double] = [
            "attestation_recheck_per_second": Double(attestationCount) / recheck.seconds,
            "attestation_recheck_640_seconds": recheck.seconds,
            "attestations_valid": Double(attested),
            "selection_tickets": Double(tickets),
            "selection_lots": Double(tickets) * Double(lots),
            "selection_seconds": selection.seconds,
            "selection_lots_per_second": Double(tickets) * Double(lots) / selection.seconds,
            "selection_seats_filled": Double(seatsFilled),
            "settle_miners": Double(miners),
            "settle_per_second": Double(settleRounds) / settle.seconds,
            "ticket_price_steps_per_second": Double(priceSteps) / pricing.seconds,
            "ticket_price_final_units": Double(price.units),
        ]
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(["economics": result]), as: UTF8.self))
        } else {
            for key in result.keys.sorted() { print("\(key): \(result[key] ?? 0)") }
        }
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
