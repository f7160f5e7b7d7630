public import PoUWCore
import PoUWCrypto

/// Applies signed transactions to a `LedgerOverlay` in block order (contextual validation).
///
/// Effects, the simplest consistent ones (economics refines them through `LedgerRules`):
/// every signed kind debits `fee` and bumps the signer's sequence; TRANSFER moves `amount`; PAY_FOR_TASK moves
/// `escrow` into a task record keyed by the tx id; BUY_TICKETS moves `stake` from balance to locked and records
/// the tickets under the tx id; TASK_RESULT pays the table out of the escrow and refunds the rest to the client;
/// EVIDENCE takes `slash` from the offender's locked stake, credits the shares the rules name and burns the rest. Guarantees: on a thrown error the overlay may hold
/// partial writes — callers discard it.
public enum TransactionApplier {
    /// Applies one signed transaction at `height`; returns its fee.
    @discardableResult
    public static func apply(
        _ tx: Transaction,
        id: Hash256,
        height: UInt64,
        ledger: inout LedgerOverlay,
        rules: any LedgerRules
    ) throws(ChainError) -> Amount {
        guard let auth = tx.authorization else {
            throw .invalidTransaction(id: id, .coinbaseNotFirst(index: -1))
        }
        func fail(_ e: ValidationError) -> ChainError { .invalidTransaction(id: id, e) }
        // The address is SHA-256(public key)[0..<20] (as `Address(publicKey:)`); the key itself was checked with
        // the signature, so hashing the bytes avoids re-parsing the curve point.
        guard auth.signer.count == Ed25519.publicKeyByteCount, let signer = signerAddress(auth.signer) else {
            throw fail(.badSignature(tx: id))
        }
        var account = try ledger.account(signer)
        if auth.sequence != account.sequence {
            throw fail(.badSequence(tx: id, expected: account.sequence, found: auth.sequence))
        }
        var debit = auth.fee
        switch tx.body {
        case .coinbase: break
        case .transfer(let t): debit = try add(debit, t.amount, id)
        case .payForTask(let p): debit = try add(debit, p.escrow, id)
        case .buyTickets(let b): debit = try add(debit, b.stake, id)
        case .taskResult, .evidence: break
        }
        guard debit <= account.balance else {
            throw fail(.insufficientFunds(tx: id, account: signer, needed: debit, available: account.balance))
        }
        account.balance = Amount(units: account.balance.units - debit.units)
        account.sequence += 1
        if case .buyTickets(let b) = tx.body { account.locked = try add(account.locked, b.stake, id) }
        try ledger.setAccount(signer, account)

        switch tx.body {
        case .coinbase: break
        case .transfer(let t):
            try credit(t.to, t.amount, id, &ledger)
        case .payForTask(let p):
            if try ledger.task(id) != nil { throw fail(.duplicateTask(tx: id)) }
            do { try rules.checkPayForTask(tx, p, height: height, ledger: ledger) } catch { throw fail(error) }
            let task = TaskEscrow(
                client: signer,
                escrow: p.escrow,
                settled: false,
                definitionHash: p.taskDefinitionHash,
                datasetRoot: p.datasetRoot,
                testSetRoot: p.testSetRoot,
                height: height
            )
            try ledger.setTask(id, task)
        case .buyTickets(let b):
            do { try rules.checkTickets(tx, b, height: height, ledger: ledger) } catch { throw fail(error) }
            let record = TicketRecord(
                owner: signer,
                role: b.role,
                count: b.count,
                stake: b.stake,
                vrfPublicKey: b.vrfPublicKey,
                preferences: b.preferences,
                height: height
            )
            try ledger.setTicket(id, record)
        case .taskResult(let r):
            guard var task = try ledger.task(r.taskId) else { throw fail(.unknownTask(tx: id, task: r.taskId)) }
            if task.settled { throw fail(.taskAlreadySettled(tx: id, task: r.taskId)) }
            guard let total = Payout.sum(r.payouts) else { throw fail(.amountOverflow(tx: id)) }
            if total > task.escrow { throw fail(.payoutsExceedEscrow(tx: id, payouts: total, escrow: task.escrow)) }
            do {
                try rules.checkTaskResult(tx, r, task: task, height: height, ledger: ledger)
            } catch { throw fail(error) }
            for p in r.payouts { try credit(p.to, p.amount, id, &ledger) }
            let refund = Amount(units: task.escrow.units - total.units)
            if refund > .zero { try credit(task.client, refund, id, &ledger) }
            task.settled = true
            try ledger.setTask(r.taskId, task)
        case .evidence(let e):
            var offender = try ledger.account(e.offender)
            guard e.slash <= offender.locked else {
                throw fail(
                    .insufficientLockedStake(tx: id, account: e.offender, needed: e.slash, locked: offender.locked)
                )
            }
            let shares: [Payout]
            do { shares = try rules.checkEvidence(tx, e, height: height, ledger: ledger) } catch { throw fail(error) }
            guard let shared = Payout.sum(shares), shared <= e.slash else {
                throw fail(.ruleRejected(tx: id, reason: "slash shares exceed the slashed stake"))
            }
            offender.locked = Amount(units: offender.locked.units - e.slash.units)
            try ledger.setAccount(e.offender, offender)
            for share in shares { try credit(share.to, share.amount, id, &ledger) }
            let burn = Amount(units: e.slash.units - shared.units)
            if burn > .zero { try ledger.setBurned(try add(try ledger.burned(), burn, id)) }
        }
        try rules.didApply(tx, id: id, height: height, ledger: &ledger)
        return auth.fee
    }

    /// `Address(publicKey:)` of the key bytes without parsing the key. Goes through the address's canonical
    /// decoder (20 raw bytes), which is specialised for arrays inside PoUWCore; the generic `Address(bytes:)`
    /// called from here on a slice cost as much as the rest of applying a transfer.
    static func signerAddress(_ publicKey: [UInt8]) -> Address? {
        var reader = ByteReader(Array(SHA256.hash(publicKey).bytes.prefix(Address.byteCount)))
        return try? Address(from: &reader)
    }

    /// Credits `amount` to `to`.
    static func credit(_ to: Address, _ amount: Amount, _ id: Hash256, _ ledger: inout LedgerOverlay) throws(ChainError)
    {
        var account = try ledger.account(to)
        account.balance = try add(account.balance, amount, id)
        try ledger.setAccount(to, account)
    }

    static func add(_ a: Amount, _ b: Amount, _ id: Hash256) throws(ChainError) -> Amount {
        do { return try a.adding(b) } catch { throw .invalidTransaction(id: id, .amountOverflow(tx: id)) }
    }
}
