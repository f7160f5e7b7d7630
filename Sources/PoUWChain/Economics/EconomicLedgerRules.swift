public import PoUWCore
import PoUWCrypto
public import PoUWEconomics

/// The economics module's rules (`PoUWEconomics`) as consensus rules of the chain.
///
/// - BUY_TICKETS: at most `maxFreshTicketsPerBlock` per block; preferences must decode (record 0x71) and fit the role; `stake ≥ price in force` (PAI's
///   DCP0001 rule with its clamps, `TicketPrice.forBlock`, from the pool counts in chain state); `count` must equal
///   the ticket's lots `floor(stake / price)` (≤ `maxLotsPerTicket`): one record per purchase, its weight in lots.
/// - PAY_FOR_TASK: must carry its `TaskTerms` (transaction v2; seat counts, verifiers per block, requirements),
///   recorded under `r‖taskId`; the id of the block that includes it is recorded as the task's selection hash
///   (`h‖taskId`), the seed of its VRF selection (`selectionContext`). While any task is open, every block's
///   height and coinbase account are recorded (`b‖blockId`) for the per-block verifier draw.
/// - Every block: the stake of each ticket whose expiry height is this block's returns to its owner (used or not,
///   unless slashed), and the price retargets at multiples of `priceWindow`.
/// - TASK_RESULT: `metrics` is a `SettlementClaim` (0x76 v3); every seat ticket must exist, be of the seat's role,
///   mature, unexpired, not used before and not named twice; the claim's requirements must be the PAY_FOR_TASK's
///   and its seats exactly the VRF selection the claim's proofs give at the task's registration height with the
///   terms' seat counts (`checkSelection`); every block attestation must be by a verifier drawn for a block of the
///   task (`verifierCharges`); the evaluator signers must be the evaluator seats' owners (strict majority,
///   `TaskResultRules.checkSigners`); the payouts must sum to the escrow exactly and equal `PayoutRules.settle`
///   with the attestations' charges (one line per account with a positive net, ascending address). The seat
///   tickets are then marked used and recorded for the task with the attesting verifier tickets.
/// - EVIDENCE: `proof` is an economics `Evidence` record (0x73, which names the offender's ticket); kind, task and
///   offender must match; the ticket must be the offender's, seated in the settled task, and still staked;
///   `slash` must be its whole stake; `SlashingRules.confiscate` then rejects reuse and anything the injected
///   `EvidenceChecker` does not prove, and shares the stake among the task's other seat owners (burned only
///   when there are none).
///
/// Guarantees: deterministic; all state it keeps lives in the ledger (`EconomicState`), so reorgs undo it and a
/// replay re-derives it.
public struct EconomicLedgerRules: LedgerRules {
    public let parameters: EconomicsParameters
    public let checker: any EvidenceChecker & Sendable

    public init(parameters: EconomicsParameters, checker: any EvidenceChecker & Sendable) {
        self.parameters = parameters
        self.checker = checker
    }

    // MARK: price and pool

    /// The ticket price in force for the block at `height` (pure function of the state before that block).
    public func price(at height: UInt64, ledger: LedgerOverlay) throws(ChainError) -> Amount {
        try Self.price(at: height, ledger: ledger, parameters: parameters)
    }

    /// The ticket price in force for the block at `height` under `parameters` (the same rule, no checker needed).
    public static func price(
        at height: UInt64,
        ledger: LedgerOverlay,
        parameters: EconomicsParameters
    )
        throws(ChainError) -> Amount
    {
        func counter(_ key: [UInt8]) throws(ChainError) -> UInt64 {
            try EconomicState.counter(try ledger.value(forKey: key), key: key)
        }
        var previous = parameters.minimumTicketPrice
        switch try EconomicState.value(try ledger.value(forKey: EconomicState.price), key: EconomicState.price) {
        case .price(let amount, let at)?:
            if at == height { return amount }
            previous = amount
        case nil: break
        case let other?:
            throw .corruptState(key: "mtprice", reason: "expected a price, found \(other)")
        }
        return TicketPrice.forBlock(
            height: height,
            previousBlockPrice: previous,
            poolSizeAtPreviousRetarget: try counter(EconomicState.poolAtRetarget),
            poolSizeNow: try counter(EconomicState.pool),
            estimatedSupply: BlockReward.estimatedSupply(height: height, parameters: parameters),
            parameters: parameters
        )
    }

    func counter(_ key: [UInt8], _ ledger: LedgerOverlay) throws(ChainError) -> UInt64 {
        try EconomicState.counter(try ledger.value(forKey: key), key: key)
    }

    func setCounter(_ key: [UInt8], _ value: UInt64, _ ledger: inout LedgerOverlay) throws(ChainError) {
        try ledger.set(key, value == 0 ? nil : EconomicStateValue.counter(value).canonicalBytes)
    }

    public func beginBlock(height: UInt64, blockID: Hash256, ledger: inout LedgerOverlay) throws(ChainError) {
        // The block every PAY_FOR_TASK in it records as its task's selection hash (`didApply`).
        try ledger.set(EconomicState.currentBlock, EconomicStateValue.block(blockID).canonicalBytes)
        // Expiry first: the returned tickets leave the pool the price is computed from.
        let key = EconomicState.expiring(height)
        for id in try EconomicState.tickets(try ledger.value(forKey: key), key: key) {
            guard try ledger.value(forKey: EconomicState.fate(id)) == nil, let record = try ledger.ticket(id) else {
                continue
            }
            var owner = try ledger.account(record.owner)
            owner.locked = Amount(units: owner.locked.units - min(owner.locked.units, record.stake.units))
            owner.balance = try TransactionApplier.add(owner.balance, record.stake, id)
            try ledger.setAccount(record.owner, owner)
            try ledger.set(EconomicState.fate(id), EconomicStateValue.stakeFate(.released).canonicalBytes)
            try setCounter(EconomicState.pool, max(1, try counter(EconomicState.pool, ledger)) - 1, &ledger)
        }
        let price = try price(at: height, ledger: ledger)
        try ledger.set(EconomicState.price, EconomicStateValue.price(price, height: height).canonicalBytes)
        if height % UInt64(parameters.priceWindow) == 0 {
            try setCounter(EconomicState.poolAtRetarget, try counter(EconomicState.pool, ledger), &ledger)
        }
    }

    public func endBlock(
        height: UInt64,
        blockID: Hash256,
        coinbase: Coinbase,
        ledger: inout LedgerOverlay
    ) throws(ChainError) {
        guard try counter(EconomicState.openTasks, ledger) > 0, let miner = coinbase.outputs.first?.to else { return }
        try ledger.set(
            EconomicState.minedBlock(blockID),
            EconomicStateValue.minedBlock(height: height, miner: miner).canonicalBytes
        )
    }

    // MARK: PAY_FOR_TASK

    public func checkPayForTask(
        _ tx: Transaction,
        _ payment: PayForTask,
        height: UInt64,
        ledger: LedgerOverlay
    ) throws(ValidationError) {
        guard let bytes = payment.terms else {
            throw .ruleRejected(tx: tx.id, reason: "PAY_FOR_TASK carries no task terms (seats and requirements)")
        }
        do { _ = try TaskTerms(canonicalBytes: bytes) } catch {
            throw .ruleRejected(tx: tx.id, reason: "task terms do not decode: \(error)")
        }
    }

    // MARK: BUY_TICKETS

    public func checkTickets(
        _ tx: Transaction,
        _ tickets: BuyTickets,
        height: UInt64,
        ledger: LedgerOverlay
    )
        throws(ValidationError)
    {
        func reject(_ reason: String) -> ValidationError { .ruleRejected(tx: tx.id, reason: reason) }
        guard let role = Role(rawValue: tickets.role.rawValue) else { throw reject("unknown role") }
        let preferences: Preferences
        do { preferences = try Preferences(canonicalBytes: tickets.preferences) } catch {
            throw reject("preferences are not a preference record: \(error)")
        }
        let price: Amount
        do { price = try self.price(at: height, ledger: ledger) } catch { throw reject("state unreadable: \(error)") }
        guard let signer = tx.authorization.flatMap({ Address(bytes: SHA256.hash($0.signer).bytes.prefix(20)) }) else {
            throw reject("unsigned purchase")
        }
        let ticket: Ticket
        do throws(TicketRejection) {
            ticket = try TicketRules.purchase(
                id: tx.id,
                owner: signer,
                role: role,
                stake: tickets.stake,
                preferences: preferences,
                vrfPublicKey: tickets.vrfPublicKey,
                height: height,
                price: price,
                parameters: parameters
            )
        } catch { throw reject(error.description) }
        let fresh = try? EconomicState.value(try ledger.value(forKey: EconomicState.fresh), key: EconomicState.fresh)
        var already = 0
        if case .fresh(let at, let count)? = fresh, at == height { already = Int(count) }
        do throws(TicketRejection) { try TicketRules.checkFreshCount(already + 1, parameters: parameters) } catch {
            throw reject(error.description)
        }
        if ticket.lots != tickets.count {
            throw reject("count \(tickets.count) is not the stake's lots \(ticket.lots) at price \(price)")
        }
    }

    // MARK: TASK_RESULT

    /// The seat tickets of a claim, resolved and checked for use at `height`.
    func seatTickets(
        _ claim: SettlementClaim,
        height: UInt64,
        ledger: LedgerOverlay
    ) throws(ValidationError)
        -> [Hash256: Ticket]
    {
        var resolved: [Hash256: Ticket] = [:]
        var named = Set<Hash256>()
        for seat in claim.seats {
            func reject(_ reason: String) -> ValidationError { .ruleRejected(tx: seat.ticket, reason: reason) }
            do {
                guard let record = try ledger.ticket(seat.ticket) else { throw reject("unknown ticket") }
                let ticket = try view(seat.ticket, record)
                var used: Set<Hash256> = named
                if try ledger.value(forKey: EconomicState.used(seat.ticket)) != nil { used.insert(seat.ticket) }
                try TicketRules.checkUse(ticket, role: seat.role, at: height, usedTickets: used, parameters: parameters)
                guard try ledger.value(forKey: EconomicState.fate(seat.ticket)) == nil else {
                    throw reject("ticket \(seat.ticket.short) has no stake left")
                }
                named.insert(seat.ticket)
                resolved[seat.ticket] = ticket
            } catch let error as ValidationError {
                throw error
            } catch let error as TicketRejection {
                throw reject(error.description)
            } catch {
                throw reject("\(error)")
            }
        }
        return resolved
    }

    /// The economics view of a stored ticket record.
    func view(_ id: Hash256, _ record: TicketRecord) throws -> Ticket {
        guard let role = Role(rawValue: record.role.rawValue) else {
            throw CanonicalDecodingError.invalidValue(field: "ticket.role", reason: "unknown role")
        }
        return Ticket(
            id: id,
            owner: record.owner,
            role: role,
            stake: record.stake,
            lots: record.count,
            purchaseHeight: record.height,
            preferences: try Preferences(canonicalBytes: record.preferences),
            vrfPublicKey: record.vrfPublicKey
        )
    }

    /// The payout list a TASK_RESULT must carry for `claim` on `task`.
    /// `charges`: what the miners owe their drawn verifiers (`verifierCharges`); `nil` takes a v1/v2 claim's own
    /// per-task charges.
    public func expectedPayouts(
        _ claim: SettlementClaim,
        task: TaskEscrow,
        owners: [Hash256: Address],
        charges: [VerifierCharge]? = nil
    ) throws(SettlementError) -> (table: PayoutTable, payouts: [Payout]) {
        let input = SettlementInput(
            client: task.client,
            escrow: task.escrow,
            miners: claim.miners.map {
                MinerContribution(
                    account: owners[$0.ticket] ?? task.client,
                    qualityPPM: $0.qualityPPM,
                    verifiedIterations: $0.verifiedIterations
                )
            },
            supervisors: claim.supervisors.map { owners[$0] ?? task.client },
            evaluators: claim.evaluators.map { owners[$0] ?? task.client },
            verifierCharges: charges
                ?? claim.charges.map {
                    VerifierCharge(
                        verifier: owners[$0.verifierTicket] ?? task.client,
                        miner: owners[$0.minerTicket] ?? task.client,
                        blocksChecked: $0.blocksChecked
                    )
                }
        )
        let table = try PayoutRules.settle(input, parameters: parameters)
        let payouts = table.lines.filter { $0.net > .zero }.sorted { $0.account < $1.account }
            .map { Payout(to: $0.account, amount: $0.net) }
        return (table, payouts)
    }

    public func checkTaskResult(
        _ tx: Transaction,
        _ result: TaskResult,
        task: TaskEscrow,
        height: UInt64,
        ledger: LedgerOverlay
    ) throws(ValidationError) {
        func reject(_ reason: String) -> ValidationError { .ruleRejected(tx: tx.id, reason: reason) }
        let claim: SettlementClaim
        do { claim = try SettlementClaim(canonicalBytes: result.metrics) } catch {
            throw reject("metrics are not a settlement claim: \(error)")
        }
        guard claim.attestations != nil else {
            throw reject(
                "claim v\(claim.version) charges per-task verifier seats; v3 (verifiers drawn per block) is required"
            )
        }
        let tickets: [Hash256: Ticket]
        do { tickets = try seatTickets(claim, height: height, ledger: ledger) } catch {
            guard case .ruleRejected(_, let reason) = error else { throw error }
            throw reject(reason)
        }
        do { _ = try checkSelection(claim, taskId: result.taskId, task: task, ledger: ledger) } catch {
            guard case .ruleRejected(_, let reason) = error else { throw error }
            throw reject(reason)
        }
        let owners = tickets.mapValues(\.owner)
        let charges: [VerifierCharge]
        do {
            charges = try verifierCharges(
                claim,
                taskId: result.taskId,
                task: task,
                height: height,
                owners: owners,
                ledger: ledger
            )
        } catch {
            guard case .ruleRejected(_, let reason) = error else { throw error }
            throw reject(reason)
        }
        var signers = Set<Address>()
        for s in result.evaluatorSignatures {
            if let a = Address(bytes: SHA256.hash(s.publicKey).bytes.prefix(Address.byteCount)) { signers.insert(a) }
        }
        let seats = claim.evaluators.map { Seat(ticket: $0, owner: owners[$0] ?? task.client, lot: 0, draw: .zero) }
        do throws(TaskResultRejection) { try TaskResultRules.checkSigners(signers, evaluatorSeats: seats) } catch {
            throw reject(error.description)
        }
        guard let paid = Payout.sum(result.payouts), paid == task.escrow else {
            throw reject(SettlementError.doesNotAddUp(paid: paidUnits(result.payouts), escrow: task.escrow).description)
        }
        let expected: [Payout]
        do throws(SettlementError) {
            expected = try expectedPayouts(claim, task: task, owners: owners, charges: charges).payouts
        } catch {
            throw reject(error.description)
        }
        if expected != result.payouts { throw reject("payout table differs from the one PayoutRules.settle gives") }
    }

    func paidUnits(_ payouts: [Payout]) -> UInt128 { payouts.reduce(0) { $0 + UInt128($1.amount.units) } }

    // MARK: EVIDENCE

    public func checkEvidence(
        _ tx: Transaction,
        _ evidence: Evidence,
        height: UInt64,
        ledger: LedgerOverlay
    )
        throws(ValidationError) -> [Payout]
    {
        func reject(_ reason: String) -> ValidationError { .ruleRejected(tx: tx.id, reason: reason) }
        do {
            let proof = try PoUWEconomics.Evidence(canonicalBytes: evidence.proof)
            guard proof.kind.rawValue == evidence.kind, proof.offender == evidence.offender,
                proof.taskId == evidence.taskId
            else { throw reject("the proof names another kind, offender or task than the transaction") }
            guard let record = try ledger.ticket(proof.offenderTicket), record.owner == proof.offender else {
                throw reject("ticket \(proof.offenderTicket.short) is not the offender's")
            }
            let seatsKey = EconomicState.seats(proof.taskId)
            let seated = try EconomicState.tickets(try ledger.value(forKey: seatsKey), key: seatsKey)
            guard seated.contains(proof.offenderTicket) else {
                throw reject(
                    "ticket \(proof.offenderTicket.short) holds no seat in a settled task \(proof.taskId.short)"
                )
            }
            let gone = try ledger.value(forKey: EconomicState.fate(proof.offenderTicket)) != nil
            let stake = gone ? Amount.zero : record.stake
            if !gone && evidence.slash != stake {
                throw reject("slash \(evidence.slash) is not the ticket's stake \(stake)")
            }
            var honest: [Address] = []
            for id in seated {
                if let t = try ledger.ticket(id), t.owner != proof.offender { honest.append(t.owner) }
            }
            let reused = try ledger.value(forKey: EconomicState.evidence(proof.id)) != nil
            let outcome = try SlashingRules.confiscate(
                proof,
                usedEvidence: reused ? [proof.id] : [],
                offenderTicketStake: stake,
                honestParticipants: honest,
                checker: checker
            )
            return outcome.shares.map { Payout(to: $0.account, amount: $0.amount) }
        } catch let error as ValidationError {
            throw error
        } catch let error as SlashingRejection {
            throw reject(error.description)
        } catch {
            throw reject("proof is not an evidence record: \(error)")
        }
    }

    // MARK: bookkeeping

    public func didApply(
        _ tx: Transaction,
        id: Hash256,
        height: UInt64,
        ledger: inout LedgerOverlay
    )
        throws(ChainError)
    {
        switch tx.body {
        case .buyTickets:
            let expiry = height + UInt64(parameters.ticketMaturity) + UInt64(parameters.ticketExpiry)
            let key = EconomicState.expiring(expiry)
            let expiring = try EconomicState.tickets(try ledger.value(forKey: key), key: key)
            try ledger.set(key, EconomicStateValue.tickets(expiring + [id]).canonicalBytes)
            try setCounter(EconomicState.pool, try counter(EconomicState.pool, ledger) + 1, &ledger)
            var already: UInt64 = 0
            let fresh = try EconomicState.value(try ledger.value(forKey: EconomicState.fresh), key: EconomicState.fresh)
            if case .fresh(let at, let count)? = fresh, at == height { already = count }
            try ledger.set(
                EconomicState.fresh,
                EconomicStateValue.fresh(height: height, count: already + 1).canonicalBytes
            )
        case .taskResult(let r):
            guard let claim = try? SettlementClaim(canonicalBytes: r.metrics) else { return }
            for seat in claim.seats {
                try ledger.set(
                    EconomicState.used(seat.ticket),
                    EconomicStateValue.usedBy(task: r.taskId).canonicalBytes
                )
            }
            // Verifier tickets drawn for the task's blocks stay usable (they are drawn block by block while live)
            // but are recorded with the seats: they took part, share a slashed cheat's stake, and can be slashed.
            var verifiers: [Hash256] = []
            for a in claim.attestations ?? [] where !verifiers.contains(a.ticket) { verifiers.append(a.ticket) }
            try ledger.set(
                EconomicState.seats(r.taskId),
                EconomicStateValue.tickets(claim.seats.map(\.ticket) + verifiers).canonicalBytes
            )
            try setCounter(EconomicState.openTasks, max(1, try counter(EconomicState.openTasks, ledger)) - 1, &ledger)
        case .evidence(let e):
            guard let proof = try? PoUWEconomics.Evidence(canonicalBytes: e.proof) else { return }
            try ledger.set(EconomicState.evidence(proof.id), EconomicStateValue.evidenceUsed.canonicalBytes)
            try ledger.set(
                EconomicState.fate(proof.offenderTicket),
                EconomicStateValue.stakeFate(.slashed).canonicalBytes
            )
            try setCounter(EconomicState.pool, max(1, try counter(EconomicState.pool, ledger)) - 1, &ledger)
        case .payForTask:
            // The including block's id seeds the task's VRF selection. Absent only in a mempool dry run on a chain
            // that never connected a block through these rules; nothing there is kept.
            let key = EconomicState.currentBlock
            guard let block = try EconomicState.block(try ledger.value(forKey: key), key: key) else { return }
            try ledger.set(EconomicState.selectionBlock(id), EconomicStateValue.block(block).canonicalBytes)
            if case .payForTask(let p) = tx.body, let bytes = p.terms, let terms = try? TaskTerms(canonicalBytes: bytes)
            {
                try ledger.set(EconomicState.terms(id), EconomicStateValue.terms(terms).canonicalBytes)
            }
            try setCounter(EconomicState.openTasks, try counter(EconomicState.openTasks, ledger) + 1, &ledger)
        case .coinbase, .transfer:
            break
        }
    }
}
