import Dispatch
import PoUWCore
import Synchronization

/// Context-free block checks: size, structure, txRoot, and every transaction's stateless checks, spread over
/// `threads` threads (contiguous slices of the transaction list).
///
/// Guarantees: the reported error is the one for the lowest failing transaction index whatever the thread
/// count, so results never depend on it.
public enum BlockChecks {
    public static func check(
        _ block: Block,
        encodedSize: Int,
        parameters: ChainParameters,
        threads: Int = 2
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
        var ids = [Hash256]()
        ids.reserveCapacity(txs.count)
        var sizes = [Int]()
        sizes.reserveCapacity(txs.count)
        var seen = Set<Hash256>()
        for (i, tx) in txs.enumerated() {
            if i > 0 && tx.isCoinbase { throw .coinbaseNotFirst(index: i) }
            let bytes = tx.canonicalBytes
            let id = Hash256.sha256(bytes)
            if !seen.insert(id).inserted { throw .duplicateTransaction(tx: id) }
            ids.append(id)
            sizes.append(bytes.count)
        }
        let root = Block.transactionRoot(ids: ids)
        if root != block.header.txRoot { throw .transactionRootMismatch(header: block.header.txRoot, computed: root) }

        let encodedSizes = sizes
        let workers = max(1, min(threads, txs.count))
        let chunk = (txs.count + workers - 1) / workers
        let failure = Mutex<(index: Int, error: ValidationError)?>(nil)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let range = (w * chunk)..<min(txs.count, (w + 1) * chunk)
            for i in range {
                do throws(ValidationError) {
                    try TransactionChecks.check(txs[i], encodedSize: encodedSizes[i], parameters: parameters)
                } catch {
                    failure.withLock { best in
                        if best.map({ i < $0.index }) ?? true { best = (i, error) }
                    }
                    return
                }
            }
        }
        if let error = failure.withLock({ $0?.error }) { throw error }
    }
}
