public import PoUWChain
public import PoUWCore
public import PoUWCrypto
public import PoUWML
public import PoUWProtocol

/// A client's task ready to submit: the task JSON, its training batches (hashed into the dataset Merkle tree),
/// the withheld test set (its own root) and the signed PAY_FOR_TASK transaction whose id is the task id
/// (PROTOCOL.md "Lifecycle: registration, initialisation").
///
/// Definitions: batches are `BatchPlan(sampleCount: train.count, batchSize: task.batchSize, seed: dataSeed)` over
/// the training set; the dataset root is `TaskRules.datasetRoot(batchHashes:)` (RFC 6962 over the batch hashes);
/// the test-set root is the same construction over the test set cut with the same plan rule. The PAY_FOR_TASK
/// carries the task JSON bytes unchanged (the seed's file), both roots, the escrow and the task terms: the client's
/// seat counts and the requirements `TaskRegistration.requirements(definition:batches:)` gives for its data. The initial weights' seed
/// is `modelSeed(taskID:)`: the first 8 bytes of the task id, little-endian — known only once the task is fixed,
/// and the same for every miner. Guarantees: a pure function of its inputs.
///
/// Only the client (and a filler's miner) holds the data: every other node rebuilds the task from its
/// `TaskManifest` (`init(manifest:)`), with no batches and no test set — it fetches the batches by hash, and the
/// evaluators fetch the test batches once the client reveals them (Docs/protocol.md "Task data").
public struct PreparedTask: Sendable {
    public let json: [UInt8]
    public let definition: TaskDefinition
    /// The training batches, in dataset order, when this node was handed the data (the client, a filler); empty
    /// for a task rebuilt from its manifest (its batches are then fetched by hash into the store).
    public let batches: [Batch]
    public let batchHashes: [Hash256]
    public let datasetRoot: Hash256
    /// Training samples over all batches.
    public let sampleCount: Int
    /// The withheld test set: the client's only (`nil` elsewhere, and for fillers).
    public let test: Dataset?
    /// The test set cut by the batch plan rule, hashed in order; their RFC 6962 root is `testSetRoot`. Empty for
    /// fillers (not evaluated).
    public let testBatchHashes: [Hash256]
    public let testSetRoot: Hash256
    public let transaction: Transaction
    public let dataSeed: UInt64
    /// For a filler task: the anchor block and the one miner that trains it (`FillerTask`); `nil` for a paid task.
    public let filler: FillerTask.Identity?

    /// The task id: the PAY_FOR_TASK transaction id.
    public var taskID: Hash256 { transaction.id }
    public var modelSeed: UInt64 { Self.modelSeed(taskID: taskID) }
    public var tau: Float { definition.effectiveTau }
    public var escrow: Amount {
        if case .payForTask(let p) = transaction.body { return p.escrow }
        return .zero
    }

    /// The seed of the initial weights for task `taskID`.
    public static func modelSeed(taskID: Hash256) -> UInt64 {
        var value: UInt64 = 0
        for (i, byte) in taskID.bytes.prefix(8).enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
        return value
    }

    /// Why a task could not be prepared.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case inputSize(task: Int, data: Int)
        case classes(task: Int, data: Int)
        case tooFewBatches(batches: Int, miners: Int)

        public var description: String {
            switch self {
            case .inputSize(let task, let data):
                "the task's model takes \(task) input features but the data has \(data) per sample"
            case .classes(let task, let data): "the data has \(data) classes but the task's output_size is \(task)"
            case .tooFewBatches(let batches, let miners): "\(batches) batches cannot be dealt to \(miners) miners"
            }
        }
    }

    /// Prepares the task; `client` signs the PAY_FOR_TASK with account sequence `sequence`.
    public init(
        json: [UInt8],
        train: Dataset,
        test: Dataset,
        dataSeed: UInt64,
        client: Ed25519.PrivateKey,
        sequence: UInt64,
        escrow: Amount,
        fee: Amount,
        miners: Int,
        seats: SeatCounts? = nil
    ) throws {
        let definition = try TaskDefinition(json: json)
        guard train.featureCount == definition.inputSize else {
            throw Failure.inputSize(task: definition.inputSize, data: train.featureCount)
        }
        guard train.classCount <= definition.outputSize else {
            throw Failure.classes(task: definition.outputSize, data: train.classCount)
        }
        let plan = BatchPlan(sampleCount: train.count, batchSize: definition.batchSize, seed: dataSeed)
        guard plan.batchCount >= miners else { throw Failure.tooFewBatches(batches: plan.batchCount, miners: miners) }
        let testPlan = BatchPlan(sampleCount: test.count, batchSize: definition.batchSize, seed: dataSeed)
        let batches = (0..<plan.batchCount).map { plan.batch($0, of: train) }
        let testBatchHashes = testPlan.batchHashes(of: test)
        let counts = seats ?? SeatCounts(miners: miners, supervisors: 1, evaluators: 1, verifiers: 1)
        let terms = try counts.terms(
            requirements: try TaskRegistration.requirements(definition: definition, batches: batches)
        )
        self.init(
            json: json,
            definition: definition,
            batches: batches,
            test: test,
            testBatchHashes: testBatchHashes,
            testSetRoot: TaskRules.datasetRoot(batchHashes: testBatchHashes),
            dataSeed: dataSeed,
            filler: nil
        ) { datasetRoot, testSetRoot in
            Transaction(
                body: .payForTask(
                    PayForTask(
                        taskDefinition: json,
                        datasetRoot: datasetRoot,
                        testSetRoot: testSetRoot,
                        escrow: escrow,
                        terms: terms.canonicalBytes
                    )
                ),
                signer: client.publicKey,
                sequence: sequence,
                fee: fee
            )
            .signed(with: client)
        }
    }

    /// The common part: batches hashed into the dataset root, then the PAY_FOR_TASK built from both roots.
    init(
        json: [UInt8],
        definition: TaskDefinition,
        batches: [Batch],
        test: Dataset?,
        testBatchHashes: [Hash256] = [],
        testSetRoot: Hash256,
        dataSeed: UInt64,
        filler: FillerTask.Identity?,
        transaction: (Hash256, Hash256) -> Transaction
    ) {
        self.json = json
        self.definition = definition
        self.batches = batches
        self.batchHashes = batches.map(\.canonicalHash)
        self.datasetRoot = TaskRules.datasetRoot(batchHashes: batchHashes)
        self.sampleCount = batches.reduce(0) { $0 + $1.rows }
        self.test = test
        self.testBatchHashes = testBatchHashes
        self.testSetRoot = testSetRoot
        self.dataSeed = dataSeed
        self.filler = filler
        self.transaction = transaction(datasetRoot, testSetRoot)
    }

    /// The task as a node that was not handed its data knows it, from a manifest `TaskManifest.check` accepted.
    init(checked manifest: TaskManifest, definition: TaskDefinition, payForTask: PayForTask) {
        json = payForTask.taskDefinition
        self.definition = definition
        batches = []
        batchHashes = manifest.batchHashes
        datasetRoot = payForTask.datasetRoot
        sampleCount = Int(manifest.sampleCount)
        test = nil
        testBatchHashes = manifest.testBatchHashes
        testSetRoot = payForTask.testSetRoot
        transaction = manifest.transaction
        dataSeed = manifest.dataSeed
        filler = nil
    }

    /// The manifest a client publishes for this task.
    public var manifest: TaskManifest {
        TaskManifest(
            transaction: transaction,
            dataSeed: dataSeed,
            sampleCount: UInt64(sampleCount),
            batchHashes: batchHashes,
            testBatchHashes: testBatchHashes
        )
    }

    /// The mining facts of the task's model.
    public var miningParameters: MiningParameters {
        MiningParameters(
            parameterCount: UInt64(Architecture(model: definition.model).parameterCount),
            batchSize: UInt64(definition.batchSize)
        )
    }
}
