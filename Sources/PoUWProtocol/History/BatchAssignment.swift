public import PoUWCore
import Synchronization

/// Which batch a miner must train at each step of its chain.
///
/// Guarantees every implementation gives: a pure function of its inputs (same answer on every node), so
/// supervisors and verifiers can check a message's batch without asking anyone.
public protocol BatchAssignment: Sendable {
    /// The batch miner `miner` must train in its message `sequence`, or `nil` if the miner has no assignment.
    func batch(miner: NodeKey, sequence: UInt64) -> AssignedBatch?
}

/// One assigned batch: the epoch it belongs to and its index in the dataset's batch order.
public struct AssignedBatch: Sendable, Hashable, CustomStringConvertible {
    public let epoch: UInt32
    public let index: UInt32

    public init(epoch: UInt32, index: UInt32) {
        self.epoch = epoch
        self.index = index
    }

    public var description: String { "epoch \(epoch) batch \(index)" }
}

/// The v1 assignment: every epoch, the task seed shuffles the batch indices and deals them round-robin to the
/// miners sorted by key; each miner gets `⌊batchCount / miners⌋` batches per epoch (the few left over sit out that
/// epoch and are dealt in other epochs, since every epoch is shuffled afresh).
///
/// Shuffle of epoch e: Fisher–Yates from the last position down, position i swapping with `r mod (i + 1)`, the
/// r's being the big-endian 64-bit words of `SHA-256(seed ‖ "pouw/assign/v1" ‖ e u32le ‖ c u32le)` for
/// c = 0, 1, …, four words per hash, in order. Miner at sorted position m, its j-th step of epoch e
/// (sequence = e·q + j) trains `perm_e[j·M + m]`. Guarantees: every miner's batches in one epoch are distinct and
/// no two miners share a batch in an epoch.
public struct SeededBatchAssignment: BatchAssignment {
    public let seed: Hash256
    /// The miners, sorted by key.
    public let miners: [NodeKey]
    public let batchCount: Int
    private let positions: [NodeKey: Int]
    private let cache = PermutationCache()

    /// Throws if there are no miners, duplicate miners, or fewer batches than miners.
    public init(seed: Hash256, miners: [NodeKey], batchCount: Int) throws(AssignmentError) {
        let sorted = miners.sorted()
        guard !sorted.isEmpty else { throw .noMiners }
        guard Set(sorted).count == sorted.count else { throw .duplicateMiner }
        guard batchCount >= sorted.count, batchCount <= Int(UInt32.max) else {
            throw .tooFewBatches(batches: batchCount, miners: sorted.count)
        }
        self.seed = seed
        self.miners = sorted
        self.batchCount = batchCount
        var positions = [NodeKey: Int]()
        for (i, miner) in sorted.enumerated() { positions[miner] = i }
        self.positions = positions
    }

    /// The seed of a paid task's assignment: `SHA-256("pouw/assign-seed/v1" ‖ selectionBlock ‖ taskID)`, where
    /// `selectionBlock` is the id of the block that included the task's PAY_FOR_TASK (the same block id that seeds
    /// its VRF selection). The client signs the task id before that block exists, so it cannot grind which miner
    /// trains which batch; the same task included on two forks is dealt differently on each. (A filler task, never
    /// included in a block, uses its own id as the seed.)
    public static func seed(selectionBlock: Hash256, taskID: Hash256) -> Hash256 {
        var writer = ByteWriter(capacity: 96)
        writer.raw(Array("pouw/assign-seed/v1".utf8))
        writer.hash(selectionBlock)
        writer.hash(taskID)
        return Hash256.sha256(writer.bytes)
    }

    /// Batches each miner trains per epoch.
    public var batchesPerMinerPerEpoch: Int { batchCount / miners.count }

    public func batch(miner: NodeKey, sequence: UInt64) -> AssignedBatch? {
        guard let m = positions[miner] else { return nil }
        let q = UInt64(batchesPerMinerPerEpoch)
        let epoch = sequence / q
        guard epoch <= UInt64(UInt32.max) else { return nil }
        let j = Int(sequence % q)
        let permutation = cache.permutation(epoch: UInt32(epoch)) {
            Self.permutation(seed: seed, epoch: UInt32(epoch), count: batchCount)
        }
        return AssignedBatch(epoch: UInt32(epoch), index: permutation[j * miners.count + m])
    }

    /// The shuffled batch order of `epoch`.
    public static func permutation(seed: Hash256, epoch: UInt32, count: Int) -> [UInt32] {
        var order = (0..<UInt32(count)).map { $0 }
        var words = [UInt64]()
        var counter: UInt32 = 0
        var i = count - 1
        while i > 0 {
            if words.isEmpty {
                var writer = ByteWriter(capacity: 64)
                writer.hash(seed)
                writer.raw(Array("pouw/assign/v1".utf8))
                writer.u32(epoch)
                writer.u32(counter)
                counter &+= 1
                let digest = Hash256.sha256(writer.bytes)
                words = [digest.w3, digest.w2, digest.w1, digest.w0]
            }
            let r = words.removeLast()
            order.swapAt(i, Int(r % UInt64(i + 1)))
            i -= 1
        }
        return order
    }
}

/// The permutations of the most recently asked epochs (a handful: supervisors and verifiers move forward).
private final class PermutationCache: Sendable {
    private let entries = Mutex<[(epoch: UInt32, order: [UInt32])]>([])

    func permutation(epoch: UInt32, compute: () -> [UInt32]) -> [UInt32] {
        if let hit = entries.withLock({ $0.first { $0.epoch == epoch }?.order }) { return hit }
        let order = compute()
        entries.withLock { entries in
            entries.append((epoch, order))
            if entries.count > 4 { entries.removeFirst() }
        }
        return order
    }
}

/// Why an assignment could not be built.
public enum AssignmentError: Error, Sendable, Equatable, CustomStringConvertible {
    case noMiners
    case duplicateMiner
    case tooFewBatches(batches: Int, miners: Int)

    public var description: String {
        switch self {
        case .noMiners: "a task needs at least one miner"
        case .duplicateMiner: "a miner is listed twice"
        case .tooFewBatches(let batches, let miners): "\(batches) batch(es) cannot be dealt to \(miners) miners"
        }
    }
}
