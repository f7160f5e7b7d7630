internal import PoUWCore

/// Realistic data for the store benchmark and fixtures.
enum StoreBenchData {
    /// The seed task's MLP, 784-128-64-10: (fan-in, fan-out) per layer.
    static let mlpLayers = [(784, 128), (128, 64), (64, 10)]
    static let mlpParameters = mlpLayers.reduce(0) { $0 + $1.0 * $1.1 + $1.1 }

    /// `count` float32 weights shaped like a trained MLP: each layer's weights He-initialised, N(0, √(2/fan-in)),
    /// biases N(0, 0.01), then 50 small SGD-like updates (±1e-3 noise); layers repeat until `count` is reached.
    static func trainedWeights(count: Int, seed: UInt64) -> [Float] {
        var random = BenchRandom(seed: seed)
        var weights = [Float]()
        weights.reserveCapacity(count)
        while weights.count < count {
            for (fanIn, fanOut) in mlpLayers where weights.count < count {
                let scale = (2.0 / Double(fanIn)).squareRoot()
                for _ in 0..<min(fanIn * fanOut, count - weights.count) {
                    weights.append(Float(random.gaussian() * scale))
                }
                for _ in 0..<min(fanOut, count - weights.count) { weights.append(Float(random.gaussian() * 0.01)) }
            }
        }
        for step in 0..<50 {
            var drift = BenchRandom(seed: seed &+ UInt64(step) &* 7919)
            for i in stride(from: step % 7, to: weights.count, by: 7) { weights[i] += Float(drift.gaussian() * 1e-3) }
        }
        return weights
    }

    /// Float32 little-endian bytes.
    static func bytes(_ floats: [Float]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: floats.count * 4) { buffer, initialized in
            for (i, value) in floats.enumerated() {
                let bits = value.bitPattern.littleEndian
                buffer[i * 4] = UInt8(truncatingIfNeeded: bits)
                buffer[i * 4 + 1] = UInt8(truncatingIfNeeded: bits >> 8)
                buffer[i * 4 + 2] = UInt8(truncatingIfNeeded: bits >> 16)
                buffer[i * 4 + 3] = UInt8(truncatingIfNeeded: bits >> 24)
            }
            initialized = floats.count * 4
        }
    }

    /// A ±τ sparse update of `parameters` entries at `density`: sorted little-endian UInt32 words, bit 31 the
    /// sign, bits 0–30 the index.
    static func sparseUpdate(parameters: Int, density: Double, seed: UInt64) -> [UInt8] {
        var random = BenchRandom(seed: seed)
        let count = max(1, Int(Double(parameters) * density))
        var indices = Set<UInt32>()
        while indices.count < count { indices.insert(UInt32(random.below(parameters))) }
        var writer = ByteWriter(capacity: count * 4)
        for index in indices.sorted() { writer.u32(index | (random.next() & 1 == 0 ? 0 : 0x8000_0000)) }
        return writer.bytes
    }

    /// Iteration messages laid out like PROTOCOL.md's IT_RES: task id, miner key, epoch, per-miner sequence,
    /// previous own message hash, batch index and hash, state hash before, applied peer message hashes, the
    /// sparse update (16–24 words), τ, learning rate, loss, accuracy, overdrive, state hash after, zero-nonce
    /// commitment, start/finish times and a 64-byte signature. About 520 bytes; hashes chain as they would.
    struct MessageGenerator {
        private var random: BenchRandom
        private let task: [UInt8]
        private let miners: [[UInt8]]
        private let batches: [[UInt8]]
        private var sequence: [UInt64]
        private var previous: [[UInt8]]
        private var stateHash: [[UInt8]]
        private var recent: [[UInt8]] = []
        private var clock: UInt64 = 1_764_000_000_000
        private var loss: Float = 2.3

        init(seed: UInt64, miners count: Int = 8) {
            var r = BenchRandom(seed: seed)
            task = r.bytes(32)
            miners = (0..<count).map { _ in [0x02] + r.bytes(32) }
            batches = (0..<60).map { _ in r.bytes(32) }
            stateHash = (0..<count).map { _ in r.bytes(32) }
            sequence = Array(repeating: 0, count: count)
            previous = Array(repeating: [UInt8](repeating: 0, count: 32), count: count)
            random = r
        }

        mutating func next() -> [UInt8] {
            let miner = random.below(miners.count)
            var w = ByteWriter(capacity: 560)
            w.header(tag: .iterationMessage, version: 1)
            w.raw(task)
            w.raw(miners[miner])
            w.u32(UInt32(sequence[miner] / 938))
            w.u64(sequence[miner])
            w.raw(previous[miner])
            let batch = Int(sequence[miner] % 60)
            w.u32(UInt32(batch))
            w.raw(batches[batch])
            w.raw(stateHash[miner])
            let peers = recent.suffix(2)
            w.length(peers.count)
            for peer in peers { w.raw(peer) }
            let entries = 16 + random.below(9)
            w.length(entries)
            var indices = Set<UInt32>()
            while indices.count < entries { indices.insert(UInt32(random.below(StoreBenchData.mlpParameters))) }
            for index in indices.sorted() { w.u32(index | (random.next() & 1 == 0 ? 0 : 0x8000_0000)) }
            w.f32(0.01)
            w.f32(0.05)
            loss = max(0.05, loss * 0.9995 + Float(random.gaussian() * 0.01))
            w.f32(loss)
            w.f32(Float(min(1, max(0, 1 - Double(loss) / 2.3 + random.gaussian() * 0.01))))
            w.u32(UInt32(random.below(4)))
            let after = random.bytes(32)
            w.raw(after)
            w.raw(random.bytes(32))
            clock += UInt64(80 + random.below(40))
            w.u64(clock)
            w.u64(clock + UInt64(30 + random.below(20)))
            w.raw(random.bytes(64))
            let message = w.bytes
            let hash = Hash256.sha256(message).bytes
            previous[miner] = hash
            stateHash[miner] = after
            sequence[miner] += 1
            recent.append(hash)
            if recent.count > 8 { recent.removeFirst() }
            return message
        }
    }
}
