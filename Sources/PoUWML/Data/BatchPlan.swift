public import PoUWCore

/// How a training set is cut into batches and in which order they are visited.
///
/// Definition: `CounterRandom(seed, .batchComposition).permutation(count)` is cut into consecutive runs of
/// `batchSize` samples (the last batch may be shorter); batch `b` is fixed for the whole task (its hash is a
/// leaf of the dataset's Merkle tree). Epoch `e` (from 0) visits the batches in the order
/// `CounterRandom(seed, .epochOrder, substream: e).permutation(batchCount)`. Within a batch samples keep the
/// order of the permutation. Guarantees: a pure function of (count, batchSize, seed).
public struct BatchPlan: Sendable {
    public let batchSize: Int
    public let seed: UInt64
    /// Sample indices of each batch.
    public let batches: [[Int]]

    public init(sampleCount: Int, batchSize: Int, seed: UInt64) {
        precondition(batchSize > 0, "batch size must be positive")
        self.batchSize = batchSize
        self.seed = seed
        let perm = CounterRandom(seed: seed, stream: .batchComposition).permutation(sampleCount)
        batches = stride(from: 0, to: sampleCount, by: batchSize).map {
            Array(perm[$0..<min(sampleCount, $0 + batchSize)])
        }
    }

    public var batchCount: Int { batches.count }

    /// Batch indices in the order epoch `epoch` visits them.
    public func order(epoch: Int) -> [Int] {
        CounterRandom(seed: seed, stream: .epochOrder, substream: UInt64(epoch)).permutation(batchCount)
    }

    /// The materialised batch `index` of `dataset`.
    public func batch(_ index: Int, of dataset: Dataset) -> Batch {
        let indices = batches[index]
        let f = dataset.featureCount
        var features = [Float]()
        features.reserveCapacity(indices.count * f)
        var labels = [UInt8]()
        labels.reserveCapacity(indices.count)
        dataset.features.withUnsafeBufferPointer { all in
            for i in indices {
                features.append(contentsOf: UnsafeBufferPointer(rebasing: all[i * f..<(i + 1) * f]))
                labels.append(dataset.labels[i])
            }
        }
        // A dataset's samples are finite and within limits by construction.
        return Batch(uncheckedFeatureCount: f, labels: labels, features: features)
    }

    /// The SHA-256 of every batch's canonical bytes, in batch order.
    public func batchHashes(of dataset: Dataset) -> [Hash256] {
        (0..<batchCount).map { batch($0, of: dataset).canonicalHash }
    }

    /// The RFC 6962 Merkle root over `batchHashes` (the dataset root a task publishes).
    public func merkleRoot(of dataset: Dataset) -> Hash256 {
        MerkleTree(leaves: batchHashes(of: dataset).map(\.bytes)).root
    }
}

extension Batch {
    init(uncheckedFeatureCount featureCount: Int, labels: [UInt8], features: [Float]) {
        self.featureCount = featureCount
        self.labels = labels
        self.features = features
    }
}
