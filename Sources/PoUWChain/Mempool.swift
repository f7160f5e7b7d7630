public import PoUWCore
import PoUWCrypto

/// Transactions waiting for a block, ordered by fee rate (fee per canonical byte, highest first; ties by
/// arrival order).
///
/// Admission runs the stateless checks and a contextual dry run on the tip's ledger plus every transaction
/// already admitted from the same signer, so sequence numbers chain and nothing overdraws. After a block or a
/// reorg, `revalidate` re-admits everything against the new tip and evicts what became invalid or conflicts
/// (same signer and sequence as a mined transaction, spent balance, …). Guarantees: `selection` always yields
/// transactions that can be applied in that order on the tip; the pool never exceeds `capacity`.
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
    }

    public let capacity: Int
    public private(set) var entries: [Hash256: Entry] = [:]
    private var counter: UInt64 = 0

    public init(capacity: Int = 50_000) { self.capacity = capacity }

    public var count: Int { entries.count }

    /// Admits `tx` if valid on `chain`'s tip together with the pool; throws the specific reason otherwise.
    public mutating func add(_ tx: Transaction, chain: Blockchain) throws(ChainError) {
        let id = tx.id
        if entries[id] != nil { throw .duplicateTransaction(id: id) }
        if tx.isCoinbase { throw .invalidTransaction(id: id, .coinbaseNotFirst(index: -1)) }
        let size = tx.canonicalBytes.count
        do { try TransactionChecks.check(tx, encodedSize: size, parameters: chain.parameters) } catch {
            throw .invalidTransaction(id: id, error)
        }
        // Dry run: the pool's transactions in sequence order, then this one.
        var ledger = LedgerOverlay(base: chain.storage)
        let height = chain.tip.height + 1
        for e in orderedForApplication() {
            _ = try? TransactionApplier.apply(
                e.transaction,
                id: e.id,
                height: height,
                ledger: &ledger,
                rules: chain.rulesForMempool
            )
        }
        try TransactionApplier.apply(tx, id: id, height: height, ledger: &ledger, rules: chain.rulesForMempool)
        counter += 1
        entries[id] = Entry(transaction: tx, id: id, size: size, arrival: counter)
        if entries.count > capacity, let worst = byFeeRate().last { entries[worst.id] = nil }
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

    private func orderedForApplication() -> [Entry] {
        entries.values.sorted {
            let a = $0.transaction.authorization
            let b = $1.transaction.authorization
            return (a?.signer.lexicographicallyPrecedes(b?.signer ?? []) ?? false)
                || (a?.signer == b?.signer && (a?.sequence ?? 0) < (b?.sequence ?? 0))
        }
    }
}
