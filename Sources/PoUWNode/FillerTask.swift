public import PoUWChain
public import PoUWCore
public import PoUWCrypto
public import PoUWML
public import PoUWProtocol

/// Filler tasks (PROTOCOL.md "Lifecycle"): what a miner trains while no paid task has selected it, so blocks are
/// mined before any client pays (the tickets and the first PAY_FOR_TASK need blocks) and the chain never stalls.
///
/// Rule (v1). A filler is a solo task of one miner `K`, anchored at a block `A` of the miner's chain (its tip when
/// it started): the bundled small model (`Fixtures/tasks/digits_mlp.json`) on the bundled dataset (the 8×8 digits
/// training split), batches cut by `BatchPlan` with data seed = the first 8 bytes, little-endian, of
/// `SHA-256("pouw/filler/v1" ‖ A ‖ K)`. Its descriptor is a PAY_FOR_TASK that is never mined: task JSON = the
/// bundled model's bytes, dataset root = the batches' RFC 6962 root, **test-set root slot = A** (fillers are not
/// evaluated), escrow 0, fee 0, account sequence `UInt64.max` (no account can ever reach it, so the chain refuses
/// it), signed by `K`. Its id — the descriptor's id, as for any task — seeds the initial weights and the batch
/// assignment exactly like a paid task's, so verifiers and `pouw-replay` replay filler blocks like any other.
///
/// Guarantees: a pure function of (A, K, the bundled data) — Ed25519 signatures are deterministic, so every node
/// derives the same bytes; `check` accepts a descriptor only if it rebuilds to the same id from its own anchor
/// (a block the checking node holds) and signer.
public enum FillerTask {
    /// The sequence number a filler descriptor carries (never a real account's next sequence).
    public static let descriptorSequence = UInt64.max

    /// Who trains a filler and from which block.
    public struct Identity: Sendable, Hashable {
        public let anchor: Hash256
        public let miner: NodeKey
    }

    /// The bundled model and data a filler trains.
    public struct Source: Sendable {
        public let json: [UInt8]
        public let train: Dataset

        public init(json: [UInt8], train: Dataset) {
            self.json = json
            self.train = train
        }
    }

    /// The data seed of the filler of `miner` anchored at `anchor`.
    public static func dataSeed(anchor: Hash256, miner: NodeKey) -> UInt64 {
        let digest = SHA256.hash(Array("pouw/filler/v1".utf8) + anchor.bytes + miner.bytes).bytes
        var value: UInt64 = 0
        for (i, byte) in digest.prefix(8).enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
        return value
    }

    /// Prepares the filler; `key` is the miner's signing key.
    public static func prepare(anchor: Hash256, key: Ed25519.PrivateKey, source: Source) throws -> PreparedTask {
        let miner = try NodeKey(bytes: key.publicKey.bytes)
        let definition = try TaskDefinition(json: source.json)
        let seed = dataSeed(anchor: anchor, miner: miner)
        let plan = BatchPlan(sampleCount: source.train.count, batchSize: definition.batchSize, seed: seed)
        return PreparedTask(
            json: source.json,
            definition: definition,
            batches: (0..<plan.batchCount).map { plan.batch($0, of: source.train) },
            test: nil,
            testSetRoot: anchor,
            dataSeed: seed,
            filler: Identity(anchor: anchor, miner: miner)
        ) { datasetRoot, anchor in
            Transaction(
                body: .payForTask(
                    PayForTask(
                        taskDefinition: source.json,
                        datasetRoot: datasetRoot,
                        testSetRoot: anchor,
                        escrow: .zero
                    )
                ),
                signer: key.publicKey,
                sequence: descriptorSequence,
                fee: .zero
            )
            .signed(with: key)
        }
    }

    /// True if `transaction` has the form of a filler descriptor (the sequence no account can reach).
    public static func isDescriptor(_ transaction: Transaction) -> Bool {
        guard case .payForTask = transaction.body else { return false }
        return transaction.authorization?.sequence == descriptorSequence
    }

    /// Why a filler descriptor was refused.
    public enum Rejection: Error, Sendable, CustomStringConvertible {
        case notADescriptor
        case unknownAnchor(Hash256)
        case differs(Hash256)

        public var description: String {
            switch self {
            case .notADescriptor: "not a filler descriptor (PAY_FOR_TASK, escrow 0, sequence 2^64 − 1)"
            case .unknownAnchor(let a): "filler anchored at unknown block \(a.short)"
            case .differs(let id): "filler descriptor \(id.short) does not rebuild from its anchor and miner"
            }
        }
    }

    /// The filler `transaction` describes, rebuilt from its anchor (which must be a block `knows`) and its
    /// signer's key; it must equal the descriptor byte for byte.
    public static func check(
        _ transaction: Transaction,
        source: Source,
        knows: (Hash256) -> Bool
    ) throws -> PreparedTask {
        guard isDescriptor(transaction), case .payForTask(let payload) = transaction.body,
            payload.escrow == .zero, let signer = transaction.authorization?.signer
        else { throw Rejection.notADescriptor }
        guard knows(payload.testSetRoot) else { throw Rejection.unknownAnchor(payload.testSetRoot) }
        let miner = try NodeKey(bytes: signer)
        let definition = try TaskDefinition(json: source.json)
        let seed = dataSeed(anchor: payload.testSetRoot, miner: miner)
        let plan = BatchPlan(sampleCount: source.train.count, batchSize: definition.batchSize, seed: seed)
        let batches = (0..<plan.batchCount).map { plan.batch($0, of: source.train) }
        let root = TaskRules.datasetRoot(batchHashes: batches.map(\.canonicalHash))
        guard payload.taskDefinition == source.json, payload.datasetRoot == root,
            (try? TransactionChecks.checkSignatures(transaction, id: transaction.id)) != nil
        else { throw Rejection.differs(transaction.id) }
        return PreparedTask(
            json: source.json,
            definition: definition,
            batches: batches,
            test: nil,
            testSetRoot: payload.testSetRoot,
            dataSeed: seed,
            filler: Identity(anchor: payload.testSetRoot, miner: miner)
        ) { _, _ in transaction }
    }
}
