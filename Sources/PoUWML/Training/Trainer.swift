public import PoUWCore

/// One replica of a task's model: runs PoUW iterations, applies peers' updates and exposes its state.
///
/// An iteration (`step`) is: forward/backward on one batch → optimizer computes the dense delta `Δ` →
/// dense mode: `w ← w + Δ`; PoUW mode: `r ← r + Δ`, every parameter with `|r| > τ` emits `sign(r)·τ` and
/// `r ← r ∓ τ`, the emitted steps form a `SparseUpdate` that is applied to the counts at once and returned
/// for broadcast. Peers' updates (`apply`) change only counts, never `r` or the optimizer state.
///
/// Guarantees: the result of every call is a pure function of (task, state, inputs), bit for bit, for any
/// thread count and build mode. Applying a set of updates in any order gives identical bits (integer counts).
/// Not thread-safe: one caller at a time.
public final class Trainer {
    public let task: TaskDefinition
    public let architecture: Architecture
    public private(set) var state: ModelState
    private let network: Network
    private let pool: WorkerPool
    private var gradient: [Float]
    private var delta: [Float]
    /// A capacity hint for the next emission's word lists.
    private var lastEmitted = 1024

    /// What one iteration produced.
    public struct StepResult: Sendable, Equatable {
        /// Mean loss of the batch (computed before the update).
        public var loss: Float
        /// Correctly classified rows of the batch (before the update).
        public var correct: Int
        public var rows: Int
        /// PoUW mode: the emitted update (already applied to this replica). `nil` in dense mode.
        public var update: SparseUpdate?
        /// PoUW mode: parameters where `|Δ − emitted| > τ` (the residual fell behind). 0 in dense mode.
        public var overdrive: Int
    }

    /// A fresh replica: initial weights from `seed`, `mode` dense or PoUW with its τ.
    public convenience init(task: TaskDefinition, seed: UInt64, mode: ModelState.Mode, threads: Int = 1) {
        let architecture = Architecture(model: task.model)
        let state = ModelState(architecture: architecture, optimizer: task.optimizer, mode: mode, seed: seed)
        self.init(task: task, architecture: architecture, fittingState: state, threads: threads)
    }

    /// A replica resumed from `state` (e.g. decoded from canonical bytes); throws if it does not fit `task`.
    public convenience init(task: TaskDefinition, state: ModelState, threads: Int = 1) throws {
        let architecture = Architecture(model: task.model)
        try Self.checkFit(state, task: task, architecture: architecture)
        self.init(task: task, architecture: architecture, fittingState: state, threads: threads)
    }

    /// Throws `stateMismatch` unless `state` is a state of `task`'s model and optimizer.
    private static func checkFit(_ state: ModelState, task: TaskDefinition, architecture: Architecture) throws {
        guard state.parameterCount == architecture.parameterCount else {
            throw TrainingError.stateMismatch(
                "state has \(state.parameterCount) parameters, the task's model \(architecture.parameterCount)"
            )
        }
        guard state.optimizer.matches(task.optimizer) else {
            throw TrainingError.stateMismatch("optimizer state is not for the task's optimizer")
        }
    }

    private init(task: TaskDefinition, architecture: Architecture, fittingState state: ModelState, threads: Int) {
        self.task = task
        self.architecture = architecture
        self.state = state
        pool = WorkerPool(threads: threads)
        network = Network(architecture: architecture, maxBatch: task.batchSize, pool: pool)
        gradient = [Float](repeating: 0, count: architecture.parameterCount)
        delta = [Float](repeating: 0, count: architecture.parameterCount)
    }

    /// Replaces this replica's state with `state` (the same fit checks as `init(task:state:threads:)`), keeping the
    /// engine's buffers: a verifier that loads one state after another does not allocate and zero them each time.
    /// By the type's guarantee (every result is a function of task, state and inputs) the replica then behaves
    /// exactly as a new one built from `state`.
    public func restore(_ state: ModelState) throws {
        try Self.checkFit(state, task: task, architecture: architecture)
        self.state = state
    }

    /// Restores from canonical state bytes (strict decoding, then the fit check).
    public convenience init(task: TaskDefinition, stateBytes: [UInt8], threads: Int = 1) throws {
        try self.init(task: task, state: ModelState(canonicalBytes: stateBytes), threads: threads)
    }

    /// SHA-256 of the canonical state bytes.
    public var stateHash: Hash256 { state.stateHash }

    /// Runs one iteration on `batch`.
    public func step(_ batch: Batch) throws -> StepResult {
        try check(batch)
        let rows = batch.rows
        let result = state.parameters.withUnsafeBufferPointer { p in
            batch.features.withUnsafeBufferPointer { x in
                batch.labels.withUnsafeBufferPointer { y in
                    gradient.withUnsafeMutableBufferPointer { g in
                        network.run(
                            parameters: p.baseAddress!,
                            features: x.baseAddress!,
                            labels: y.baseAddress!,
                            rows: rows,
                            gradient: g.baseAddress!
                        )
                    }
                }
            }
        }
        if let bad = Self.firstNonFinite(gradient) {
            let where_ = architecture.locate(bad)
            throw TrainingError.nonFinite(tensor: "gradient[\(where_.tensor)]", element: where_.element)
        }
        let count = architecture.parameterCount
        gradient.withUnsafeBufferPointer { g in
            delta.withUnsafeMutableBufferPointer { d in
                Optimizer.computeDelta(
                    task.optimizer,
                    state: &state.optimizer,
                    gradient: g.baseAddress!,
                    delta: d.baseAddress!,
                    count: count,
                    pool: pool
                )
            }
        }
        var update: SparseUpdate? = nil
        var overdrive = 0
        switch state.mode {
        case .dense:
            state.parameters.withUnsafeMutableBufferPointer { p in
                delta.withUnsafeBufferPointer { d in
                    for i in 0..<count { p[i] = p[i] + d[i] }
                }
            }
            if let bad = Self.firstNonFinite(state.parameters) {
                throw TrainingError.nonFinite(tensor: "parameters", element: bad)
            }
        case .pouw(let tau):
            (update, overdrive) = try emit(tau: tau)
        }
        state.step += 1
        return StepResult(loss: result.loss, correct: result.correct, rows: rows, update: update, overdrive: overdrive)
    }

    /// The index of the first NaN or infinity, found by a vectorisable scan of the exponent bits.
    static func firstNonFinite(_ values: [Float]) -> Int? {
        let any = values.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: UInt32.self) { bits in
                var flag: UInt32 = 0
                // Bit 31 of the sum is set iff the exponent field is all ones.
                for b in bits { flag |= ((b & 0x7f80_0000) &+ 0x0080_0000) & 0x8000_0000 }
                return flag != 0
            }
        }
        return any ? values.firstIndex { !$0.isFinite } : nil
    }

    /// Residual accumulation and ±τ emission; applies the emitted steps to this replica's counts.
    private func emit(tau: Float) throws -> (SparseUpdate, Int) {
        var positive: [UInt32] = []
        var negative: [UInt32] = []
        positive.reserveCapacity(lastEmitted)
        negative.reserveCapacity(lastEmitted)
        var overdrive = 0
        let count = architecture.parameterCount
        state.residual.withUnsafeMutableBufferPointer { rb in
            delta.withUnsafeBufferPointer { db in
                for i in 0..<count {
                    let d = db[i]
                    var r = rb[i] + d
                    var emitted: Float = 0
                    if r > tau {
                        r = r - tau
                        emitted = tau
                        positive.append(UInt32(i))
                    } else if r < -tau {
                        r = r + tau
                        emitted = -tau
                        negative.append(UInt32(i) | SparseUpdate.signBit)
                    }
                    rb[i] = r
                    if (d - emitted).magnitude > tau { overdrive += 1 }
                }
            }
        }
        if let bad = Self.firstNonFinite(state.residual) {
            throw TrainingError.nonFinite(tensor: "residual", element: bad)
        }
        lastEmitted = max(positive.count, negative.count) + 64
        positive.append(contentsOf: negative)
        let update = try SparseUpdate(tau: tau, parameterCount: count, words: positive)
        try apply(update)
        return (update, overdrive)
    }

    /// Applies a peer's (or one's own) sparse update: `count ± 1` and `w = w0 + τ·count` for each word.
    /// Throws if the update's τ or parameter count differ from this state's, or if a count would overflow;
    /// the state is unchanged on error.
    public func apply(_ update: SparseUpdate) throws {
        guard case .pouw(let tau) = state.mode else {
            throw TrainingError.updateMismatch("this replica trains in dense mode")
        }
        guard update.tau.bitPattern == tau.bitPattern else {
            throw TrainingError.updateMismatch("update τ \(update.tau) differs from the state's τ \(tau)")
        }
        guard update.parameterCount == architecture.parameterCount else {
            throw TrainingError.updateMismatch(
                "update is for \(update.parameterCount) parameters, the model has \(architecture.parameterCount)"
            )
        }
        for word in update.words {
            let i = Int(word & ~SparseUpdate.signBit)
            let c = state.counts[i]
            if (word & SparseUpdate.signBit == 0 && c == .max) || (word & SparseUpdate.signBit != 0 && c == .min) {
                throw TrainingError.updateMismatch("count of parameter \(i) would overflow")
            }
        }
        // Move the arrays out so each is uniquely referenced and no two accesses to `state` overlap.
        var countsArray = state.counts
        var weightsArray = state.parameters
        state.counts = []
        state.parameters = []
        defer {
            state.counts = countsArray
            state.parameters = weightsArray
        }
        let initialArray = state.initial
        countsArray.withUnsafeMutableBufferPointer { counts in
            weightsArray.withUnsafeMutableBufferPointer { weights in
                initialArray.withUnsafeBufferPointer { initial in
                    for word in update.words {
                        let i = Int(word & ~SparseUpdate.signBit)
                        let c = counts[i] + (word & SparseUpdate.signBit == 0 ? 1 : -1)
                        counts[i] = c
                        weights[i] = ModelState.weight(initial: initial[i], tau: tau, count: c)
                    }
                }
            }
        }
    }

    /// Mean loss and accuracy over `dataset` (no state change), in batches of the task's batch size.
    public func evaluate(_ dataset: Dataset) throws -> Evaluation {
        try checkShape(featureCount: dataset.featureCount, classCount: dataset.classCount)
        var total: Double = 0
        var correct = 0
        var start = 0
        let b = task.batchSize
        state.parameters.withUnsafeBufferPointer { p in
            dataset.features.withUnsafeBufferPointer { x in
                dataset.labels.withUnsafeBufferPointer { y in
                    while start < dataset.count {
                        let rows = min(b, dataset.count - start)
                        let r = network.run(
                            parameters: p.baseAddress!,
                            features: x.baseAddress! + start * dataset.featureCount,
                            labels: y.baseAddress! + start,
                            rows: rows,
                            gradient: nil
                        )
                        total += Double(r.loss) * Double(rows)
                        correct += r.correct
                        start += rows
                    }
                }
            }
        }
        let n = max(1, dataset.count)
        return Evaluation(loss: total / Double(n), accuracy: Double(correct) / Double(n), count: dataset.count)
    }

    /// Loss and accuracy over a data set (reporting only; not part of consensus).
    public struct Evaluation: Sendable, Equatable {
        public var loss: Double
        public var accuracy: Double
        public var count: Int
    }

    private func checkShape(featureCount: Int, classCount: Int) throws {
        guard featureCount == architecture.inputCount else {
            throw TrainingError.batchMismatch(
                "data has \(featureCount) features per sample, the task's input_size is \(architecture.inputCount)"
            )
        }
        guard classCount <= architecture.outputCount else {
            throw TrainingError.batchMismatch(
                "data has \(classCount) classes, the task's output_size is \(architecture.outputCount)"
            )
        }
    }

    private func check(_ batch: Batch) throws {
        try checkShape(featureCount: batch.featureCount, classCount: 0)
        guard batch.rows > 0 && batch.rows <= task.batchSize else {
            throw TrainingError.batchMismatch("\(batch.rows) rows; the task's batch_size is \(task.batchSize)")
        }
        if let i = batch.labels.firstIndex(where: { Int($0) >= architecture.outputCount }) {
            throw TrainingError.batchMismatch(
                "label \(batch.labels[i]) of row \(i) is not below output_size \(architecture.outputCount)"
            )
        }
    }
}
