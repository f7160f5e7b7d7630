public import PoUWCore

/// What a supervisor knows about a task to judge its messages: members, batch assignment, dataset, model size, τ.
public struct TaskRules: Sendable {
    public let taskID: Hash256
    /// The miners selected for the task.
    public let miners: Set<NodeKey>
    public let assignment: any BatchAssignment
    /// Hash of each batch, in dataset order: the leaves of the dataset Merkle tree.
    public let batchHashes: [Hash256]
    /// Trainable parameters: every update index must be below this.
    public let parameterCount: UInt32
    /// The task's τ; every message must carry exactly these bits.
    public let tau: Float

    /// Throws `.datasetRootMismatch` unless `batchHashes` form the tree whose root is `datasetRoot`.
    public init(
        taskID: Hash256,
        miners: Set<NodeKey>,
        assignment: any BatchAssignment,
        batchHashes: [Hash256],
        datasetRoot: Hash256,
        parameterCount: UInt32,
        tau: Float
    ) throws(ArrivalError) {
        let root = Self.datasetRoot(batchHashes: batchHashes)
        guard root == datasetRoot else { throw .datasetRootMismatch(expected: datasetRoot, computed: root) }
        self.taskID = taskID
        self.miners = miners
        self.assignment = assignment
        self.batchHashes = batchHashes
        self.parameterCount = parameterCount
        self.tau = tau
    }

    /// The dataset Merkle root over batch hashes: RFC 6962 with leaf data = the 32 bytes of each batch hash.
    public static func datasetRoot(batchHashes: [Hash256]) -> Hash256 {
        MerkleTree(leaves: batchHashes.map(\.bytes)).root
    }
}

/// A supervisor's recorder for one task: checks every message as it arrives and appends the good ones to the
/// message history.
///
/// Checks, in order (the first failure is reported, nothing is recorded on failure): task, membership, signature,
/// not already recorded, continuation of the miner's own chain (`MinerChainTip`), the batch assigned for that
/// step and its hash in the dataset tree, update indices within the model, τ, and the peer-update rule: the peer
/// messages a miner applies are, per peer, exactly that peer's recorded chain in order, each once, with no gaps
/// and never its own. Guarantees: the history only ever contains messages that passed every check, in an order
/// in which each message's own predecessor and applied peer messages come before it.
public struct HistoryRecorder: Sendable {
    public let rules: TaskRules
    /// Every recorded message in arrival order (kept for audits and `pouw-inspect history`; not consensus).
    public private(set) var history: MessageHistory
    /// The same messages in canonical form: the history block headers commit to (`CanonicalHistory.root(of:)`).
    public private(set) var canonical: CanonicalHistory
    /// Last accepted message per miner.
    public private(set) var tips: [NodeKey: MinerChainTip] = [:]
    private var located: [Hash256: (miner: NodeKey, sequence: UInt64)] = [:]
    /// `applied[m][p]`: how many of peer p's messages miner m has applied (the next sequence it may apply).
    private var applied: [NodeKey: [NodeKey: UInt64]] = [:]
    /// Messages waiting for a predecessor (see `offer`).
    var held: [IterationMessage] = []
    /// How a message's signature is checked: `hasValidSignature` by default. An audit over a store passes the
    /// store's cached check (`ProtocolStore.signatureIsValid`), so that the replay after it does not check every
    /// signature a second time, and the checks can run ahead on another core.
    public var signatureCheck: @Sendable (IterationMessage) -> Bool = { $0.hasValidSignature }

    public init(rules: TaskRules) {
        self.rules = rules
        history = MessageHistory(taskID: rules.taskID)
        canonical = CanonicalHistory(taskID: rules.taskID)
    }

    /// Checks `message` and records it; returns its index in the history.
    @discardableResult
    public mutating func accept(_ message: IterationMessage) throws(ArrivalError) -> Int {
        let body = message.body
        let hash = message.hash
        try check(message, hash: hash)
        let index: Int
        do { index = try history.append(hash) } catch { throw .duplicate(hash) }
        // The checks above (own chain continued, every applied peer recorded, never its own) are exactly what the
        // canonical history needs, so this adds the message at once.
        do { try canonical.add(message) } catch {
            preconditionFailure("a checked message must fit the canonical history: \(error)")
        }
        tips[body.minerKey] = MinerChainTip(body, hash: hash)
        located[hash] = (body.minerKey, body.sequence)
        for peer in body.appliedPeerMessages {
            guard let (peerMiner, sequence) = located[peer] else { continue }
            applied[body.minerKey, default: [:]][peerMiner] = sequence + 1
        }
        return index
    }

    /// Runs every check without recording.
    public func check(_ message: IterationMessage, hash: Hash256? = nil) throws(ArrivalError) {
        let body = message.body
        let hash = hash ?? message.hash
        guard body.taskID == rules.taskID else { throw .wrongTask(body.taskID) }
        guard rules.miners.contains(body.minerKey) else { throw .notAMember(body.minerKey) }
        guard signatureCheck(message) else { throw .badSignature(body.minerKey) }
        if history.contains(hash) { throw .duplicate(hash) }
        do {
            try MinerChainTip.checkLink(tip: tips[body.minerKey], next: body, nextHash: hash)
        } catch {
            throw .chain(error)
        }
        guard let assigned = rules.assignment.batch(miner: body.minerKey, sequence: body.sequence) else {
            throw .noAssignment(sequence: body.sequence)
        }
        let claimed = AssignedBatch(epoch: body.epoch, index: body.batchIndex)
        guard claimed == assigned else { throw .batchNotAssigned(expected: assigned, claimed: claimed) }
        guard Int(body.batchIndex) < rules.batchHashes.count, rules.batchHashes[Int(body.batchIndex)] == body.batchHash
        else { throw .batchNotInDataset(index: body.batchIndex, hash: body.batchHash) }
        if let top = body.update.maxIndex, top >= rules.parameterCount {
            throw .updateIndexOutOfRange(index: top, parameters: rules.parameterCount)
        }
        guard body.tau.bitPattern == rules.tau.bitPattern else { throw .wrongTau(body.tau) }
        try checkPeers(body)
    }

    private func checkPeers(_ body: UnsignedIterationMessage) throws(ArrivalError) {
        var next = applied[body.minerKey] ?? [:]
        let peers = body.appliedPeerMessages
        for (position, peer) in peers.enumerated() {
            guard let (peerMiner, sequence) = located[peer] else { throw .peerUnknown(peer) }
            if peerMiner == body.minerKey { throw .peerIsOwnMessage(peer) }
            let expected = next[peerMiner] ?? 0
            if sequence < expected { throw .peerAlreadyApplied(peer, sequence: sequence) }
            if sequence > expected {
                // Is the one it should have applied first listed later? Then the list is out of order.
                let laterInList = peers[(position + 1)...].contains {
                    located[$0].map { $0 == (peerMiner, expected) } ?? false
                }
                if laterInList {
                    throw .peerOutOfOrder(peer, sequence: sequence, expected: expected)
                }
                throw .peerSkipped(peer, sequence: sequence, expected: expected)
            }
            next[peerMiner] = sequence + 1
        }
    }
}

/// Why a supervisor refused a message. `isDeferrable` marks the cases where the message may become acceptable
/// once missing messages arrive (the network reorders and loses); every other case is final.
public enum ArrivalError: Error, Sendable, Equatable, CustomStringConvertible {
    case wrongTask(Hash256)
    case notAMember(NodeKey)
    /// The Ed25519 signature does not verify under the message's key (forged, altered, or signed by another key).
    case badSignature(NodeKey)
    /// This exact message is already recorded.
    case duplicate(Hash256)
    /// The message does not continue its miner's chain.
    case chain(ChainLinkError)
    case noAssignment(sequence: UInt64)
    /// The message trains a batch other than the one assigned for that step.
    case batchNotAssigned(expected: AssignedBatch, claimed: AssignedBatch)
    /// The batch hash is not the dataset tree's leaf at that index.
    case batchNotInDataset(index: UInt32, hash: Hash256)
    case updateIndexOutOfRange(index: UInt32, parameters: UInt32)
    case wrongTau(Float)
    /// An applied peer message is not (yet) recorded.
    case peerUnknown(Hash256)
    case peerIsOwnMessage(Hash256)
    /// A peer message already applied in an earlier message of this miner (a replay).
    case peerAlreadyApplied(Hash256, sequence: UInt64)
    /// A peer message applied before an earlier message of the same peer that is listed later.
    case peerOutOfOrder(Hash256, sequence: UInt64, expected: UInt64)
    /// A peer message applied while an earlier message of the same peer was never applied.
    case peerSkipped(Hash256, sequence: UInt64, expected: UInt64)
    case datasetRootMismatch(expected: Hash256, computed: Hash256)

    /// True when waiting for more messages may resolve it.
    public var isDeferrable: Bool {
        switch self {
        case .peerUnknown: true
        case .chain(.gap): true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .wrongTask(let task): "message is for task \(task.short)"
        case .notAMember(let key): "miner \(key.short) is not selected for the task"
        case .badSignature(let key): "signature does not verify under key \(key.short)"
        case .duplicate(let hash): "message \(hash.short) is already recorded"
        case .chain(let error): "chain: \(error)"
        case .noAssignment(let sequence): "no batch is assigned for sequence \(sequence)"
        case .batchNotAssigned(let expected, let claimed): "trained \(claimed), assigned \(expected)"
        case .batchNotInDataset(let index, let hash): "batch \(index) with hash \(hash.short) is not in the dataset"
        case .updateIndexOutOfRange(let index, let parameters):
            "update names parameter \(index) of a model with \(parameters)"
        case .wrongTau(let tau): "τ \(tau) is not the task's"
        case .peerUnknown(let hash): "applied peer message \(hash.short) is not recorded"
        case .peerIsOwnMessage(let hash): "applied peer message \(hash.short) is the miner's own"
        case .peerAlreadyApplied(let hash, let sequence):
            "peer message \(hash.short) (sequence \(sequence)) was already applied"
        case .peerOutOfOrder(let hash, let sequence, let expected):
            "peer message \(hash.short) (sequence \(sequence)) applied before that peer's sequence \(expected)"
        case .peerSkipped(let hash, let sequence, let expected):
            "peer message \(hash.short) (sequence \(sequence)) applied but that peer's sequence \(expected) never was"
        case .datasetRootMismatch(let expected, let computed):
            "batch hashes give dataset root \(computed.short), expected \(expected.short)"
        }
    }
}
