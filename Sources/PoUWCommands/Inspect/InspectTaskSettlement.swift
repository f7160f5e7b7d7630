import Foundation
import PoUWChain
import PoUWCore
import PoUWEconomics
import PoUWNode

/// The economic side of `pouw-inspect task`: the settling TASK_RESULT's claim, each ticket's VRF selection proof
/// re-verified and its seat, and the payout table recomputed with the chain's rule (`EconomicLedgerRules`).
struct InspectTaskSettlement: Codable {
    struct ProofLine: Codable {
        var ticket: String
        var role: String
        var owner: String
        var proof: String
        /// `valid` if the proof verifies under the ticket's VRF key for the task's context, else why not.
        var verified: String
        /// Ratio of lot 0's draw, in [0, 1): the ticket is eligible when it is below its match score.
        var ratio: Double?
        var score: Double?
        /// Seat number within the role (draw order), if the ticket won one.
        var seat: Int?
    }

    /// A drawn verifier's attestation of one block of the task (claim v3).
    struct AttestationLine: Codable {
        var block: String
        var height: UInt64?
        var ticket: String
        var owner: String
        /// `valid` if the VRF proof verifies over the block's verifier context, else why not.
        var verified: String
        /// Ratio of lot 0's draw over the block's hash.
        var ratio: Double?
    }

    struct PayoutLineOutput: Codable {
        var account: String
        var quality: String
        var work: String
        var quota: String
        var verification: String
        var verificationPaid: String
        var refund: String
        var net: String
        enum CodingKeys: String, CodingKey {
            case account, quality, work, quota, verification, refund, net
            case verificationPaid = "verification_paid"
        }
    }

    var result: String
    var selectionRecheck: String
    var requirements: String?
    var proofs: [ProofLine]
    /// The re-check of the per-block verifier draws, and each attestation.
    var verifierRecheck: String
    var attestations: [AttestationLine]
    var payouts: [PayoutLineOutput]
    var slashed: [String]

    enum CodingKeys: String, CodingKey {
        case result, requirements, proofs, payouts, slashed, attestations
        case selectionRecheck = "selection_recheck"
        case verifierRecheck = "verifier_recheck"
    }

    /// Builds the view for task `id` settled by `result` (transaction id `resultID`), from `stored`'s chain state.
    static func make(id: Hash256, result: TaskResult, resultID: Hash256, stored: StoredData) throws -> Self {
        let ledger = LedgerOverlay(base: stored.chain)
        let rules = EconomicLedgerRules(parameters: .preset(for: .local), checker: UnavailableEvidenceChecker())
        let claim = try SettlementClaim(canonicalBytes: result.metrics)
        var proofs: [ProofLine] = []
        var recheck = "no VRF proofs in the claim (v1)"
        if let selection = claim.selection, let escrow = try ledger.task(id) {
            // A chain without the task's recorded selection block: checkSelection says so; every proof then shows
            // as not verifying.
            let selectionHash = try EconomicLedgerRules.selectionHash(task: id, ledger: ledger) ?? .zero
            do {
                let outcomes = try rules.checkSelection(claim, taskId: id, task: escrow, ledger: ledger)
                recheck = "valid: the seats are the VRF selection of the proofs at height \(escrow.height)"
                _ = outcomes
            } catch {
                recheck = "invalid: \(error)"
            }
            var scores: [Hash256: MatchScore] = [:]
            for p in selection.proofs {
                guard let record = try ledger.ticket(p.ticket) else { continue }
                guard let role = Role(rawValue: record.role.rawValue) else { continue }
                let alpha = EconomicLedgerRules.selectionContext(selectionHash: selectionHash, task: id, role: role)
                    .alpha
                let beta = ECVRFVerifier().verifiedOutput(publicKey: record.vrfPublicKey, alpha: alpha, proof: p.proof)
                let preferences = try? Preferences(canonicalBytes: record.preferences)
                let score = preferences.map { MatchScore.of($0, for: selection.requirements) }
                scores[p.ticket] = score
                let seat = claim.seatTickets(role).firstIndex(of: p.ticket)
                proofs.append(
                    ProofLine(
                        ticket: p.ticket.hex,
                        role: role.description,
                        owner: record.owner.description,
                        proof: Hex.encode(p.proof),
                        verified: beta == nil ? "does not verify" : "valid",
                        ratio: beta.flatMap { Hash256(bytes: $0) }.map { Double($0.w0) / 18_446_744_073_709_551_616.0 },
                        score: score.map { Double($0.q32) / Double(MatchScore.one) },
                        seat: seat.map { $0 + 1 }
                    )
                )
            }
        }
        var owners: [Hash256: Address] = [:]
        for seat in claim.seats { owners[seat.ticket] = try ledger.ticket(seat.ticket)?.owner }
        // Per-block verifier draws (claim v3): every attestation's proof over its block, and the charges re-derived.
        var charges: [VerifierCharge]? = nil
        var verifierRecheck = "no block attestations (claim v\(claim.version): verifiers charged per task)"
        var attestations: [AttestationLine] = []
        if claim.attestations != nil, let escrow = try ledger.task(id) {
            do {
                charges = try rules.verifierCharges(
                    claim,
                    taskId: id,
                    task: escrow,
                    height: max(1, try stored.chain.mainChainCount()) - 1,
                    owners: owners,
                    ledger: ledger,
                    requireStake: false
                )
                verifierRecheck =
                    "valid: \(charges?.count ?? 0) verifier seat(s) drawn over \(Set(claim.attestations(task: id).map(\.block)).count) block(s), each paid by the block's miner"
            } catch {
                verifierRecheck = "invalid: \(error)"
            }
            for a in claim.attestations(task: id) {
                let record = try ledger.ticket(a.ticket)
                let beta = record.flatMap {
                    ECVRFVerifier().verifiedOutput(publicKey: $0.vrfPublicKey, alpha: a.context.alpha, proof: a.proof)
                }
                attestations.append(
                    AttestationLine(
                        block: a.block.hex,
                        height: try EconomicLedgerRules.minedBlock(a.block, ledger: ledger)?.height,
                        ticket: a.ticket.hex,
                        owner: record?.owner.description ?? "?",
                        verified: beta == nil ? "does not verify" : a.hasValidSignature ? "valid" : "bad signature",
                        ratio: beta.flatMap { Hash256(bytes: $0) }.map { Double($0.w0) / 18_446_744_073_709_551_616.0 }
                    )
                )
            }
        }
        var payouts: [PayoutLineOutput] = []
        if let escrow = try ledger.task(id),
            let table = try? rules.expectedPayouts(claim, task: escrow, owners: owners, charges: charges).table
        {
            payouts = table.lines.map {
                PayoutLineOutput(
                    account: $0.account.description,
                    quality: $0.quality.description,
                    work: $0.work.description,
                    quota: $0.quota.description,
                    verification: $0.verification.description,
                    verificationPaid: $0.verificationPaid.description,
                    refund: $0.refund.description,
                    net: $0.net.description
                )
            }
        }
        var slashed: [String] = []
        for seat in claim.seats {
            let key = EconomicState.fate(seat.ticket)
            if try EconomicState.stakeFate(try ledger.value(forKey: key), key: key) == .slashed {
                slashed.append(seat.ticket.hex)
            }
        }
        return InspectTaskSettlement(
            result: resultID.hex,
            selectionRecheck: recheck,
            requirements: claim.selection.map { Hex.encode($0.requirements.canonicalBytes) },
            proofs: proofs,
            verifierRecheck: verifierRecheck,
            attestations: attestations,
            payouts: payouts,
            slashed: slashed
        )
    }

    func printText() {
        print("TASK_RESULT \(result)\nselection re-check: \(selectionRecheck)")
        if !proofs.isEmpty {
            print("role        seat  ticket        owner                                     score   ratio  proof")
            func pad(_ text: String, _ width: Int) -> String {
                text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
            }
            for p in proofs {
                let proof = p.verified == "valid" ? String(p.proof.prefix(16)) + "…" : "INVALID"
                print(
                    pad(p.role, 10) + "  " + pad(p.seat.map(String.init) ?? "-", 4) + "  " + String(p.ticket.prefix(12))
                        + "  " + p.owner + String(format: "  %6.4f  %6.4f  ", p.score ?? 0, p.ratio ?? 0) + proof
                )
            }
        }
        print("verifiers drawn per block: \(verifierRecheck)")
        if !attestations.isEmpty {
            print("  height  block         verifier ticket  owner                                     ratio  proof")
            for a in attestations.sorted(by: { ($0.height ?? 0, $0.ticket) < ($1.height ?? 0, $1.ticket) }) {
                let height = a.height.map(String.init) ?? "?"
                print(
                    "  " + String(repeating: " ", count: max(0, 6 - height.count)) + height + "  "
                        + String(a.block.prefix(12))
                        + "  " + String(a.ticket.prefix(12)) + "     " + a.owner
                        + String(format: "  %6.4f  ", a.ratio ?? 0) + a.verified
                )
            }
        }
        if !payouts.isEmpty {
            print("payout table (account: quality + work + quota + verification − verification paid + refund = net)")
            for l in payouts {
                print(
                    "  \(l.account): \(l.quality) + \(l.work) + \(l.quota) + \(l.verification) − \(l.verificationPaid)"
                        + " + \(l.refund) = \(l.net)"
                )
            }
        }
        print(slashed.isEmpty ? "slashing: none" : "slashed tickets: \(slashed.joined(separator: ", "))")
    }
}
