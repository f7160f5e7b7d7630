public import PoUWChain
public import PoUWCore
public import PoUWML
public import PoUWProtocol

/// A miner's replica and its place in its own message chain.
///
/// Guarantees: `trainer` is in the state after message `sequence − 1` (the initial state when `sequence` is 0);
/// `pendingPeers` are the peers' recorded messages not yet applied, in the order this node recorded them
/// (per peer, that peer's chain order); `templates[s]` is the block template message `s` committed to.
public struct MinerState {
    public let trainer: Trainer
    public let checkpointInterval: UInt64
    public internal(set) var sequence: UInt64 = 0
    public internal(set) var previous: Hash256 = .zero
    public internal(set) var pendingPeers: [IterationMessage] = []
    public internal(set) var templates: [UInt64: Block] = [:]
    /// The last message's loss and training accuracy, and epoch.
    public internal(set) var lastLoss: Float = .nan
    public internal(set) var lastAccuracy: Float = 0
    public internal(set) var epoch: UInt32 = 0
    /// The last own message.
    public internal(set) var lastMessage: IterationMessage?

    init(trainer: Trainer, checkpointInterval: UInt64) {
        self.trainer = trainer
        self.checkpointInterval = checkpointInterval
    }
}
