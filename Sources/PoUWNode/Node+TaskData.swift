import PoUWChain
public import PoUWCore
public import PoUWML
public import PoUWProtocol
import PoUWStore

/// A node's share of paid tasks' data (Docs/protocol.md "Task data"): the manifests it published (a client) or
/// accepted, the test batches it withholds until evaluation (a client), and the batches it keeps fetching until it
/// holds them (supervisors and archives: all of a task's batches).
public struct TaskDataState: Sendable {
    /// Manifests this node published as a client, by task: re-sent until the task is settled.
    var published: [Hash256: [UInt8]] = [:]
    /// Test batches this client holds but does not serve yet (`Node.revealTestSet`), by hash. They stay in memory
    /// and out of the store until revealed, so a client restarted before evaluation has nothing to leak (it
    /// publishes the task again from its own data).
    var withheldBatches: [Hash256: [UInt8]] = [:]
    /// The hashes of the test batches withheld.
    public var withheld: Set<Hash256> { Set(withheldBatches.keys) }
    /// The peer each accepted manifest first came from (asked first for the task's batches).
    var source: [Hash256: NodeAddress] = [:]
    /// Manifests refused, by task id, with the reason.
    public internal(set) var refusals: [Hash256: TaskManifest.Refusal] = [:]
    /// Batches this node fetches until it holds them, with the peer to ask first.
    var goal: [Hash256: NodeAddress?] = [:]

    /// Most refusals kept (the oldest are forgotten beyond it).
    static let maxRefusals = 256
}

extension Node {
    /// Why a client could not publish a task.
    public enum PublishFailure: Error, Sendable, CustomStringConvertible {
        /// Only a task prepared with its data (training batches and test set) can be published.
        case noData(Hash256)
        /// The test set cut from the data does not hash to the task's test batch hashes.
        case testSetDiffers(Hash256)

        public var description: String {
            switch self {
            case .noData(let id): "task \(id.short) was not prepared with its data"
            case .testSetDiffers(let id): "task \(id.short): the test set does not hash to its test batch hashes"
            }
        }
    }

    /// Batches a miner asks for ahead of the iteration that trains them.
    static let batchLookahead: UInt64 = 8

    /// The client publishes its task: it stores every training batch (indexed under the dataset root), keeps
    /// every test batch in memory only (withheld: neither stored nor served until `revealTestSet`), keeps the task
    /// as an offer, and broadcasts the task's manifest (re-sent by `tick` until the task is settled). Nothing else
    /// happens until it pays.
    public func publish(_ task: PreparedTask) throws {
        guard let test = task.test, !task.batches.isEmpty else { throw PublishFailure.noData(task.taskID) }
        let plan = BatchPlan(sampleCount: test.count, batchSize: task.definition.batchSize, seed: task.dataSeed)
        let testBatches = (0..<plan.batchCount).map { plan.batch($0, of: test).canonicalBytes }
        guard testBatches.map(Hash256.sha256) == task.testBatchHashes else {
            throw PublishFailure.testSetDiffers(task.taskID)
        }
        for (index, batch) in task.batches.enumerated() {
            try protocolStore.putBatch(batch.canonicalBytes, datasetRoot: task.datasetRoot, index: UInt64(index))
        }
        for (hash, bytes) in zip(task.testBatchHashes, testBatches) { taskData.withheldBatches[hash] = bytes }
        let manifest = task.manifest.canonicalBytes
        taskData.published[task.taskID] = manifest
        lifecycle.offers[task.taskID] = task
        broadcast(.taskManifest(manifest))
        advanceLifecycle()
    }

    /// Most offers kept whose task is not registered on this node's chain. Signing a PAY_FOR_TASK needs no funds,
    /// so without a bound any peer could grow `lifecycle.offers` (walked after every block) without end; a client
    /// re-sends its manifest until its task is settled, so one refused here is accepted once registered. (Counted
    /// on arrival of a new unregistered manifest, one chain look-up per offer: registered offers cost funds.)
    static let unregisteredOffersLimit = 64

    /// A manifest arrived: checked (`TaskManifest.check`) and, if new and sound, kept as the task's offer (joined
    /// once its selection is derived); a refusal is recorded with its reason. A manifest whose task is not
    /// registered on this node's chain is refused while `unregisteredOffersLimit` such offers are kept (counted in
    /// `offersRefused`, the reason in `lastRejection`, not recorded as a refusal: accepted when heard again after
    /// the registration). True if newly accepted (the caller relays it once).
    @discardableResult
    public func receiveManifest(_ bytes: [UInt8], from peer: NodeAddress? = nil) -> Bool {
        let manifest: TaskManifest
        do { manifest = try TaskManifest(canonicalBytes: bytes) } catch {
            statistics.undecodable += 1
            statistics.lastRejection = "undecodable task manifest: \(error)"
            return false
        }
        let id = manifest.taskID
        guard lifecycle.offers[id] == nil, taskData.refusals[id] == nil else { return false }
        if !isRegistered(id) {
            let unregistered = lifecycle.offers.keys.count { !isRegistered($0) }
            guard unregistered < Self.unregisteredOffersLimit else {
                statistics.offersRefused += 1
                statistics.lastRejection =
                    "task manifest \(id.short) refused: \(unregistered) offers kept whose task is not registered"
                return false
            }
        }
        do {
            let task = try manifest.check()
            lifecycle.offers[id] = task
            if let peer { taskData.source[id] = peer }
            advanceLifecycle()
            return true
        } catch {
            if taskData.refusals.count >= TaskDataState.maxRefusals { taskData.refusals = [:] }
            taskData.refusals[id] = error
            statistics.lastRejection = "task manifest \(id.short) refused: \(error)"
            return false
        }
    }

    /// On joining a task rebuilt from its manifest: supervisors and archives record the dataset's batch index
    /// (so offline replays know every batch hash) and fetch every batch; the others fetch what they need when
    /// they need it (a miner its assigned batches, a verifier a block's batch).
    func joinedWithoutData(_ task: PreparedTask) throws {
        guard task.batches.isEmpty, task.filler == nil, has(.supervisor) || has(.archive) else { return }
        try store.write { batch in
            for (index, hash) in task.batchHashes.enumerated() {
                try batch.putDatasetBatch(root: task.datasetRoot, index: UInt64(index), object: hash)
            }
        }
        let hint = taskData.source[task.taskID]
        for hash in task.batchHashes where !artefacts.holds(hash) { taskData.goal[hash] = hint }
        wantTaskData()
        flushRequests()
    }

    /// Wants every batch of the goal not held yet (each tick, so a batch given up on is asked for again).
    func wantTaskData() {
        for hash in taskData.goal.keys.sorted() {
            if artefacts.holds(hash) {
                taskData.goal[hash] = nil
            } else {
                want(hash, .batch, from: taskData.goal[hash] ?? nil)
            }
        }
    }

    /// Batch `index` of `task` for training: the data handed to this node, else the store (fetched by hash and
    /// re-hashed on arrival). `nil` if this node does not hold it.
    func trainingBatch(_ index: Int, of task: PreparedTask) -> Batch? {
        if task.batches.indices.contains(index) { return task.batches[index] }
        guard task.batchHashes.indices.contains(index),
            let bytes = try? artefacts.bytes(for: task.batchHashes[index])
        else { return nil }
        return try? Batch(canonicalBytes: bytes)
    }

    /// A miner wants the batches of its next `batchLookahead` iterations it does not hold.
    func prefetchAssignedBatches(from sequence: UInt64) {
        guard let task, task.batches.isEmpty, let recorder else { return }
        let hint = taskData.source[task.taskID]
        for s in sequence..<(sequence + Self.batchLookahead) {
            guard let assigned = recorder.rules.assignment.batch(miner: nodeKey, sequence: s),
                task.batchHashes.indices.contains(Int(assigned.index))
            else { continue }
            want(task.batchHashes[Int(assigned.index)], .batch, from: hint)
        }
        flushRequests()
    }

    /// The client reveals `task`'s test set: it stores the test batches and from now on serves them to whoever
    /// asks by hash. A batch that cannot be stored stays withheld (and the error is thrown; call again).
    public func revealTestSet(task: Hash256) throws {
        guard let prepared = lifecycle.offers[task] else { return }
        for hash in prepared.testBatchHashes {
            guard let bytes = taskData.withheldBatches[hash] else { continue }
            _ = try store.put(.batch, bytes)
            taskData.withheldBatches[hash] = nil
        }
    }

    /// An evaluator asks for `task`'s test batches it lacks (first from `hint`, the client); returns the hashes
    /// still missing (empty: the whole test set is held).
    @discardableResult
    public func requestTestSet(task: Hash256, from hint: NodeAddress?) -> [Hash256] {
        guard let prepared = joined[task] ?? lifecycle.offers[task] else { return [] }
        let missing = prepared.testBatchHashes.filter { !artefacts.holds($0) }
        for hash in missing { want(hash, .batch, from: hint) }
        flushRequests()
        return missing
    }

    /// `task`'s test set as this node holds it: its test batches (fetched by hash, each re-hashed on arrival, and
    /// listed in the manifest whose root is the PAY_FOR_TASK's test-set root) in order; `nil` if one is missing.
    public func testSet(for task: PreparedTask) throws -> Dataset? {
        guard !task.testBatchHashes.isEmpty else { return nil }
        var features: [Float] = []
        var labels: [UInt8] = []
        var featureCount = task.definition.inputSize
        for hash in task.testBatchHashes {
            guard let bytes = try artefacts.bytes(for: hash) else { return nil }
            let batch = try Batch(canonicalBytes: bytes)
            featureCount = batch.featureCount
            features += batch.features
            labels += batch.labels
        }
        return try Dataset(
            featureCount: featureCount,
            classCount: task.definition.outputSize,
            features: features,
            labels: labels,
            source: "test set of task \(task.taskID.short)"
        )
    }

    /// Re-sends the manifests this client published whose task is not settled yet.
    func reannounceManifests() {
        for (id, bytes) in taskData.published.sorted(by: { $0.key < $1.key }) {
            guard (try? chain.task(id))?.settled != true else { continue }
            broadcast(.taskManifest(bytes))
            fetchState.statistics.reannounced += 1
        }
    }
}
