internal import Foundation
internal import PoUWCore
internal import PoUWCrypto
internal import PoUWProtocol

/// Real iteration messages for the store benchmark: `IterationMessage` canonical bytes built and Ed25519-signed
/// by the protocol's own types, with the fields chained as a task run chains them.
///
/// Per message: one task; one of `miners` keys; the miner's epoch and sequence; its previous message hash and the
/// state hash its previous message ended at; one of 60 dataset batches; the last two messages of other miners as
/// applied peer messages; a canonical ±τ update; τ, learning rate, a slowly falling loss, accuracy, overdrive; a
/// fresh state hash after and zero-nonce commitment; start/finish times. Three shapes:
/// - `.small` (the default): 16–24 update steps over the seed's 784-128-64-10 MLP, about 490 bytes, of which 256
///   are hashes and the signature that no dictionary can predict (the "~500-byte messages").
/// - `.seedDemo`: updates as large as the default `pouw demo` (the seed's task, that MLP, 109,386 parameters, on
///   Fashion-MNIST) sends them: the step count is drawn from the 5 % quantiles of the 2,304 messages of one run
///   (median 8,870, mean 9,812), about 39 KB a message.
/// - `.digitsDemo`: the same for `pouw demo --dataset digits` (its 64-64-32-10 MLP, 6,570 parameters; 3,983
///   messages, median 216, mean 376), about 2 KB a message.
struct StoreBenchMessages {
    enum Shape {
        case small
        case seedDemo
        case digitsDemo

        /// Update steps per message at the 0, 5, 10, …, 100 % quantiles, and the model's parameter count (session
        /// 7: `pouw-inspect history TASK --json` over a 105 s default `pouw demo` and a 30 s digits one).
        var demoUpdates: (quantiles: [Int], parameters: Int)? {
            switch self {
            case .small: nil
            case .seedDemo:
                (
                    [
                        0, 5_996, 6_427, 6_784, 7_125, 7_419, 7_737, 7_982, 8_273, 8_574, 8_870, 9_208, 9_569, 9_947,
                        10_400, 10_878, 11_513, 12_195, 13_393, 16_019, 71_897,
                    ],
                    StoreBenchData.mlpParameters
                )
            case .digitsDemo:
                (
                    [
                        0, 64, 77, 86, 98, 111, 128, 144, 162, 187, 216, 249, 289, 338, 398, 458, 539, 644, 823, 1_299,
                        3_650,
                    ],
                    64 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10
                )
            }
        }
    }

    private let shape: Shape
    private var random: BenchRandom
    private let task: Hash256
    private let keys: [Ed25519.PrivateKey]
    private let nodeKeys: [NodeKey]
    private let batches: [Hash256]
    private var sequence: [UInt64]
    private var previous: [Hash256]
    private var stateHash: [Hash256]
    private var recent: [(miner: Int, hash: Hash256)] = []
    private var clock: UInt64 = 1_764_000_000_000
    private var loss: Float = 2.3

    init(seed: UInt64, miners count: Int = 8, shape: Shape = .small) throws {
        self.shape = shape
        var r = BenchRandom(seed: seed)
        task = Self.hash(&r)
        keys = try (0..<count).map { _ in try Ed25519.PrivateKey(seed: r.bytes(32)) }
        nodeKeys = keys.map { NodeKey($0.publicKey) }
        batches = (0..<60).map { _ in Self.hash(&r) }
        let initial = Self.hash(&r)
        stateHash = Array(repeating: initial, count: count)
        sequence = Array(repeating: 0, count: count)
        previous = Array(repeating: .zero, count: count)
        random = r
    }

    private static func hash(_ r: inout BenchRandom) -> Hash256 {
        Hash256(w0: r.next(), w1: r.next(), w2: r.next(), w3: r.next())
    }

    /// The canonical bytes of the next message.
    mutating func next() throws -> [UInt8] { try nextMessage().canonicalBytes }

    /// The next message.
    mutating func nextMessage() throws -> IterationMessage {
        let miner = random.below(keys.count)
        var steps: [(index: UInt32, negative: Bool)] = []
        var seen = Set<UInt32>()
        var (entries, parameters) = (16 + random.below(9), StoreBenchData.mlpParameters)
        if let demo = shape.demoUpdates { (entries, parameters) = (drawn(from: demo.quantiles), demo.parameters) }
        while steps.count < entries {
            let index = UInt32(random.below(parameters))
            if seen.insert(index).inserted { steps.append((index, random.next() & 1 == 1)) }
        }
        loss = max(0.05, loss * 0.9995 + Float(random.gaussian() * 0.01))
        let accuracy = Float(min(1, max(0, 1 - Double(loss) / 2.3 + random.gaussian() * 0.01)))
        let peers = recent.filter { $0.miner != miner }.suffix(2).map(\.hash)
        let after = Self.hash(&random)
        clock += UInt64(80 + random.below(40))
        let batch = Int(sequence[miner] % 60)
        let body = try UnsignedIterationMessage(
            taskID: task,
            minerKey: nodeKeys[miner],
            epoch: UInt32(sequence[miner] / 938),
            sequence: sequence[miner],
            previousMessage: previous[miner],
            batchIndex: UInt32(batch),
            batchHash: batches[batch],
            stateHashBefore: stateHash[miner],
            appliedPeerMessages: peers,
            update: SparseUpdateWords(steps: steps),
            tau: 0.01,
            learningRate: 0.05,
            loss: loss,
            accuracy: accuracy,
            overdrive: UInt32(random.below(4)),
            stateHashAfter: after,
            zeroNonceCommitment: Self.hash(&random),
            startTime: clock,
            finishTime: clock + UInt64(30 + random.below(20))
        )
        let message = try body.signed(with: keys[miner])
        previous[miner] = message.hash
        stateHash[miner] = after
        sequence[miner] += 1
        recent.append((miner, message.hash))
        if recent.count > 16 { recent.removeFirst() }
        return message
    }

    /// A step count drawn from `quantiles`: a uniform quantile, interpolated between its neighbours.
    private mutating func drawn(from quantiles: [Int]) -> Int {
        let position = Double(random.below(1 << 20)) / Double(1 << 20) * Double(quantiles.count - 1)
        let low = Int(position)
        let fraction = position - Double(low)
        return quantiles[low] + Int(fraction * Double(quantiles[low + 1] - quantiles[low]))
    }

    /// `message` as JSON the way the Python reference sends an iteration message: its field names (`batch_hash`,
    /// `local_deltas`, `j_tr`, `acc_tr`, …) plus the fields it lacks, hashes and keys in hex, the update as
    /// [index, ±τ] pairs, keys sorted. Only for comparing compression ratios with a verbose encoding.
    static func referenceJSON(_ message: IterationMessage) throws -> [UInt8] {
        let b = message.body
        let deltas = b.update.words.map { word -> [Any] in
            [Int(word & SparseUpdateWords.indexMask), word & SparseUpdateWords.signBit == 0 ? b.tau : -b.tau]
        }
        let fields: [String: Any] = [
            "task_id": b.taskID.hex, "miner_id": b.minerKey.hex, "e_l": Int(b.epoch), "epoch": Int(b.epoch),
            "seq": Int(b.sequence), "prev_msg_hash": b.previousMessage.hex, "batch_index": Int(b.batchIndex),
            "batch_hash": b.batchHash.hex, "prev_model_hash": b.stateHashBefore.hex,
            "peer_msg_ids": b.appliedPeerMessages.map(\.hex), "local_deltas": deltas, "tau": b.tau,
            "lr": b.learningRate, "j_tr": b.loss, "acc_tr": b.accuracy, "overdrive": Int(b.overdrive),
            "model_hash": b.stateHashAfter.hex, "znb_hash": b.zeroNonceCommitment.hex, "ts": Int(b.startTime),
            "tf": Int(b.finishTime), "msg_type": "IT_RES", "signature": Hex.encode(message.signature.bytes),
        ]
        return Array(try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
    }
}
