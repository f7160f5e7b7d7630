public import PoUWCore
public import PoUWCrypto
public import PoUWML

/// The fields of an iteration that training does not determine: who, where in the chain, when, and which
/// template is committed.
public struct IterationContext: Sendable, Hashable {
    public var taskID: Hash256
    public var epoch: UInt32
    public var sequence: UInt64
    public var previousMessage: Hash256
    public var batchIndex: UInt32
    public var zeroNonceCommitment: Hash256
    /// Milliseconds since the Unix epoch; `finishTime` is taken after training unless set.
    public var startTime: UInt64
    public var finishTime: UInt64

    public init(
        taskID: Hash256,
        epoch: UInt32,
        sequence: UInt64,
        previousMessage: Hash256,
        batchIndex: UInt32,
        zeroNonceCommitment: Hash256,
        startTime: UInt64,
        finishTime: UInt64
    ) {
        self.taskID = taskID
        self.epoch = epoch
        self.sequence = sequence
        self.previousMessage = previousMessage
        self.batchIndex = batchIndex
        self.zeroNonceCommitment = zeroNonceCommitment
        self.startTime = startTime
        self.finishTime = finishTime
    }
}

/// What one iteration produced besides its message.
public struct IterationOutcome: Sendable {
    /// The signed message to broadcast.
    public let message: IterationMessage
    /// The engine's own report (the update as PoUWML's `SparseUpdate`, loss, correct rows).
    public let step: Trainer.StepResult
}

/// One PoUW iteration of a miner (PROTOCOL.md "Training semantics" and "Iteration message"): apply the peers'
/// updates in the order given, train one step on the batch, and describe it in a signed message.
///
/// Guarantees: a pure function of (state before, peer updates in order, batch, task, context) — `replay` of the
/// same inputs gives the same message content bit for bit, which is what `IterationReplay` checks.
public enum PoUWIteration {
    /// Why an iteration could not run.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The replica trains densely (no sparse updates), so it cannot take part in PoUW.
        case notPoUWMode
        /// The engine refused: a peer update that does not fit, a non-finite value, a batch of the wrong shape.
        case engine(String)
        /// The message content broke a structural rule (e.g. a NaN loss).
        case message(IterationMessageError)

        public var description: String {
            switch self {
            case .notPoUWMode: "the replica does not train in PoUW mode"
            case .engine(let reason): "training engine: \(reason)"
            case .message(let error): "message: \(error)"
            }
        }
    }

    /// Runs the iteration on `trainer` (whose state is the state before) and returns the unsigned content and
    /// the engine's report. `batchHash` and `stateHashBefore`, when given, must be the hashes of `batch` and of the
    /// trainer's state (callers that fetched them by hash know them; otherwise they are computed). `trainer` holds the state after on return; on failure its state is unspecified.
    public static func run(
        trainer: Trainer,
        minerKey: NodeKey,
        peers: [IterationMessage],
        batch: Batch,
        batchHash: Hash256? = nil,
        stateHashBefore: Hash256? = nil,
        context: IterationContext
    ) throws(Failure) -> (body: UnsignedIterationMessage, step: Trainer.StepResult) {
        guard let tau = trainer.state.mode.tau else { throw .notPoUWMode }
        // A caller that loaded the state by its hash (replay) passes it, saving one encode-and-hash of the state.
        let before = stateHashBefore ?? trainer.stateHash
        let parameterCount = trainer.architecture.parameterCount
        do {
            for peer in peers {
                try trainer.apply(
                    SparseUpdate(tau: peer.body.tau, parameterCount: parameterCount, words: peer.body.update.words)
                )
            }
        } catch {
            throw .engine("\(error)")
        }
        let step: Trainer.StepResult
        do { step = try trainer.step(batch) } catch { throw .engine("\(error)") }
        let words = step.update?.words ?? []
        let update: SparseUpdateWords
        do { update = try SparseUpdateWords(words: words) } catch { throw .message(error) }
        do {
            let body = try UnsignedIterationMessage(
                taskID: context.taskID,
                minerKey: minerKey,
                epoch: context.epoch,
                sequence: context.sequence,
                previousMessage: context.previousMessage,
                batchIndex: context.batchIndex,
                batchHash: batchHash ?? batch.canonicalHash,
                stateHashBefore: before,
                appliedPeerMessages: peers.map(\.hash),
                update: update,
                tau: tau,
                learningRate: trainer.task.optimizer.learningRate,
                loss: step.loss,
                accuracy: step.rows == 0 ? 0 : Float(step.correct) / Float(step.rows),
                overdrive: UInt32(clamping: step.overdrive),
                stateHashAfter: trainer.stateHash,
                zeroNonceCommitment: context.zeroNonceCommitment,
                startTime: context.startTime,
                finishTime: context.finishTime
            )
            return (body, step)
        } catch {
            throw .message(error)
        }
    }

    /// `run`, then signs with `key` (which must be the miner's).
    public static func run(
        trainer: Trainer,
        key: Ed25519.PrivateKey,
        peers: [IterationMessage],
        batch: Batch,
        context: IterationContext
    ) throws -> IterationOutcome {
        let (body, step) = try run(
            trainer: trainer,
            minerKey: NodeKey(key.publicKey),
            peers: peers,
            batch: batch,
            context: context
        )
        return IterationOutcome(message: try body.signed(with: key), step: step)
    }
}
