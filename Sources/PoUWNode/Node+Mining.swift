import Foundation
public import PoUWChain
public import PoUWCore
import PoUWML
public import PoUWProtocol
import PoUWStore

/// What one mining step produced.
public struct MiningStep: Sendable {
    public let message: IterationMessage
    /// The block found with one of the message's nonces, if any (already connected on this node's chain).
    public let block: Block?
}

extension Node {
    /// Why a mining step could not run.
    public enum MiningFailure: Error, Sendable, CustomStringConvertible {
        case notAMiner
        case noTask
        case noAssignment(sequence: UInt64)
        /// The assigned batch is not held yet: it was asked for by hash; the miner trains it once it arrives.
        case batchUnavailable(Hash256)
        case iteration(String)

        public var description: String {
            switch self {
            case .notAMiner: "this node does not mine"
            case .noTask: "no task joined"
            case .noAssignment(let s): "no batch assigned for step \(s)"
            case .batchUnavailable(let hash): "the assigned batch \(hash.short) is being fetched"
            case .iteration(let reason): "iteration failed: \(reason)"
            }
        }
    }

    /// One PoUW iteration (PROTOCOL.md "One iteration of miner m" and "Mining"): build and commit to a block
    /// template for iteration i + k, apply the peers' recorded updates in order, train on the assigned batch,
    /// sign and record the IT_RES, broadcast it, store a checkpoint every `checkpointInterval` messages, then try
    /// the message's nonces on the template committed k messages ago (if the tip has not moved since). A block
    /// found is connected locally (after the same replay every node does), its state checkpoints before and after
    /// the iteration are stored and sent to the archive, and it is broadcast. A miner not handed the task's data
    /// fetches its next assigned batches by hash; `MiningFailure.batchUnavailable` while the current one is missing.
    ///
    /// - Parameters:
    ///   - blockTime: Unix seconds for a new template (the chain raises it to median-time-past + 1).
    ///   - startTime: milliseconds for the message's start/finish times (virtual clock, so runs reproduce).
    ///   - archives: nodes that keep every checkpoint.
    public func mine(blockTime: UInt64, startTime: UInt64, archives: [NodeAddress]) throws -> MiningStep {
        guard has(.miner) else { throw MiningFailure.notAMiner }
        endOfTraining.archives = archives
        // No paid task has selected this miner yet: it trains a filler anchored at its tip.
        if miner == nil { try startFiller() }
        guard var state = miner else { throw MiningFailure.notAMiner }
        guard let task, var recorder else { throw MiningFailure.noTask }
        let sequence = state.sequence
        guard let assigned = recorder.rules.assignment.batch(miner: nodeKey, sequence: sequence) else {
            throw MiningFailure.noAssignment(sequence: sequence)
        }
        let index = Int(assigned.index)
        prefetchAssignedBatches(from: sequence)  // Node+TaskData.swift
        guard let batch = trainingBatch(index, of: task) else {
            throw MiningFailure.batchUnavailable(
                task.batchHashes.indices.contains(index) ? task.batchHashes[index] : .zero
            )
        }
        let context = try chain.nextBlockContext()
        let template = BlockAssembler.assemble(
            context: context,
            transactions: transactionsForTemplate,
            miner: account,
            time: blockTime,
            parameters: chain.parameters
        )
        state.templates[sequence] = template
        state.templates[sequence &- MiningRules.commitmentDistance &- 1] = nil
        let stateBefore = state.trainer.state.canonicalBytes
        let peers = state.pendingPeers
        state.pendingPeers = []
        let body: UnsignedIterationMessage
        do {
            body = try PoUWIteration.run(
                trainer: state.trainer,
                minerKey: nodeKey,
                peers: peers,
                batch: batch,
                batchHash: task.batchHashes[index],
                context: IterationContext(
                    taskID: task.taskID,
                    epoch: assigned.epoch,
                    sequence: sequence,
                    previousMessage: state.previous,
                    batchIndex: assigned.index,
                    zeroNonceCommitment: BlockTemplate(header: template.header).commitment,
                    startTime: startTime,
                    finishTime: startTime + 1
                )
            ).body
        } catch {
            throw MiningFailure.iteration("\(error)")
        }
        let message = try body.signed(with: key)
        // Record our own message exactly as peers will (same checks), then tell everyone.
        do { try recorder.accept(message) } catch { throw MiningFailure.iteration("own message refused: \(error)") }
        self.recorder = recorder
        histories.set(recorder.canonical)
        shareCheckpoints(task: task.taskID, recorded: [message.hash])
        // Signed here with this node's own key: its signature is valid (the store need not check it again).
        if has(.supervisor) || has(.archive) {
            try protocolStore.record(message, signatureVerified: true)
        } else {
            try protocolStore.put(message, signatureVerified: true)
        }
        statistics.messagesRecorded += 1
        broadcast(.iteration(message.canonicalBytes))
        state.sequence = sequence + 1
        state.previous = message.hash
        state.lastLoss = body.loss
        state.lastAccuracy = body.accuracy
        state.epoch = body.epoch
        state.lastMessage = message
        if (sequence + 1) % state.checkpointInterval == 0 {
            try checkpoint(state.trainer.state.canonicalBytes, sequence: sequence, archives: archives)
        }
        miner = state

        // Mining: the template committed k messages ago, if it still extends the tip.
        var found: Block?
        if sequence >= MiningRules.commitmentDistance,
            var committed = state.templates[sequence - MiningRules.commitmentDistance],
            committed.header.prev == chain.tip.id,
            let header = MiningRules.mine(
                template: BlockTemplate(header: committed.header),
                message: message,
                historyRoot: recorder.canonical.root(of: message.hash) ?? .zero,
                parameters: task.miningParameters.parameterCount,
                batchSize: task.miningParameters.batchSize
            )
        {
            committed.header = header
            // A checkpoint at every block: the state before its iteration, so a verifier replays exactly one. Every
            // verifier reads it at once, so it is stored raw (a copy to read, not a decompression).
            try checkpoint(stateBefore, sequence: sequence - 1, archives: archives, preference: .fastestRead)
            if receive(committed) {
                minedBlocks.append(committed.id)
                broadcast(.block(committed.canonicalBytes))
                found = committed
            }
        }
        return MiningStep(message: message, block: found)
    }

    /// Stores the model state after message `sequence` and sends it to the archives.
    func checkpoint(
        _ bytes: [UInt8],
        sequence: UInt64,
        archives: [NodeAddress],
        preference: StoragePreference = .smallest
    ) throws {
        guard let task else { return }
        try protocolStore.putModelState(
            bytes,
            task: task.taskID,
            miner: nodeKey,
            sequence: sequence,
            preference: preference
        )
        send(.checkpoint(task: task.taskID, miner: nodeKey, sequence: sequence, state: bytes), to: archives)
    }

    /// Stores the final state (for evaluators and audits) and returns its hash.
    @discardableResult
    public func finalCheckpoint(archives: [NodeAddress]) throws -> Hash256? {
        guard let state = miner, state.sequence > 0, state.sequence % state.checkpointInterval != 0 else {
            return miner?.trainer.stateHash
        }
        try checkpoint(state.trainer.state.canonicalBytes, sequence: state.sequence - 1, archives: archives)
        return state.trainer.stateHash
    }
}
