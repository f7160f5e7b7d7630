public import PoUWCore

/// Consensus rules that tie a block's proof of work to an iteration message (PROTOCOL.md "Mining").
///
/// Guarantees: `checkWork` accepts exactly the blocks whose `msgHash` names the producing message, whose nonce
/// lies in that message's `NonceInterval`, whose template was committed `commitmentDistance` messages earlier in
/// the same miner's chain, and whose id is at most the target. Each failure is a distinct `WorkError`.
public enum MiningRules {
    /// k: a message commits to the block template its miner may use `k` iterations later.
    public static let commitmentDistance: UInt64 = 5

    /// Checks the zero-nonce commitment: `chain` is the producing miner's messages with sequences `s − k … s` in
    /// order (the last one produced the nonce); each must link to the one before, and the first must carry
    /// `commitment`.
    public static func checkCommitment(_ commitment: Hash256, chain: [IterationMessage]) throws(WorkError) {
        let k = Int(commitmentDistance)
        guard let producing = chain.last else { throw .commitmentChainBroken(position: 0) }
        if producing.body.sequence < commitmentDistance {
            throw .commitmentUnavailable(sequence: producing.body.sequence)
        }
        guard chain.count == k + 1 else { throw .commitmentChainBroken(position: 0) }
        for i in 1..<chain.count {
            let earlier = chain[i - 1].body
            let later = chain[i].body
            guard later.previousMessage == chain[i - 1].hash, later.sequence == earlier.sequence + 1,
                later.minerKey == earlier.minerKey, later.taskID == earlier.taskID
            else { throw .commitmentChainBroken(position: i) }
        }
        let committed = chain[0].body.zeroNonceCommitment
        guard committed == commitment else { throw .commitmentMismatch(committed: committed, template: commitment) }
    }

    /// Checks a block's work against its producing message.
    ///
    /// - Parameters:
    ///   - template: the header's first five fields; `nonce`, `msgHash`: the header's fields; `blockID`: the
    ///     header's id (SHA-256d of its canonical bytes); `target`: the 256-bit target its `bits` decode to, as a
    ///     big-endian `Hash256`.
    ///   - chain: the producing miner's messages `s − k … s` (see `checkCommitment`).
    ///   - parameters, batchSize: of the task, for the interval size.
    public static func checkWork(
        template: BlockTemplate,
        nonce: Hash256,
        msgHash: Hash256,
        blockID: Hash256,
        target: Hash256,
        chain: [IterationMessage],
        parameters: UInt64,
        batchSize: UInt64
    ) throws(WorkError) {
        guard let producing = chain.last else { throw .commitmentChainBroken(position: 0) }
        let producingHash = producing.hash
        guard producingHash == msgHash else { throw .messageHashMismatch(header: msgHash, message: producingHash) }
        let interval = NonceInterval(message: producing.body, parameters: parameters, batchSize: batchSize)
        guard interval.contains(nonce) else {
            throw .nonceOutsideInterval(nonce: nonce, base: interval.base, size: interval.size)
        }
        try checkCommitment(template.commitment, chain: chain)
        guard blockID <= target else { throw .aboveTarget(blockID: blockID, target: target) }
    }
}

/// Why a block's proof of work is not valid for its iteration message.
public enum WorkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The header's `msgHash` is not the hash of the message offered as producing it.
    case messageHashMismatch(header: Hash256, message: Hash256)
    /// The nonce is not one of the `size` nonces from `base`.
    case nonceOutsideInterval(nonce: Hash256, base: Hash256, size: UInt64)
    /// The producing message is among its miner's first k, so no earlier message can have committed a template.
    case commitmentUnavailable(sequence: UInt64)
    /// The messages offered as `s − k … s` do not form one miner's consecutive chain (`position` of the break).
    case commitmentChainBroken(position: Int)
    /// The message k steps back committed to a different template.
    case commitmentMismatch(committed: Hash256, template: Hash256)
    /// The block id is above the target.
    case aboveTarget(blockID: Hash256, target: Hash256)
    /// The header's `bits` do not decode to a usable target.
    case badBits(UInt32)

    public var description: String {
        switch self {
        case .messageHashMismatch(let header, let message):
            "header msgHash \(header.short) is not the producing message \(message.short)"
        case .nonceOutsideInterval(let nonce, let base, let size):
            "nonce \(nonce.short) is outside the interval of \(size) nonce(s) from \(base.short)"
        case .commitmentUnavailable(let sequence):
            "message sequence \(sequence) < k = \(MiningRules.commitmentDistance): no zero-nonce commitment exists"
        case .commitmentChainBroken(let position): "commitment chain broken at position \(position)"
        case .commitmentMismatch(let committed, let template):
            "zero-nonce commitment \(committed.short) does not match the block template \(template.short)"
        case .aboveTarget(let blockID, let target): "block id \(blockID.short) is above the target \(target.short)"
        case .badBits(let bits): "bits 0x\(String(bits, radix: 16)) do not decode to a target"
        }
    }
}

/// Searches a message's nonce interval for a nonce whose block id meets the target.
///
/// Guarantees: tries `nonce(at: 0)`, `nonce(at: 1)`, … in order and returns the first that works, so the result
/// is deterministic; tries at most `interval.size` nonces (capped by `limit`).
public enum NonceSearch {
    /// The first `(j, nonce)` with `blockID(nonce) ≤ target`, or `nil`. `blockID` builds the header with that
    /// nonce and returns its id.
    public static func first(
        in interval: NonceInterval,
        target: Hash256,
        limit: UInt64 = .max,
        blockID: (Hash256) -> Hash256
    ) -> (index: UInt64, nonce: Hash256, blockID: Hash256)? {
        let tries = min(interval.size, limit)
        var j: UInt64 = 0
        while j < tries {
            let nonce = interval.nonce(at: j)
            let id = blockID(nonce)
            if id <= target { return (j, nonce, id) }
            j += 1
        }
        return nil
    }
}
