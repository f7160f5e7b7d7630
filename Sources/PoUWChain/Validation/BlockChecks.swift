import Dispatch
public import PoUWCore
import Synchronization

/// Context-free block checks: size, structure, txRoot, and every transaction's stateless checks, spread over
/// `threads` threads (contiguous slices of the transaction list).
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

        // Parallel phase: encode, hash and fully check each transaction (signatures dominate).
        let workers = max(1, min(threads, txs.count))
        let chunk = (txs.count + workers - 1) / workers
        let results = Mutex<[Int: [(id: Hash256, error: ValidationError?)]]>([:])
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var local: [(id: Hash256, error: ValidationError?)] = []
            var keys = PublicKeyCache()
            for i in (w * chunk)..<min(txs.count, (w + 1) * chunk) {
                let bytes = txs[i].canonicalBytes
                let id = Hash256.sha256(bytes)
                do throws(ValidationError) {
                    try TransactionChecks.check(txs[i], id: id, encoded: bytes, parameters: parameters, keys: &keys)
                    local.append((id, nil))
                } catch {
                    local.append((id, error))
                }
            }
            results.withLock { $0[w] = local }
        }
        // Sequential phase, in rule order, so the reported error never depends on the thread count.
        let checked = results.withLock { r in (0..<workers).flatMap { r[$0] ?? [] } }
        var ids = [Hash256]()
        ids.reserveCapacity(txs.count)
        var seen = Set<Hash256>()
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
