public import PoUWCore
import PoUWCrypto
public import PoUWEconomics

extension EconomicLedgerRules {
    /// The terms task `taskId`'s PAY_FOR_TASK committed to (`nil` if the task is not on this chain or was
    /// registered without terms).
    public static func terms(task taskId: Hash256, ledger: LedgerOverlay) throws(ChainError) -> TaskTerms? {
        let key = EconomicState.terms(taskId)
        return try EconomicState.terms(try ledger.value(forKey: key), key: key)
    }

    /// `terms(task:ledger:)` as a rule: a task without readable terms rejects the transaction that needs them.
    static func recordedTerms(task taskId: Hash256, ledger: LedgerOverlay) throws(ValidationError) -> TaskTerms {
        let found: TaskTerms?
        do { found = try terms(task: taskId, ledger: ledger) } catch {
            throw .ruleRejected(tx: taskId, reason: "the task's terms are unreadable: \(error)")
        }
        guard let found else { throw .ruleRejected(tx: taskId, reason: "task \(taskId.short) has no recorded terms") }
        return found
    }

    /// The height and coinbase account recorded for `block` (blocks connected while a task was open).
    public static func minedBlock(
        _ block: Hash256,
        ledger: LedgerOverlay
    ) throws(ChainError) -> (height: UInt64, miner: Address)? {
        let key = EconomicState.minedBlock(block)
        return try EconomicState.minedBlock(try ledger.value(forKey: key), key: key)
    }

    /// The per-block verifier draw (PROTOCOL.md "Selection"; Docs/economics.md "Verifiers drawn per block"): the
    /// attestations for one block of a task are the entries of `Selection.select` over the block's verifier
    /// context (`"PoUW/select/v1" ‖ block id ‖ task id ‖ verifier`), scored against the task's requirements, at
    /// the block's height, with `verifiersPerBlock` seats. Every entry's ticket must be a verifier ticket on chain
    /// whose stake is still locked (`requireStake`; a re-check after the settlement passes `false`, since the stake
    /// may have returned since). Returns the outcome (seats in draw order, exclusions by name).
    public func blockDraw(
        _ attestations: [BlockAttestation],
        block: Hash256,
        height: UInt64,
        taskId: Hash256,
        terms: TaskTerms,
        ledger: LedgerOverlay,
        requireStake: Bool = true
    ) throws(ValidationError) -> SelectionOutcome {
        func reject(_ reason: String) -> ValidationError { .ruleRejected(tx: taskId, reason: reason) }
        let context = SelectionContext.blockVerifiers(blockHash: block, taskId: taskId)
        let verifier = ECVRFVerifier()
        var entries: [SelectionEntry] = []
        for a in attestations {
            do {
                guard let record = try ledger.ticket(a.ticket) else {
                    throw reject("attestation by unknown ticket \(a.ticket.short)")
                }
                let gone = try ledger.value(forKey: EconomicState.fate(a.ticket)) != nil
                guard !requireStake || !gone else {
                    throw reject("verifier ticket \(a.ticket.short) has no stake left")
                }
                let ticket = try view(a.ticket, record)
                let beta = verifier.verifiedOutput(publicKey: ticket.vrfPublicKey, alpha: context.alpha, proof: a.proof)
                entries.append(SelectionEntry(ticket: ticket, beta: beta ?? [], proof: a.proof))
            } catch let error as ValidationError {
                throw error
            } catch {
                throw reject("ticket \(a.ticket.short) unreadable: \(error)")
            }
        }
        return Selection.select(
            context: context,
            requirements: terms.requirements,
            seats: Int(terms.verifiersPerBlock),
            entries: entries,
            height: height,
            usedTickets: [],
            parameters: parameters,
            verifier: VerifiedOutputs(entries: entries, alpha: context.alpha, fallback: verifier)
        )
    }

    /// Checks a v3 claim's block attestations against chain data and returns what each miner owes its verifiers:
    /// one `VerifierCharge` (1 block) per verifier seat won. For every attested block:
    ///
    /// - the block is on this chain (`minedBlock`), after the task's registration and at or below `height`, and
    ///   its coinbase account owns one of the claim's miner seats — else "not of the task";
    /// - every attestation is signed by its ticket's owner (`BlockAttestation.hasValidSignature`);
    /// - every attesting ticket holds one of the block's `blockDraw` seats — else "not drawn" (with the reason:
    ///   a VRF proof over another block does not verify, a draw above the ticket's match score, more attesters
    ///   than `verifiersPerBlock`).
    ///
    /// A repeated (block, ticket) pair cannot reach here: the claim does not decode. `requireStake: false` re-checks
    /// a settled claim (see `blockDraw`).
    public func verifierCharges(
        _ claim: SettlementClaim,
        taskId: Hash256,
        task: TaskEscrow,
        height: UInt64,
        owners: [Hash256: Address],
        ledger: LedgerOverlay,
        requireStake: Bool = true
    ) throws(ValidationError) -> [VerifierCharge] {
        func reject(_ reason: String) -> ValidationError { .ruleRejected(tx: taskId, reason: reason) }
        let terms = try Self.recordedTerms(task: taskId, ledger: ledger)
        let minerAccounts = Set(claim.miners.compactMap { owners[$0.ticket] })
        let attestations = claim.attestations(task: taskId)
        var charges: [VerifierCharge] = []
        var start = 0
        while start < attestations.count {
            let block = attestations[start].block
            var end = start
            while end < attestations.count && attestations[end].block == block { end += 1 }
            let group = Array(attestations[start..<end])
            start = end
            let mined: (height: UInt64, miner: Address)
            do {
                guard let found = try Self.minedBlock(block, ledger: ledger) else {
                    throw reject(
                        "attestation for block \(block.short), which is not of task \(taskId.short): not on this chain"
                    )
                }
                mined = found
            } catch let error as ValidationError {
                throw error
            } catch {
                throw reject("block \(block.short) unreadable: \(error)")
            }
            guard mined.height > task.height, mined.height <= height else {
                throw reject(
                    "attestation for block \(block.short), which is not of task \(taskId.short): height "
                        + "\(mined.height) is outside the task's window (\(task.height), \(height)]"
                )
            }
            guard minerAccounts.contains(mined.miner) else {
                throw reject(
                    "attestation for block \(block.short), which is not of task \(taskId.short): mined by "
                        + "\(mined.miner), who holds none of its miner seats"
                )
            }
            for a in group {
                do {
                    guard let record = try ledger.ticket(a.ticket), a.signerAddress == record.owner,
                        a.hasValidSignature
                    else { throw reject("attestation of ticket \(a.ticket.short) is not signed by its owner") }
                } catch let error as ValidationError {
                    throw error
                } catch {
                    throw reject("ticket \(a.ticket.short) unreadable: \(error)")
                }
            }
            let outcome = try blockDraw(
                group,
                block: block,
                height: mined.height,
                taskId: taskId,
                terms: terms,
                ledger: ledger,
                requireStake: requireStake
            )
            let seated = Set(outcome.seats.map(\.ticket))
            for a in group where !seated.contains(a.ticket) {
                let reasons = outcome.excluded.filter { $0.names(a.ticket) }.map(\.description)
                let detail = reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"
                throw reject("verifier ticket \(a.ticket.short) was not drawn for block \(block.short)\(detail)")
            }
            for seat in outcome.seats {
                charges.append(VerifierCharge(verifier: seat.owner, miner: mined.miner, blocksChecked: 1))
            }
        }
        return charges
    }
}

/// The outputs `blockDraw` already verified (one ECVRF verification per attestation instead of two): answers
/// from them for the same key, input and proof, and asks the real verifier for anything else.
private struct VerifiedOutputs: VRFVerifying {
    let known: [[UInt8]: [UInt8]]
    let alpha: [UInt8]
    let fallback: ECVRFVerifier

    init(entries: [SelectionEntry], alpha: [UInt8], fallback: ECVRFVerifier) {
        var known: [[UInt8]: [UInt8]] = [:]
        for e in entries where !e.beta.isEmpty { known[e.ticket.vrfPublicKey + e.proof] = e.beta }
        self.known = known
        self.alpha = alpha
        self.fallback = fallback
    }

    func verifiedOutput(publicKey: [UInt8], alpha: [UInt8], proof: [UInt8]) -> [UInt8]? {
        if alpha == self.alpha, let beta = known[publicKey + proof] { return beta }
        return fallback.verifiedOutput(publicKey: publicKey, alpha: alpha, proof: proof)
    }
}
