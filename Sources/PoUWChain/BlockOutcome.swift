public import PoUWCore

/// The best chain's tip.
public struct ChainTip: Sendable, Hashable {
    public var id: Hash256
    public var height: UInt64
    public var chainWork: UInt256
    public var time: UInt64
}

/// What `Blockchain.process` did with a valid (or not yet judgeable) block.
public enum BlockOutcome: Sendable, Hashable {
    /// Connected on top of the previous tip.
    case extended(tip: ChainTip)
    /// Made a heavier branch the best chain: `disconnected` (old tip first) were undone, `connected` applied
    /// (in height order).
    case reorganized(tip: ChainTip, disconnected: [Hash256], connected: [Hash256])
    /// Stored on a branch with no more work than the best chain.
    case sideChain(id: Hash256, height: UInt64)
    /// Held in the orphan pool until `missingParent` arrives.
    case orphan(id: Hash256, missingParent: Hash256)
}

/// The result of processing one block: its own outcome, then those of held orphans it let connect.
public struct ProcessReport: Sendable, Hashable {
    public var outcome: BlockOutcome
    public var adoptedOrphans: [BlockOutcome]
}

/// What the next block on top of `prev` must carry.
public struct NextBlockContext: Sendable, Hashable {
    public var prev: Hash256
    public var height: UInt64
    public var bits: UInt32
    /// The block's time must be strictly greater than this.
    public var medianTimePast: UInt64
}
