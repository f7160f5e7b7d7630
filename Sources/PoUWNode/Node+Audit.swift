public import PoUWChain
public import PoUWCore
import PoUWCrypto
public import PoUWEconomics
import PoUWML
public import PoUWProtocol

/// The ticket whose stake an offence forfeits, as the chain holds it.
public struct OffenderTicket: Sendable, Hashable {
    public let ticket: Hash256
    public let stake: Amount

    public init(ticket: Hash256, stake: Amount) {
        self.ticket = ticket
        self.stake = stake
    }
}

/// A cheat this node proved (its own `ReplayEvidenceChecker` said `.proven` before anything was sent).
public struct EvidenceFinding: Sendable {
    /// The proof. Until a ticket is known its `offenderTicket` is all-zero.
    public internal(set) var evidence: PoUWEconomics.Evidence
    /// How the node found it: `block` (replay of a block's message), `audit`, `arrival` (a double signature), or
    /// `checkpoint` (two conflicting signed history checkpoints of a supervisor).
    public let source: String
    /// The EVIDENCE transaction once built and broadcast; `nil` while no seated, staked ticket of the offender
    /// is known (e.g. before the task settles, or on a chain without tickets).
    public internal(set) var transaction: Transaction?
}

/// A node's audit settings and what its audits and evidence produced. One per node (`Node.audit`).
///
/// Guarantees: `findings` holds each proven offence once (by the offending record); nothing is ever broadcast
/// that the node's own checker did not prove.
public final class NodeAudit {
    /// Earlier iterations replayed after each accepted block (`AuditSelection`); 0 turns audits off.
    public var iterationsPerBlock = 1
    /// Fee of the EVIDENCE transactions this node sends.
    public var evidenceFee = Amount.zero
    /// Finds the offender's seated, staked ticket for a task; `nil` means "read it from this node's chain"
    /// (`Blockchain.tickets()`: a ticket of the offender with the offence's role, used in the task, stake neither
    /// returned nor slashed).
    public var ticketLookup: ((_ offender: Address, _ task: Hash256, _ role: TicketRole) -> OffenderTicket?)?
    /// Proven offences, in the order found.
    public internal(set) var findings: [EvidenceFinding] = []
    /// Messages audited and found valid (never replayed twice).
    var auditedValid: Set<Hash256> = []
    /// Audits that lacked an artefact (a batch this node had not fetched yet, say), by message: the artefact is
    /// fetched and the audit replayed again after each accepted block and each tick, at most `maxDeferredRetries`
    /// times.
    var deferred: [Hash256: (task: Hash256, retries: Int)] = [:]
    static let maxDeferred = 64
    static let maxDeferredRetries = 40

    public init() {}
}

extension Node {
    /// The checker over this node's own artefacts: the node proves every cheat with it before sending EVIDENCE.
    /// The same checker is what `Node(…, evidenceChecker:)` should get for the chain's `EconomicLedgerRules`.
    public var evidenceChecker: ReplayEvidenceChecker { ReplayEvidenceChecker(artefacts: artefacts) }

    // MARK: hooks called by Node.swift

    /// After `block` was accepted: random audits of earlier iterations of its task, then a retry of findings that
    /// still lack a ticket.
    func auditAfterAccepting(_ block: Block) {
        retryPendingEvidence()
        retryDeferredAudits()
        // The block's own task (a filler or a paid task), whether or not this node trains it.
        guard audit.iterationsPerBlock > 0, let produced = try? artefacts.message(block.header.msgHash),
            let task = joined[produced.body.taskID], let history = recorders[produced.body.taskID]?.history,
            let position = history.index(of: block.header.msgHash)
        else { return }
        let replay = IterationReplay(task: task.definition, artefacts: artefacts, maxRebuild: 4096)
        for index in AuditSelection.indices(blockID: block.id, before: position, count: audit.iterationsPerBlock) {
            let hash = history.messages[index]
            if audit.auditedValid.contains(hash) { continue }
            statistics.auditsRun += 1
            let verdict = replay.verify(messageHash: hash)
            switch verdict {
            case .valid:
                statistics.auditsValid += 1
                audit.auditedValid.insert(hash)
            case .unavailable(let artefact):
                statistics.auditsUnavailable += 1
                if audit.deferred.count < NodeAudit.maxDeferred {
                    audit.deferred[hash] = (produced.body.taskID, 0)
                    wantForAudit(artefact, message: hash)
                }
            case .invalid:
                statistics.auditsInvalid += 1
                statistics.lastRejection = "audit of message \(hash.short) after block \(block.id.short): \(verdict)"
                if let message = try? protocolStore.message(hash) ?? artefacts.message(hash) {
                    reportFailedReplay(message, source: "audit")
                }
            }
        }
    }

    /// Replays again the audits that lacked an artefact (fetched since, over the transport); one that resolves
    /// moves from `auditsUnavailable` to `auditsValid` or `auditsInvalid` (then reported as any failed audit).
    func retryDeferredAudits() {
        for hash in audit.deferred.keys.sorted() {
            guard var entry = audit.deferred[hash], let task = joined[entry.task] else {
                audit.deferred[hash] = nil
                continue
            }
            let verdict = IterationReplay(task: task.definition, artefacts: artefacts, maxRebuild: 4096)
                .verify(messageHash: hash)
            switch verdict {
            case .valid:
                audit.deferred[hash] = nil
                statistics.auditsUnavailable -= 1
                statistics.auditsValid += 1
                audit.auditedValid.insert(hash)
            case .invalid:
                audit.deferred[hash] = nil
                statistics.auditsUnavailable -= 1
                statistics.auditsInvalid += 1
                statistics.lastRejection = "audit of message \(hash.short) (retried): \(verdict)"
                if let message = try? protocolStore.message(hash) ?? artefacts.message(hash) {
                    reportFailedReplay(message, source: "audit")
                }
            case .unavailable(let artefact):
                entry.retries += 1
                audit.deferred[hash] = entry.retries >= NodeAudit.maxDeferredRetries ? nil : entry
                if entry.retries < NodeAudit.maxDeferredRetries { wantForAudit(artefact, message: hash) }
            }
        }
    }

    /// Wants what an audit of `message` lacked. For a batch: also the batches of the miner's earlier messages back
    /// to the nearest state this node holds (the audit replays all of them), so one retry finds them all.
    func wantForAudit(_ artefact: Artefact, message hash: Hash256) {
        want(artefact, from: nil, message: hash)
        guard case .batch = artefact else { return }
        var current = try? protocolStore.iterationMessage(for: hash)
        var count = 0
        while let body = current?.body, count < 4096 {
            want(body.batchHash, .batch, from: nil)
            guard !artefacts.holds(body.stateHashBefore), body.sequence > 0 else { break }
            current = try? protocolStore.iterationMessage(for: body.previousMessage)
            count += 1
        }
    }

    /// A block whose work replay said `invalid`: if its message is a provable cheat, report it.
    func reportInvalidWork(_ block: Block) {
        guard let message = try? artefacts.message(block.header.msgHash) else { return }
        reportFailedReplay(message, source: "block")
    }

    /// A message the recorder refused: if it is a second message for a slot already recorded, it is a double
    /// signature.
    func noteRefused(_ message: IterationMessage, _ rejection: ArrivalError) {
        guard case .chain(.stale) = rejection, let history = recorders[message.body.taskID]?.history else { return }
        let body = message.body
        for hash in history.messages.reversed() {
            guard let recorded = try? artefacts.message(hash), recorded.body.minerKey == body.minerKey,
                recorded.body.sequence == body.sequence
            else { continue }
            guard let proof = try? DoubleSignatureProof(recorded, message) else { return }
            // A proof too large to embed names both messages by hash: keep the refused one so others can fetch it.
            if !proof.isEmbedded { _ = try? protocolStore.put(message) }
            report(.doubleSignature(proof, ticket: .zero), role: .miner, source: "arrival")
            return
        }
    }

    // MARK: building and sending evidence

    private func reportFailedReplay(_ message: IterationMessage, source: String) {
        report(.failedReplay(message, ticket: .zero), role: .miner, source: source)
    }

    /// Proves `candidate` with this node's checker (its ticket is irrelevant to the proof), then sends it as
    /// EVIDENCE if the offender's ticket is known, or keeps it pending.
    func report(_ candidate: PoUWEconomics.Evidence, role: TicketRole, source: String) {
        // Each offence once; and a node does not accuse itself (its own block was refused by its own replay).
        if candidate.offender == account || audit.findings.contains(where: { $0.evidence.payload == candidate.payload })
        {
            return
        }
        switch evidenceChecker.check(candidate) {
        case .notProven(let reason):
            // Not attributable (e.g. a forged nonce on someone else's honest message): nothing to slash.
            statistics.evidenceNotProven += 1
            statistics.lastEvidence = "no evidence from \(source): \(reason)"
            return
        case .proven:
            statistics.evidenceProven += 1
            statistics.lastEvidence = "proven from \(source): \(candidate.kind) by \(candidate.offender)"
        }
        audit.findings.append(EvidenceFinding(evidence: candidate, source: source, transaction: nil))
        if !sendEvidence(at: audit.findings.count - 1, role: role) { statistics.evidenceWithoutTicket += 1 }
    }

    /// Findings still without a transaction are retried (a ticket may have appeared, e.g. the task settled).
    private func retryPendingEvidence() {
        for i in audit.findings.indices where audit.findings[i].transaction == nil {
            let role: TicketRole = audit.findings[i].evidence.kind == .equivocatingCheckpoint ? .supervisor : .miner
            _ = sendEvidence(at: i, role: role)
        }
    }

    /// Builds, keeps and broadcasts the EVIDENCE transaction of finding `i`; false if no ticket is known.
    private func sendEvidence(at i: Int, role: TicketRole) -> Bool {
        let proof = audit.findings[i].evidence
        guard let found = offenderTicket(proof.offender, task: proof.taskId, role: role) else { return false }
        let evidence = PoUWEconomics.Evidence(
            kind: proof.kind,
            taskId: proof.taskId,
            offender: proof.offender,
            offenderTicket: found.ticket,
            payload: proof.payload
        )
        let ownPending = mempool.filter { tx in
            tx.authorization?.signer == key.publicKey.bytes && (try? chain.transaction(tx.id)) == nil
        }
        let sequence = ((try? chain.account(account).sequence) ?? 0) + UInt64(ownPending.count)
        let transaction = Transaction(
            body: .evidence(
                PoUWChain.Evidence(
                    kind: evidence.kind.rawValue,
                    offender: evidence.offender,
                    taskId: evidence.taskId,
                    slash: found.stake,
                    proof: evidence.canonicalBytes
                )
            ),
            signer: key.publicKey,
            sequence: sequence,
            fee: audit.evidenceFee
        )
        .signed(with: key)
        audit.findings[i].evidence = evidence
        audit.findings[i].transaction = transaction
        receive(transaction)
        broadcast(.transaction(transaction.canonicalBytes))
        statistics.evidenceSent += 1
        return true
    }

    private func offenderTicket(_ offender: Address, task: Hash256, role: TicketRole) -> OffenderTicket? {
        if let lookup = audit.ticketLookup { return lookup(offender, task, role) }
        return NodeAudit.seatedTicket(in: chain, offender: offender, task: task, role: role)
    }
}

extension NodeAudit {
    /// The offender's ticket of `role` seated in `task` whose stake is still locked on `chain` (lowest ticket id
    /// first), as `EconomicLedgerRules` requires of EVIDENCE; `nil` if there is none or the chain is unreadable.
    public static func seatedTicket(
        in chain: Blockchain,
        offender: Address,
        task: Hash256,
        role: TicketRole
    ) -> OffenderTicket? {
        guard let tickets = try? chain.tickets() else { return nil }
        return tickets.first { report in
            report.record.owner == offender && report.record.role == role && report.usedIn == task
                && report.fate == nil
        }
        .map { OffenderTicket(ticket: $0.id, stake: $0.record.stake) }
    }
}

extension ArtefactSource {
    /// The iteration message named by `hash`, if held and decodable.
    func message(_ hash: Hash256) throws -> IterationMessage? {
        try bytes(for: hash).flatMap { try? IterationMessage(canonicalBytes: $0) }
    }
}
