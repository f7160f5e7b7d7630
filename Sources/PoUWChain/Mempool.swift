public import PoUWCore
import PoUWCrypto

/// Transactions waiting for a block, ordered by fee rate (fee per canonical byte, highest first; ties by
/// arrival order).
///
/// Admission runs the stateless checks and a contextual dry run on the tip's ledger with every pooled
/// transaction already applied (in arrival order), so sequence numbers chain, nothing overdraws, and a
/// transaction may spend what a pooled one pays in. The pool keeps those pending effects and a heap of eviction
/// keys, so `add` costs O(log n) (the dictionary work of one transaction plus a heap push) instead of a replay
/// of the pool. After a block or a reorg, `revalidate` re-admits everything against the new tip and evicts what
/// became invalid or conflicts (same signer and sequence as a mined transaction, spent balance, …).
///
/// Guarantees: every pooled transaction applies, in arrival order, on the tip it was admitted on; `selection`
/// yields transactions that can be applied in that order on the tip; the pool never exceeds `capacity` (when
/// full, a transaction must beat the lowest fee rate, which is then evicted together with whatever depended on
/// it — the one case that replays the pool, O(n)).
public struct Mempool: Sendable {
    public struct Entry: Sendable, Hashable {
        public var transaction: Transaction
        public var id: Hash256
        public var size: Int
        public var arrival: UInt64

        /// Fee rate in base units per 1,000 bytes (integer, for ordering).
        public var feeRate: UInt64 {
            transaction.fee.units.multipliedReportingOverflow(by: 1000).partialValue / UInt64(max(1, size))
        }

        var evictionKey: FeeRateHeap.Key { FeeRateHeap.Key(feeRate: feeRate, arrival: arrival, id: id) }
    }

    public let capacity: Int
    public private(set) var entries: [Hash256: Entry] = [:]
    private var counter: UInt64 = 0
    /// Eviction order: the top is the entry dropped first when the pool is full.
    private var eviction = FeeRateHeap()
    /// The pooled transactions' effects on the ledger of `ledgerTip` (state key → new value, `nil` deleted).
    private var pending: [[UInt8]: [UInt8]?] = [:]
    private var ledgerTip: Hash256?

    public init(capacity: Int = 50_000) { self.capacity = max(1, capacity) }

    public var count: Int { entries.count }

    /// Admits `tx` if valid on `chain`'s tip together with the pool; throws the specific reason otherwise
    /// (`mempoolFull` when the pool is full and `tx` does not beat its lowest fee rate). If the tip moved since
    /// the pool last looked, the pool is first re-admitted there (as `revalidate`).
    public mutating func add(_ tx: Transaction, chain: Blockchain) throws(ChainError) {
        if tx.isCoinbase { throw .invalidTransaction(id: tx.id, .coinbaseNotFirst(index: -1)) }
        let bytes = tx.canonicalBytes
        let id = Hash256.sha256(bytes)
        if entries[id] != nil { throw .duplicateTransaction(id: id) }
        do { try TransactionChecks.check(tx, id: id, encoded: bytes, parameters: chain.parameters) } catch {
            throw .invalidTransaction(id: id, error)
        }
        let tip = chain.tip
        if ledgerTip != tip.id { replayPool(chain: chain, tip: tip.id) }
        let entry = Entry(transaction: tx, id: id, size: bytes.count, arrival: counter + 1)
        if entries.count >= capacity, let lowest = eviction.min,
            !(lowest < entry.evictionKey)
                || entries[lowest.id]?.transaction.authorization?.signer == tx.authorization?.signer
        {
            // It does not beat the lowest, or the lowest is its own signer's earlier transaction, which it
            // cannot do without.
            throw .mempoolFull(id: id, feeRate: entry.feeRate, lowest: lowest.feeRate)
        }
        var ledger = LedgerOverlay(base: chain.storage, changes: take(&pending))
        ledger.beginJournal()
        do {
            try TransactionApplier.apply(
                tx,
                id: id,
                height: tip.height + 1,
                ledger: &ledger,
                rules: chain.rulesForMempool
            )
        } catch {
            ledger.rollBack()
            pending = ledger.takeChanges()
            throw error
        }
        pending = ledger.takeChanges()
        counter += 1
        entries[id] = entry
        eviction.push(entry.evictionKey)
        if entries.count > capacity, let worst = eviction.popMin() {
            // Its effects are in `pending`, and later transactions may rely on them: replay without it.
            entries[worst.id] = nil
            replayPool(chain: chain, tip: tip.id)
            // It relied on the evicted one after all (through a payment): the pool cannot hold both.
            if entries[id] == nil { throw .mempoolFull(id: id, feeRate: entry.feeRate, lowest: worst.feeRate) }
        }
    }

    /// Re-applies the pool in arrival order on `tip`'s ledger, dropping what no longer applies; returns the
    /// dropped ids.
    @discardableResult
    private mutating func replayPool(chain: Blockchain, tip: Hash256) -> [Hash256] {
        let old = entries.values.sorted { $0.arrival < $1.arrival }
        entries = [:]
        eviction = FeeRateHeap()
        pending = [:]
        ledgerTip = tip
        var dropped: [Hash256] = []
        var ledger = LedgerOverlay(base: chain.storage)
        let height = chain.tip.height + 1
        for e in old {
            ledger.beginJournal()
            do {
                try TransactionApplier.apply(
                    e.transaction,
                    id: e.id,
                    height: height,
                    ledger: &ledger,
                    rules: chain.rulesForMempool
                )
                entries[e.id] = e
                eviction.push(e.evictionKey)
            } catch {
                ledger.rollBack()
                dropped.append(e.id)
            }
        }
        pending = ledger.takeChanges()
        return dropped
    }

    /// Entries by fee rate, best first.
    public func byFeeRate() -> [Entry] {
        entries.values.sorted { ($0.feeRate, $1.arrival) > ($1.feeRate, $0.arrival) }
    }

    /// Up to `limit` transactions that apply in order on the tip: best fee rate first, but a signer's
    /// transactions always in sequence order.
    public func selection(limit: Int, chain: Blockchain) -> [Transaction] {
        var ledger = LedgerOverlay(base: chain.storage)
        let height = chain.tip.height + 1
        var chosen: [Transaction] = []
        var pending = byFeeRate()
        var progress = true
        while progress && chosen.count < limit {
            progress = false
            var rest: [Entry] = []
            for e in pending {
                if chosen.count < limit,
                    (try? TransactionApplier.apply(
                        e.transaction,
                        id: e.id,
                        height: height,
                        ledger: &ledger,
                        rules: chain.rulesForMempool
                    )) != nil
                {
                    chosen.append(e.transaction)
                    progress = true
                } else {
                    rest.append(e)
                }
            }
            pending = rest
        }
        return chosen
    }

    /// After the tip changed: re-admits every pooled transaction (plus `returning`, the transactions of
    /// disconnected blocks) against the new tip; drops the ones now invalid or already mined. Returns the
    /// evicted ids.
    @discardableResult
    public mutating func revalidate(chain: Blockchain, returning: [Transaction] = []) -> [Hash256] {
        let old = entries.values.sorted { $0.arrival < $1.arrival }
        entries = [:]
        eviction = FeeRateHeap()
        pending = [:]
        ledgerTip = chain.tip.id
        var evicted: [Hash256] = []
        for tx in returning where !tx.isCoinbase {
            if (try? chain.transaction(tx.id)) ?? nil != nil { continue }
            try? add(tx, chain: chain)
        }
        for e in old {
            do { try add(e.transaction, chain: chain) } catch {
                if case .duplicateTransaction = error { continue }
                evicted.append(e.id)
            }
        }
        return evicted
    }
}

/// The value of `x`, leaving it empty (so the caller holds the only reference and can mutate without a copy).
private func take(_ x: inout [[UInt8]: [UInt8]?]) -> [[UInt8]: [UInt8]?] {
    defer { x = [:] }
    return x
}
