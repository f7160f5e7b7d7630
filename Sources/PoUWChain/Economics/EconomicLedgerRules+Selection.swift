public import PoUWCore
public import PoUWCrypto
public import PoUWEconomics

extension EconomicLedgerRules {
    /// The selection context of `role` for task `taskId` whose PAY_FOR_TASK was included in block `selectionHash`
    /// (the task's recorded selection hash, `selectionHash(task:ledger:)`):
    /// `alpha = "PoUW/select/v1" ‖ selectionHash ‖ taskId ‖ role`. The block id is unknown to the client when it
    /// signs, so it cannot grind its task id to steer which tickets win.
    public static func selectionContext(selectionHash: Hash256, task taskId: Hash256, role: Role) -> SelectionContext {
        SelectionContext(selectionHash: selectionHash, taskId: taskId, role: role)
    }

    /// The selection hash recorded for task `taskId`: the id of the block that included its PAY_FOR_TASK on the
    /// chain `ledger` reads (`nil` if the task is not on that chain).
    public static func selectionHash(task taskId: Hash256, ledger: LedgerOverlay) throws(ChainError) -> Hash256? {
        let key = EconomicState.selectionBlock(taskId)
        return try EconomicState.block(try ledger.value(forKey: key), key: key)
    }

    /// Recomputes a claim's VRF selection from chain data (PROTOCOL.md "Selection"): the claim's requirements must
    /// be those its PAY_FOR_TASK committed to (`TaskTerms`), and the seats of every role exactly `selectionOutcomes`
    /// with the terms' seat counts, in order (verifiers take no task seat: they are drawn per block). Returns the
    /// outcome per role (for reports).
    public func checkSelection(
        _ claim: SettlementClaim,
        taskId: Hash256,
        task: TaskEscrow,
        ledger: LedgerOverlay
    ) throws(ValidationError) -> [Role: SelectionOutcome] {
        func reject(_ reason: String) -> ValidationError { .ruleRejected(tx: taskId, reason: reason) }
        guard let selection = claim.selection else { throw reject("the claim carries no VRF selection proofs") }
        let terms = try Self.recordedTerms(task: taskId, ledger: ledger)
        guard selection.requirements == terms.requirements else {
            throw reject("the claim's requirements differ from the ones its PAY_FOR_TASK committed to")
        }
        var seats: [Role: Int] = [:]
        for role in Role.allCases { seats[role] = terms.seats(role) }
        let outcomes = try selectionOutcomes(
            selection,
            seats: seats,
            taskId: taskId,
            registrationHeight: task.height,
            ledger: ledger
        )
        for role in Role.allCases {
            let claimed = claim.seatTickets(role)
            guard let outcome = outcomes[role] else { continue }
            let won = outcome.seats.map(\.ticket)
            if won != claimed {
                let reasons = outcome.excluded.filter { exclusion in claimed.contains { exclusion.names($0) } }
                let detail = reasons.isEmpty ? "" : " (\(reasons.map(\.description).joined(separator: "; ")))"
                throw reject(
                    "\(role) seats \(claimed.map(\.short)) are not the VRF selection \(won.map(\.short))\(detail)"
                )
            }
        }
        return outcomes
    }

    /// The VRF selection of every role from chain data: the entries are `selection`'s proofs of that role's tickets
    /// (every ticket must exist on chain), verified over the task's recorded selection hash (`selectionHash`);
    /// `Selection.select` runs at the task's registration height (tickets must
    /// be live then and not used by another task) with `selection.requirements` and `seats[role]` seats.
    public func selectionOutcomes(
        _ selection: SelectionClaim,
        seats: [Role: Int],
        taskId: Hash256,
        registrationHeight: UInt64,
        ledger: LedgerOverlay
    ) throws(ValidationError) -> [Role: SelectionOutcome] {
        func reject(_ reason: String) -> ValidationError { .ruleRejected(tx: taskId, reason: reason) }
        let selectionHash: Hash256
        do {
            guard let recorded = try Self.selectionHash(task: taskId, ledger: ledger) else {
                throw reject("task \(taskId.short) has no recorded selection block")
            }
            selectionHash = recorded
        } catch let error as ValidationError {
            throw error
        } catch {
            throw reject("the task's selection block is unreadable: \(error)")
        }
        var entries: [Role: [SelectionEntry]] = [:]
        var used = Set<Hash256>()
        let verifier = ECVRFVerifier()
        for p in selection.proofs {
            let ticket: Ticket
            do {
                guard let record = try ledger.ticket(p.ticket) else {
                    throw reject("selection proof for unknown ticket \(p.ticket.short)")
                }
                ticket = try view(p.ticket, record)
                // Used by an earlier task (a ticket this task's settlement marked stays selectable for it, so
                // the selection can be re-checked after the fact).
                let usedKey = EconomicState.used(p.ticket)
                if let by = try EconomicState.usedBy(try ledger.value(forKey: usedKey), key: usedKey), by != taskId {
                    used.insert(p.ticket)
                }
            } catch let error as ValidationError {
                throw error
            } catch {
                throw reject("ticket \(p.ticket.short) unreadable: \(error)")
            }
            let context = Self.selectionContext(selectionHash: selectionHash, task: taskId, role: ticket.role)
            let beta = verifier.verifiedOutput(publicKey: ticket.vrfPublicKey, alpha: context.alpha, proof: p.proof)
            entries[ticket.role, default: []].append(SelectionEntry(ticket: ticket, beta: beta ?? [], proof: p.proof))
        }
        var outcomes: [Role: SelectionOutcome] = [:]
        for role in Role.allCases {
            outcomes[role] = Selection.select(
                context: Self.selectionContext(selectionHash: selectionHash, task: taskId, role: role),
                requirements: selection.requirements,
                seats: seats[role] ?? 0,
                entries: entries[role] ?? [],
                height: registrationHeight,
                usedTickets: used,
                parameters: parameters,
                verifier: verifier
            )
        }
        return outcomes
    }
}

extension SelectionClaim.Proof {
    /// The proof a ticket holder publishes for task `taskId` included in block `selectionHash`: its VRF secret
    /// key's proof over the task's selection context of the ticket's role (`EconomicLedgerRules.selectionContext`).
    public static func prove(
        ticket: Hash256,
        role: Role,
        task taskId: Hash256,
        selectionHash: Hash256,
        key: VRF.SecretKey
    ) -> Self {
        let alpha = EconomicLedgerRules.selectionContext(selectionHash: selectionHash, task: taskId, role: role).alpha
        return Self(ticket: ticket, proof: key.prove(alpha: alpha).bytes)
    }
}
