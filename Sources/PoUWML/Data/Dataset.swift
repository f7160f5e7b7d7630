/// A labelled classification data set held in memory: `count` samples of `featureCount` normalised floats.
///
/// Guarantees: `features.count == count·featureCount`, `labels.count == count`, every label is below
/// `classCount`, every feature is finite. Subsets keep the original sample order.
public struct Dataset: Sendable, Equatable {
    public let featureCount: Int
    /// Number of classes (labels are `0..<classCount`).
    public let classCount: Int
    public let features: [Float]
    public let labels: [UInt8]

    public var count: Int { labels.count }

    /// Wraps checked arrays; `labelOutOfRange` or `invalidHeader` on inconsistency.
    public init(
        featureCount: Int,
        classCount: Int,
        features: [Float],
        labels: [UInt8],
        source: String = "data"
    )
        throws(DatasetError)
    {
        guard featureCount > 0, features.count == featureCount * labels.count else {
            throw .invalidHeader(
                path: source,
                reason: "\(features.count) feature values for \(labels.count) samples of \(featureCount)"
            )
        }
        guard classCount >= 1 && classCount <= 256 else {
            throw .invalidHeader(path: source, reason: "\(classCount) classes (1…256 supported)")
        }
        if let i = labels.firstIndex(where: { Int($0) >= classCount }) {
            throw .labelOutOfRange(path: source, sample: i, label: Int(labels[i]), limit: classCount)
        }
        if let i = features.firstIndex(where: { !$0.isFinite }) {
            throw .invalidHeader(
                path: source,
                reason: "feature \(i % featureCount) of sample \(i / featureCount) is not finite"
            )
        }
        self.featureCount = featureCount
        self.classCount = classCount
        self.features = features
        self.labels = labels
    }

    private init(unchecked featureCount: Int, classCount: Int, features: [Float], labels: [UInt8]) {
        self.featureCount = featureCount
        self.classCount = classCount
        self.features = features
        self.labels = labels
    }

    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        var f = [Float]()
        f.reserveCapacity(indices.count * featureCount)
        var l = [UInt8]()
        l.reserveCapacity(indices.count)
        for i in indices {
            f.append(contentsOf: features[i * featureCount..<(i + 1) * featureCount])
            l.append(labels[i])
        }
        return Dataset(unchecked: featureCount, classCount: classCount, features: f, labels: l)
    }

    /// Withholds a test set: `nTest = ⌊count·fraction⌋` (one double multiplication), the test samples are the
    /// first `nTest` of `CounterRandom(seed, .testSplit).permutation(count)`; both parts keep the original order.
    public func split(testFraction: Double, seed: UInt64) -> (train: Dataset, test: Dataset) {
        let nTest = min(count, Int((Double(count) * testFraction).rounded(.down)))
        let perm = CounterRandom(seed: seed, stream: .testSplit).permutation(count)
        var isTest = [Bool](repeating: false, count: count)
        for i in perm[0..<nTest] { isTest[i] = true }
        let train = (0..<count).filter { !isTest[$0] }
        let test = (0..<count).filter { isTest[$0] }
        return (subset(train), subset(test))
    }
}
