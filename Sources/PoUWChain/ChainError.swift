public import PoUWCore

/// Why the chain refused or could not do something. Rejections of bad input carry a `ValidationError`;
/// the rest name the chain-level rule (orphans, undo horizon) or a storage failure.
///
/// Guarantees: whenever one of these is thrown by `Blockchain.process`, the stored chain and ledger are exactly
/// as they were before the call.
public enum ChainError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The block broke a consensus rule.
    case invalidBlock(id: Hash256, ValidationError)
    /// A transaction broke a rule (mempool admission).
    case invalidTransaction(id: Hash256, ValidationError)
    /// The bytes are not a block at all.
    case undecodable(CanonicalDecodingError)
    /// The block was already stored.
    case alreadyKnown(id: Hash256)
    /// The block, or one of its ancestors, was found invalid before.
    case knownInvalid(id: Hash256)
    /// Switching to this branch would undo `depth` blocks, more than the undo records kept.
    case reorgBeyondUndoHorizon(id: Hash256, depth: UInt64, horizon: UInt64)
    /// A transaction is already in the mempool.
    case duplicateTransaction(id: Hash256)
    /// The mempool is full and this transaction's fee rate (base units per 1,000 bytes) does not beat the lowest.
    case mempoolFull(id: Hash256, feeRate: UInt64, lowest: UInt64)
    /// Nothing stored under that id or height.
    case notFound(String)
    /// A stored record did not decode: the data directory is damaged.
    case corruptState(key: String, reason: String)
    /// The storage layer failed.
    case storage(String)

    public var description: String {
        switch self {
        case .invalidBlock(let id, let e): "block \(id.short) rejected: \(e)"
        case .invalidTransaction(let id, let e): "transaction \(id.short) rejected: \(e)"
        case .undecodable(let e): "not a block: \(e)"
        case .alreadyKnown(let id): "block \(id.short) is already known"
        case .knownInvalid(let id): "block \(id.short) is (or descends from) a known-invalid block"
        case .reorgBeyondUndoHorizon(let id, let depth, let horizon):
            "block \(id.short) would need a reorg of depth \(depth), beyond the undo horizon of \(horizon) blocks"
        case .duplicateTransaction(let id): "transaction \(id.short) is already in the mempool"
        case .mempoolFull(let id, let rate, let lowest):
            "mempool full: transaction \(id.short) pays \(rate) per 1,000 bytes, not more than the lowest (\(lowest))"
        case .notFound(let what): "not found: \(what)"
        case .corruptState(let key, let reason): "corrupt stored record \(key): \(reason)"
        case .storage(let message): "storage failure: \(message)"
        }
    }
}
