import PoUWChain
import PoUWCore
import PoUWEconomics
import PoUWProtocol

/// A selection proof heard before this node could check it.
struct ProofCandidate: Sendable, Equatable {
    let proof: [UInt8]
    let owner: NodeKey
}

extension Node {
    /// Most unchecked proofs kept per ticket, and in all (what arrives beyond is dropped; a ticket's owner
    /// re-sends its proof while the selection is open).
    static let proofCandidatesPerTicket = 4
    static let proofCandidatesLimit = 4096

    /// What a heard selection proof is, against this node's chain.
    enum ProofCheck: Equatable {
        case valid
        case invalid(String)
        /// The task's registration (its selection block) is not on this node's chain yet.
        case notYet
    }

    /// Checks a proof the way the selection will (`EconomicLedgerRules.selectionOutcomes`): the ticket is on chain,
    /// the announcing key owns it, and the VRF proof verifies under the ticket's VRF key for the task's selection
    /// context of the ticket's role.
    func checkSelectionProof(task: Hash256, ticket: Hash256, proof: [UInt8], owner: NodeKey) -> ProofCheck {
        guard let selectionHash = try? chain.selectionHash(task: task) else { return .notYet }
        // Tickets bought after the registration cannot take part, so an unknown ticket never will.
        guard let record = try? chain.ticket(ticket) else { return .invalid("ticket \(ticket.short) is not on chain") }
        guard let role = Role(rawValue: record.role.rawValue) else { return .invalid("the ticket's role is unknown") }
        guard (try? TaskSettlement.account(of: owner)) == record.owner else {
            return .invalid("announced by key \(owner.short), which does not own the ticket")
        }
        let alpha = EconomicLedgerRules.selectionContext(selectionHash: selectionHash, task: task, role: role).alpha
        guard ECVRFVerifier().verifiedOutput(publicKey: record.vrfPublicKey, alpha: alpha, proof: proof) != nil else {
            return .invalid("the VRF proof does not verify under the ticket's key")
        }
        return .valid
    }

    /// Keeps a published proof until the task's selection closes: a valid one at once (the first per ticket), an
    /// invalid one never (counted in `NodeStatistics.proofsRefused`, the reason in `lastRejection`), one this node
    /// cannot check yet as a candidate, checked when the selection is derived. So a peer that sends a forged proof
    /// or a wrong owner for somebody else's ticket first cannot shut the real proof out.
    func receiveSelectionProof(task: Hash256, ticket: Hash256, proof: [UInt8], owner: NodeKey) {
        guard lifecycle.selections[task] == nil, lifecycle.proofs[task]?[ticket] == nil else { return }
        switch checkSelectionProof(task: task, ticket: ticket, proof: proof, owner: owner) {
        case .valid:
            accept(task: task, ticket: ticket, candidate: ProofCandidate(proof: proof, owner: owner))
        case .invalid(let reason):
            statistics.proofsRefused += 1
            statistics.lastRejection = "selection proof for ticket \(ticket.short) refused: \(reason)"
        case .notYet:
            let candidate = ProofCandidate(proof: proof, owner: owner)
            let held = lifecycle.proofCandidates[task]?[ticket] ?? []
            let total = lifecycle.proofCandidates.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } }
            guard !held.contains(candidate), held.count < Self.proofCandidatesPerTicket,
                total < Self.proofCandidatesLimit
            else { return }
            lifecycle.proofCandidates[task, default: [:]][ticket] = held + [candidate]
        }
    }

    /// Checks `task`'s unchecked candidates now that its registration is on chain: per ticket without a proof,
    /// the first candidate (in byte order, so every node picks the same) that checks out is kept.
    func settleProofCandidates(task: Hash256) {
        guard let candidates = lifecycle.proofCandidates.removeValue(forKey: task) else { return }
        for (ticket, heard) in candidates.sorted(by: { $0.key < $1.key }) where lifecycle.proofs[task]?[ticket] == nil {
            let ordered = heard.sorted {
                $0.proof != $1.proof
                    ? $0.proof.lexicographicallyPrecedes($1.proof)
                    : $0.owner.bytes.lexicographicallyPrecedes($1.owner.bytes)
            }
            guard
                let valid = ordered.first(where: {
                    checkSelectionProof(task: task, ticket: ticket, proof: $0.proof, owner: $0.owner) == .valid
                })
            else {
                statistics.proofsRefused += heard.count
                continue
            }
            accept(task: task, ticket: ticket, candidate: valid)
        }
    }

    private func accept(task: Hash256, ticket: Hash256, candidate: ProofCandidate) {
        lifecycle.proofs[task, default: [:]][ticket] = SelectionClaim.Proof(ticket: ticket, proof: candidate.proof)
        lifecycle.proofOwners[task, default: [:]][ticket] = candidate.owner
        lifecycle.proofCandidates[task]?[ticket] = nil
    }
}
