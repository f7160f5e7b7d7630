public import PoUWChain
public import PoUWCore
import PoUWML
import PoUWProtocol

/// What a client publishes for a paid task instead of its data (Docs/protocol.md "Task data"): everything a node
/// needs to rebuild the task (`PreparedTask(checked:…)`) and to fetch its batches by hash, and nothing of the data
/// itself — the test set stays with the client until evaluation.
///
/// Canonical bytes (tag `taskManifest` 0x81, version 1): `PAY_FOR_TASK transaction (length-prefixed canonical
/// bytes) ‖ data seed u64 ‖ training sample count u64 ‖ batch hashes (LEB128 count, 32 bytes each, dataset order) ‖
/// test batch hashes (LEB128 count, 32 bytes each)`. The task id is the transaction's id; the task JSON, the
/// dataset root and the test-set root are the transaction's.
///
/// Guarantees: strict decoding (truncation, trailing bytes, over-limit counts are `CanonicalDecodingError`s); a
/// decoded manifest re-encodes to the same bytes. `check()` accepts a manifest only if it describes its own
/// PAY_FOR_TASK: validly signed, a task definition that parses, as many batch hashes as the batch plan cuts from
/// `sampleCount` samples, whose RFC 6962 root is the transaction's dataset root, and test batch hashes whose root
/// is its test-set root; otherwise it names the `Refusal`.
public struct TaskManifest: Sendable, Equatable, CanonicalCodable {
    public static let version: UInt8 = 1
    /// Most batch hashes (training or test) one manifest lists.
    public static let maxBatches = 1 << 20

    public let transaction: Transaction
    public let dataSeed: UInt64
    public let sampleCount: UInt64
    public let batchHashes: [Hash256]
    public let testBatchHashes: [Hash256]

    /// The task id: the PAY_FOR_TASK's id.
    public var taskID: Hash256 { transaction.id }

    public init(
        transaction: Transaction,
        dataSeed: UInt64,
        sampleCount: UInt64,
        batchHashes: [Hash256],
        testBatchHashes: [Hash256]
    ) {
        self.transaction = transaction
        self.dataSeed = dataSeed
        self.sampleCount = sampleCount
        self.batchHashes = batchHashes
        self.testBatchHashes = testBatchHashes
    }

    /// Why a manifest was refused.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case notPayForTask
        case badSignature(String)
        case definition(String)
        case batchCount(expected: Int, listed: Int)
        case datasetRootMismatch(listed: Hash256, onChain: Hash256)
        case testSetRootMismatch(listed: Hash256, onChain: Hash256)

        public var description: String {
            switch self {
            case .notPayForTask: "its transaction is not a PAY_FOR_TASK"
            case .badSignature(let reason): "its PAY_FOR_TASK is not validly signed: \(reason)"
            case .definition(let reason): "its task definition does not parse: \(reason)"
            case .batchCount(let expected, let listed):
                "it lists \(listed) batches but its sample count and batch size make \(expected)"
            case .datasetRootMismatch(let listed, let onChain):
                "its batch hashes have root \(listed.short), the PAY_FOR_TASK's dataset root is \(onChain.short)"
            case .testSetRootMismatch(let listed, let onChain):
                "its test batch hashes have root \(listed.short), the PAY_FOR_TASK's test-set root is \(onChain.short)"
            }
        }
    }

    /// Checks the manifest against its PAY_FOR_TASK (see the type's guarantees) and rebuilds the task without data.
    public func check() throws(Refusal) -> PreparedTask {
        guard case .payForTask(let payload) = transaction.body else { throw .notPayForTask }
        do { try TransactionChecks.checkSignatures(transaction, id: transaction.id) } catch {
            throw .badSignature("\(error)")
        }
        let definition: TaskDefinition
        do { definition = try TaskDefinition(json: payload.taskDefinition) } catch { throw .definition("\(error)") }
        // `BatchPlan` cuts consecutive runs of `batchSize` samples, the last one possibly shorter.
        let size = max(1, definition.batchSize)
        let expected = (Int(sampleCount) + size - 1) / size
        guard batchHashes.count == expected else { throw .batchCount(expected: expected, listed: batchHashes.count) }
        let root = TaskRules.datasetRoot(batchHashes: batchHashes)
        guard root == payload.datasetRoot else {
            throw .datasetRootMismatch(listed: root, onChain: payload.datasetRoot)
        }
        let testRoot = TaskRules.datasetRoot(batchHashes: testBatchHashes)
        guard testRoot == payload.testSetRoot else {
            throw .testSetRootMismatch(listed: testRoot, onChain: payload.testSetRoot)
        }
        return PreparedTask(checked: self, definition: definition, payForTask: payload)
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .taskManifest, version: Self.version)
        writer.lengthPrefixed(transaction.canonicalBytes)
        writer.u64(dataSeed)
        writer.u64(sampleCount)
        writer.length(batchHashes.count)
        for hash in batchHashes { writer.hash(hash) }
        writer.length(testBatchHashes.count)
        for hash in testBatchHashes { writer.hash(hash) }
    }

    public init(from reader: inout ByteReader) throws {
        _ = try reader.header(tag: .taskManifest, versions: Self.version...Self.version)
        let bytes = try reader.lengthPrefixed(field: "taskManifest.transaction", limit: WireMessage.maxPayload)
        transaction = try Transaction(canonicalBytes: bytes)
        dataSeed = try reader.u64()
        sampleCount = try reader.u64()
        guard sampleCount <= UInt64(Int32.max) else {
            throw CanonicalDecodingError.invalidValue(field: "taskManifest.sampleCount", reason: "\(sampleCount)")
        }
        // Each count is checked against the bytes left before allocating (a manifest claiming 2^20 hashes and
        // carrying none made `map` ask malloc for 32 MiB first).
        batchHashes = try reader.hashes(field: "taskManifest.batchHashes", limit: Self.maxBatches)
        testBatchHashes = try reader.hashes(field: "taskManifest.testBatchHashes", limit: Self.maxBatches)
    }
}
