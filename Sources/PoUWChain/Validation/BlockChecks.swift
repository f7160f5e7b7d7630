import Dispatch
public import PoUWCore
import Synchronization

/// Context-free block checks: size, structure, txRoot, and every transaction's stateless checks, spread over
/// `threads` threads (chunks of the transaction list taken from a shared counter).
///
/// The check has three phases, which the reindex also runs separately (structure of many blocks, then the
/// transactions of all of them spread over every core, then each block's conclusion): `checkStructure`,
/// `checkTransaction` for every transaction, `conclude`. Running them in that order is exactly `check`.
///
/// Guarantees: the reported error is the one for the lowest failing transaction index whatever the thread
/// count, so results never depend on it.
public enum BlockChecks {
    /// Checks `block`; returns the transaction ids (computed once here, reused by the caller).
    @discardableResult
    public static func check(
        _ block: Block,
        encodedSize: Int,
        parameters: ChainParameters,
        threads: Int = 2
    ) throws(ValidationError) -> [Hash256] {
        try checkStructure(block, encodedSize: encodedSize, parameters: parameters)
        // Parallel phase: encode, hash and fully check each transaction (signatures dominate). Workers take
        // small chunks from a shared counter, so a descheduled worker does not leave the others waiting at the end.
        let txs = block.transactions
        let workers = max(1, min(threads, txs.count))
        let next = Atomic<Int>(0)
        let results = Mutex<[TransactionCheck?]>(Array(repeating: nil, count: txs.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var local: [(index: Int, check: TransactionCheck)] = []
            var keys = PublicKeyCache()
            while true {
                let start = next.add(chunk, ordering: .relaxed).oldValue
                if start >= txs.count { break }
                for i in start..<min(txs.count, start + chunk) {
                    let bytes = txs[i].canonicalBytes
                    local.append(
                        (i, checkTransaction(txs[i], encoded: bytes[...], parameters: parameters, keys: &keys))
                    )
                }
            }
            results.withLock { all in for e in local { all[e.index] = e.check } }
        }
        let checked = results.withLock { $0 }.map { c in
            guard let c else { preconditionFailure("every transaction is checked") }
            return c
        }
        return try conclude(block, checked: checked)
    }

    /// Transactions per unit of parallel work: small enough to balance the workers at the end, large enough to
    /// make the shared counter's traffic negligible next to ~100 µs per signature.
    static let chunk = 8

    /// One transaction's id and the first stateless rule it breaks (`nil`: it passed).
    struct TransactionCheck: Sendable {
        var id: Hash256
        var error: ValidationError?
    }

    /// Phase 1: size, header version, transaction count, the coinbase first and only first.
    static func checkStructure(
        _ block: Block,
        encodedSize: Int,
        parameters: ChainParameters
    ) throws(ValidationError) {
        if encodedSize > parameters.maxBlockBytes {
            throw .blockTooLarge(bytes: encodedSize, limit: parameters.maxBlockBytes)
        }
        if block.header.version != 1 { throw .unsupportedBlockVersion(block.header.version) }
        let txs = block.transactions
        if txs.count > parameters.maxBlockTransactions {
            throw .tooManyTransactions(count: txs.count, limit: parameters.maxBlockTransactions)
        }
        guard let first = txs.first, first.isCoinbase else { throw .missingCoinbase }
        if let i = txs.indices.dropFirst().first(where: { txs[$0].isCoinbase }) { throw .coinbaseNotFirst(index: i) }
    }

    /// Phase 2 (any thread, any order): hash and check one transaction whose canonical bytes are `encoded`.
    static func checkTransaction(
        _ tx: Transaction,
        encoded: ArraySlice<UInt8>,
        parameters: ChainParameters,
        keys: inout PublicKeyCache
    ) -> TransactionCheck {
        let id = Hash256.sha256(encoded)
        do throws(ValidationError) {
            try TransactionChecks.check(tx, id: id, encoded: encoded, parameters: parameters, keys: &keys)
            return TransactionCheck(id: id, error: nil)
        } catch {
            return TransactionCheck(id: id, error: error)
        }
    }

    /// Phase 3, in rule order so the reported error never depends on the thread count: duplicates, txRoot,
    /// then the lowest-index transaction failure. `checked` is phase 2's result for every transaction, in order.
    static func conclude(_ block: Block, checked: [TransactionCheck]) throws(ValidationError) -> [Hash256] {
        var ids = [Hash256]()
        ids.reserveCapacity(checked.count)
        var seen = Set<Hash256>(minimumCapacity: checked.count)
        for entry in checked {
            if !seen.insert(entry.id).inserted { throw .duplicateTransaction(tx: entry.id) }
            ids.append(entry.id)
        }
        let root = Block.transactionRoot(ids: ids)
        if root != block.header.txRoot { throw .transactionRootMismatch(header: block.header.txRoot, computed: root) }
        if let failed = checked.first(where: { $0.error != nil })?.error { throw failed }
        return ids
    }
}
