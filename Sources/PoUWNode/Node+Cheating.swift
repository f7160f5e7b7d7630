public import PoUWChain
import PoUWCore
import PoUWML
public import PoUWProtocol

/// A deliberately dishonest miner, for `pouw demo --cheaters N` and the evidence tests: it shows what the honest
/// nodes do about a cheat (refuse the block, prove the cheat by replay, send EVIDENCE, slash the stake).
///
/// The cheat: the miner keeps its place in its message chain but trains with a learning rate `factor` times the
/// task's, so every message it signs from then on claims an update the task's optimizer does not produce. Its own
/// mining step refuses to build a block from such a message (the miner replays itself), so `forgedBlock` builds
/// the block the cheater would broadcast anyway.
extension Node {
    /// Switches this miner's replica to `factor` × the task's learning rate, from its current state. Throws
    /// `MiningFailure.noTask` when the node is not training a task.
    public func startCheating(learningRateFactor factor: Float) throws {
        guard let task, let state = miner else { throw MiningFailure.noTask }
        var altered = task.definition
        switch altered.optimizer {
        case .sgd(let rate, let momentum):
            altered.optimizer = .sgd(learningRate: rate * factor, momentum: momentum)
        case .adam(let rate, let beta1, let beta2, let epsilon):
            altered.optimizer = .adam(learningRate: rate * factor, beta1: beta1, beta2: beta2, epsilon: epsilon)
        }
        let trainer = try Trainer(task: altered, state: state.trainer.state, threads: 1)
        var cheating = MinerState(trainer: trainer, checkpointInterval: state.checkpointInterval)
        cheating.sequence = state.sequence
        cheating.previous = state.previous
        cheating.pendingPeers = state.pendingPeers
        cheating.templates = state.templates
        cheating.lastLoss = state.lastLoss
        cheating.lastAccuracy = state.lastAccuracy
        cheating.epoch = state.epoch
        cheating.lastMessage = state.lastMessage
        miner = cheating
    }

    /// The block this node would mine from its own `message` if it did not replay itself first: the template it
    /// committed to k messages earlier (if that still extends the tip), with a nonce from the message's interval
    /// that meets the target; `nil` when there is none.
    public func forgedBlock(from message: IterationMessage) -> Block? {
        let sequence = message.body.sequence
        guard let task, message.body.taskID == task.taskID, sequence >= MiningRules.commitmentDistance,
            var committed = miner?.templates[sequence - MiningRules.commitmentDistance],
            committed.header.prev == chain.tip.id,
            let root = recorder?.canonical.root(of: message.hash),
            let header = MiningRules.mine(
                template: BlockTemplate(header: committed.header),
                message: message,
                historyRoot: root,
                parameters: task.miningParameters.parameterCount,
                batchSize: task.miningParameters.batchSize
            )
        else { return nil }
        committed.header = header
        return committed
    }
}
