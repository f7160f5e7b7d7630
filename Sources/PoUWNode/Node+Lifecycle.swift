import Foundation
public import PoUWChain
public import PoUWCore
public import PoUWCrypto
public import PoUWEconomics
import PoUWML
public import PoUWProtocol

extension Node {
    /// A node's part in the task lifecycle (PROTOCOL.md "Lifecycle"): the tickets it buys, the filler it trains
    /// while no paid task has selected it, the task data clients published, the VRF proofs heard and the
    /// selections derived from them.
    public struct Lifecycle: Sendable {
        /// The bundled model and data fillers train; `nil`: this node neither trains nor checks fillers.
        public internal(set) var fillerSource: FillerTask.Source?
        /// The tickets this node buys (one 1-lot ticket per role) and the preferences each declares.
        public internal(set) var ticketPlan: [Role: Preferences] = [:]
        /// Seats this node's operator asks for when it is the client (a task's seats come from its PAY_FOR_TASK's
        /// terms, recorded by the chain).
        public internal(set) var seats = SeatCounts(miners: 0, supervisors: 0, evaluators: 0, verifiers: 0)
        /// The BUY_TICKETS this node sent, by role; their ids are the ticket ids.
        public internal(set) var purchases: [Role: Transaction] = [:]
        /// Tip height when the pending purchases were sent.
        var purchasedAt: UInt64 = 0
        /// The node's VRF key (ECVRF-P256), derived from its Ed25519 key.
        public internal(set) var vrfKey: VRF.SecretKey?
        /// Paid tasks whose manifests their clients published (`Node.publish`, `Node.receiveManifest`), by id
        /// (joined once selected).
        public internal(set) var offers: [Hash256: PreparedTask] = [:]
        /// VRF proofs heard, by task then ticket, with the node key that announced each ticket.
        public internal(set) var proofs: [Hash256: [Hash256: SelectionClaim.Proof]] = [:]
        public internal(set) var proofOwners: [Hash256: [Hash256: NodeKey]] = [:]
        /// Proofs heard before this node could check them (the task's registration or the ticket not yet on its
        /// chain), by task then ticket; checked when the selection is derived (`Node+SelectionProofs.swift`).
        var proofCandidates: [Hash256: [Hash256: [ProofCandidate]]] = [:]
        /// Tasks this node has sent its own proofs for.
        var proofsSent: Set<Hash256> = []
        /// Selections derived, by task; and why a derivation failed.
        public internal(set) var selections: [Hash256: TaskSelection] = [:]
        public internal(set) var failures: [Hash256: String] = [:]
        /// Block attestations heard (and made), by task, block and verifier ticket: the first one per pair is kept.
        public internal(set) var attestations: [Hash256: [Hash256: [Hash256: BlockAttestation]]] = [:]
        /// How many of `attestations` are for tasks not registered on this node's chain: counted as they are
        /// stored, recounted after each block (`recountUnregisteredAttestations`: a task may have been registered,
        /// or a reorganisation undone a registration). Bounded by `Node.unregisteredAttestationsLimit`.
        var unregisteredAttestations = 0
        /// Main-chain heights this node has considered attesting (its verifier ticket's draws).
        var attestedThrough: UInt64 = 0

        public init() {}
    }

    /// Sets what this node's operator decided: the filler data it holds, the tickets it buys and the seat counts
    /// of the network. Derives the VRF key: `SHA-256(Ed25519 signature of "pouw/vrf-key/v1")` (deterministic).
    public func provision(fillerSource: FillerTask.Source?, tickets: [Role: Preferences], seats: SeatCounts) throws {
        lifecycle.fillerSource = fillerSource
        lifecycle.ticketPlan = tickets
        lifecycle.seats = seats
        lifecycle.vrfKey = try VRF.SecretKey(bytes: SHA256.hash(key.sign(Array("pouw/vrf-key/v1".utf8))).bytes)
    }

    // MARK: fillers

    /// Starts this miner's filler anchored at the current tip, joins it and announces its descriptor.
    func startFiller() throws {
        guard let source = lifecycle.fillerSource else { throw MiningFailure.noTask }
        let filler = try FillerTask.prepare(anchor: chain.tip.id, key: key, source: source)
        try join(filler, rules: try TaskRegistration.fillerRules(filler))
        try startMining(filler)
        broadcast(.transaction(filler.transaction.canonicalBytes))
    }

    /// A filler descriptor arrived: rebuilt and checked (`FillerTask.check`), then joined as any task.
    func learnFiller(_ transaction: Transaction) {
        guard let source = lifecycle.fillerSource, joined[transaction.id] == nil else { return }
        do {
            let filler = try FillerTask.check(transaction, source: source) { anchor in
                (try? chain.indexRecord(anchor)) != nil
            }
            try join(filler, rules: try TaskRegistration.fillerRules(filler))
        } catch {
            statistics.lastRejection = "filler \(transaction.id.short) refused: \(error)"
        }
    }

    // MARK: after every block

    /// Runs after each block this node connects: buys tickets, publishes its VRF proofs for newly registered
    /// tasks, and derives the selection of each task registered at least one block ago.
    func advanceLifecycle() {
        do { try buyTickets() } catch { statistics.lastRejection = "tickets: \(error)" }
        recountUnregisteredAttestations()
        for task in lifecycle.offers.values.sorted(by: { $0.taskID < $1.taskID }) {
            guard lifecycle.selections[task.taskID] == nil, lifecycle.failures[task.taskID] == nil,
                let escrow = try? chain.task(task.taskID)
            else { continue }
            if !lifecycle.proofsSent.contains(task.taskID) { sendProofs(task.taskID) }
            // Proofs are heard until the block after the registration; the selection closes then.
            if chain.tip.height >= escrow.height + 1 { deriveSelection(task) }
        }
        attestBlocks()
    }

    /// Whether `task`'s PAY_FOR_TASK is on this node's chain.
    func isRegistered(_ task: Hash256) -> Bool { ((try? chain.task(task)) ?? nil) != nil }

    // MARK: verifiers drawn per block

    /// For each main-chain block connected since the last call whose iteration message belongs to a paid task with
    /// a known selection: if this node's verifier ticket is drawn for the block (`EconomicLedgerRules.blockDraw`
    /// over `"PoUW/select/v1" ‖ block id ‖ task id ‖ verifier`, alone — its own draw is eligible under the task's
    /// requirements), it signs a `BlockAttestation` (the node accepted the block only after replaying it) and
    /// broadcasts it. Whether it keeps the seat against other drawn verifiers is settled when the evaluators
    /// gather the attestations (the lowest draws win the block's `verifiersPerBlock` seats).
    func attestBlocks() {
        let tip = chain.tip.height
        defer { lifecycle.attestedThrough = max(lifecycle.attestedThrough, tip) }
        guard let vrf = lifecycle.vrfKey, let ticket = lifecycle.purchases[.verifier]?.id,
            (try? chain.ticket(ticket)) ?? nil != nil, tip > lifecycle.attestedThrough
        else { return }
        let ledger = chain.ledgerView()
        for height in (lifecycle.attestedThrough + 1)...tip {
            guard let block = try? chain.block(atHeight: height),
                let message = try? artefacts.message(block.header.msgHash)
            else { continue }
            let taskID = message.body.taskID
            guard lifecycle.selections[taskID] != nil,
                let terms = (try? EconomicLedgerRules.terms(task: taskID, ledger: ledger)) ?? nil
            else { continue }
            let context = SelectionContext.blockVerifiers(blockHash: block.id, taskId: taskID)
            let attestation = BlockAttestation.sign(
                task: taskID,
                block: block.id,
                ticket: ticket,
                proof: vrf.prove(alpha: context.alpha).bytes,
                key: key
            )
            guard
                let draw = try? economics.blockDraw(
                    [attestation],
                    block: block.id,
                    height: height,
                    taskId: taskID,
                    terms: terms,
                    ledger: ledger
                ),
                draw.seats.contains(where: { $0.ticket == ticket })
            else { continue }
            receiveAttestation(attestation.canonicalBytes)
            broadcast(.attestation(attestation.canonicalBytes))
        }
    }

    /// Most attestations a node keeps per task.
    static let attestationsPerTaskLimit = 65_536
    /// Most attestations a node keeps, over all tasks together, for tasks not registered on its chain: the task id
    /// is the sender's choice, so the per-task bound alone would let made-up task ids grow memory without end.
    /// Attestations for registered tasks have only the per-task bound.
    static let unregisteredAttestationsLimit = 16_384

    /// Keeps a heard attestation (validly signed; signed by the ticket's owner once this node can check it; the
    /// first per (task, block, ticket), unless the kept one turns out not to be the owner's) for the settlement.
    /// A new one is refused beyond `attestationsPerTaskLimit` for its task, and, if its task is not registered on
    /// this node's chain, beyond `unregisteredAttestationsLimit` for all such tasks together.
    @discardableResult
    func receiveAttestation(_ bytes: [UInt8]) -> Bool {
        func refuse(_ reason: String) -> Bool {
            statistics.attestationsRefused += 1
            statistics.lastRejection = "attestation refused: \(reason)"
            return false
        }
        guard let attestation = try? BlockAttestation(canonicalBytes: bytes) else {
            statistics.undecodable += 1
            return refuse("undecodable")
        }
        guard attestation.hasValidSignature else { return refuse("not validly signed") }
        let (task, block, ticket) = (attestation.task, attestation.block, attestation.ticket)
        // Only the owner of a verifier ticket may attest for it (what settlement accepts): checked as soon as the
        // ticket is on this node's chain, so somebody else's attestation sent first cannot take the owner's place.
        let record = try? chain.ticket(ticket)
        func ownsTicket(_ candidate: BlockAttestation) -> Bool {
            guard let record else { return true }  // not checkable yet: settlement checks it
            return record.role == .verifier && candidate.signerAddress == record.owner
        }
        guard ownsTicket(attestation) else {
            return refuse("ticket \(ticket.short) is not a verifier ticket of its signer")
        }
        let kept = lifecycle.attestations[task]?[block]?[ticket]
        if let kept, ownsTicket(kept) { return false }
        // Replacing a kept one (not its owner's) keeps as many; a new one is bounded.
        if kept == nil {
            // Bounded per task (a claim carries at most `SettlementClaim.maxAttestations` anyway): attestations
            // for blocks this node never sees cannot grow its memory without end.
            let held = lifecycle.attestations[task]?.values.reduce(0) { $0 + $1.count } ?? 0
            guard held < Self.attestationsPerTaskLimit else {
                return refuse("\(held) already kept for task \(task.short)")
            }
            // Bounded over all unregistered tasks: made-up task ids cannot grow it without end either.
            let registered = isRegistered(task)
            guard registered || lifecycle.unregisteredAttestations < Self.unregisteredAttestationsLimit else {
                return refuse("\(lifecycle.unregisteredAttestations) already kept for tasks not registered")
            }
            if !registered { lifecycle.unregisteredAttestations += 1 }
        }
        lifecycle.attestations[task, default: [:]][block, default: [:]][ticket] = attestation
        return true
    }

    /// Counts again the attestations kept for tasks not registered on this node's chain (after a block: those of
    /// a task registered since no longer count against `unregisteredAttestationsLimit`, those of one whose
    /// registration a reorganisation undid count again). One chain look-up per task kept.
    func recountUnregisteredAttestations() {
        lifecycle.unregisteredAttestations = lifecycle.attestations.reduce(0) { total, entry in
            isRegistered(entry.key) ? total : total + entry.value.values.reduce(0) { $0 + $1.count }
        }
    }

    /// Sends the missing BUY_TICKETS (one 1-lot ticket per planned role at the current price) once the account
    /// can pay for them; purchases not mined within 4 blocks are dropped and sent again.
    func buyTickets() throws {
        guard let vrf = lifecycle.vrfKey, !lifecycle.ticketPlan.isEmpty else { return }
        let pending = lifecycle.purchases.filter { (try? chain.transaction($0.value.id)) == nil }
        if !pending.isEmpty {
            guard chain.tip.height >= lifecycle.purchasedAt + 4 else { return }
            for (role, tx) in pending {
                lifecycle.purchases[role] = nil
                unpool { $0.id == tx.id }
            }
        }
        let missing = lifecycle.ticketPlan.keys.sorted().filter { lifecycle.purchases[$0] == nil }
        guard !missing.isEmpty else { return }
        let state = try chain.account(account)
        let price = try economics.price(at: chain.tip.height + 1, ledger: chain.ledgerView())
        guard state.balance.units >= price.units * UInt64(missing.count) else { return }
        var sequence = state.sequence
        for role in missing {
            guard let preferences = lifecycle.ticketPlan[role], let ticketRole = TicketRole(rawValue: role.rawValue)
            else { continue }
            let body = BuyTickets(
                role: ticketRole,
                count: 1,
                stake: price,
                preferences: preferences.canonicalBytes,
                vrfPublicKey: vrf.publicKey.bytes
            )
            let tx = Transaction(body: .buyTickets(body), signer: key.publicKey, sequence: sequence, fee: .zero)
                .signed(with: key)
            sequence += 1
            lifecycle.purchases[role] = tx
            pool(tx)
            broadcast(.transaction(tx.canonicalBytes))
        }
        lifecycle.purchasedAt = chain.tip.height
    }

    /// Publishes this node's VRF proof of every ticket it holds on chain for `taskID`, over the task's selection
    /// hash (the id of the block that included it).
    func sendProofs(_ taskID: Hash256) {
        guard let vrf = lifecycle.vrfKey, let selectionHash = try? chain.selectionHash(task: taskID) else { return }
        lifecycle.proofsSent.insert(taskID)
        for role in lifecycle.purchases.keys.sorted() {
            guard let tx = lifecycle.purchases[role], (try? chain.ticket(tx.id)) ?? nil != nil else { continue }
            let proof = SelectionClaim.Proof.prove(
                ticket: tx.id,
                role: role,
                task: taskID,
                selectionHash: selectionHash,
                key: vrf
            )
            receiveSelectionProof(task: taskID, ticket: tx.id, proof: proof.proof, owner: nodeKey)
            broadcast(.selectionProof(task: taskID, ticket: tx.id, proof: proof.proof, owner: nodeKey))
        }
    }

    /// Derives `task`'s selection from chain data and the proofs heard, joins it, and — if this node's miner
    /// ticket won a seat — makes it the task this node trains.
    func deriveSelection(_ task: PreparedTask) {
        settleProofCandidates(task: task.taskID)  // Node+SelectionProofs.swift
        do {
            let selection = try TaskRegistration.select(
                task: task,
                proofs: (lifecycle.proofs[task.taskID] ?? [:]).values.sorted { $0.ticket < $1.ticket },
                keys: lifecycle.proofOwners[task.taskID] ?? [:],
                chain: chain,
                rules: economics
            )
            lifecycle.selections[task.taskID] = selection
            try join(task, rules: selection.rules)
            // A task whose client already ended training is not started.
            if has(.miner), selection.minerKeys.contains(nodeKey), endOfTraining.announcements[task.taskID] == nil {
                try startMining(task)
            }
        } catch {
            lifecycle.failures[task.taskID] = "\(error)"
            statistics.lastRejection = "task \(task.taskID.short): \(error)"
        }
    }
}
