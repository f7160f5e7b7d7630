internal import PoUWCore
internal import PoUWLMDB
internal import PoUWZstd
internal import Synchronization

extension Store {
    /// Kinds that get trained dictionaries.
    public static let dictionaryKinds = ObjectKind.allCases.filter(\.usesDictionary)

    /// Trains a new zstd dictionary for each of `kinds` that has at least `minimumSamples` objects (sampling up to
    /// `maximumSamples` of them), stores it in `meta` and makes it current for new writes. Old dictionaries stay
    /// forever, so old values remain readable. Returns the new dictionary ids.
    @discardableResult
    public func trainDictionaries(
        kinds: [ObjectKind] = Store.dictionaryKinds,
        minimumSamples: Int = 200,
        maximumSamples: Int = 4000,
        capacity: Int = 16 << 10
    ) throws -> [ObjectKind: UInt32] {
        let wanted = Set(kinds)
        var samples: [ObjectKind: [[UInt8]]] = [:]
        try read { view in
            var full = 0
            // Newest values first: samples of what is being written now (values are numbered in write order).
            try view.txn.forEach(databases.values, reverse: true) { _, value in
                let hash = Hash256.zero
                guard let header = try? codec.header(value, key: hash),
                    wanted.contains(header.kind), samples[header.kind, default: []].count < maximumSamples,
                    let decoded = try? codec.trainingSample(value, key: hash)
                else { return true }
                samples[header.kind, default: []].append(decoded.bytes)
                if samples[header.kind, default: []].count == maximumSamples { full += 1 }
                return full < wanted.count
            }
        }
        var trained: [ObjectKind: (UInt32, [UInt8])] = [:]
        for kind in kinds.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let list = samples[kind], list.count >= minimumSamples else { continue }
            let dictionary = try Self.translating { try ZstdDictionary.train(samples: list, capacity: capacity) }
            trained[kind] = (ZstdDictionary.id(of: dictionary), dictionary)
        }
        guard !trained.isEmpty else { return [:] }
        try Self.translating {
            try environment.write { txn in
                for (kind, (id, bytes)) in trained {
                    try txn.put(databases.meta, Keys.dictionary(id), [kind.rawValue] + bytes)
                    try txn.put(
                        databases.meta,
                        Keys.currentDictionary(kind),
                        withUnsafeBytes(of: id.bigEndian) { Array($0) }
                    )
                }
            }
        }
        for (kind, (id, bytes)) in trained {
            dictionaries.add(id: id, kind: kind, bytes: bytes, current: true)
        }
        return trained.mapValues(\.0)
    }

    /// The dictionary with `id` (as `zstd -D` takes it), or `nil`.
    public func dictionary(id: UInt32) -> [UInt8]? {
        dictionaries.all.first { $0.id == id }?.bytes
    }

    /// Every dictionary the store holds: id, kind, and whether it is current for its kind.
    public var dictionaryList: [(id: UInt32, kind: ObjectKind, current: Bool)] {
        dictionaries.all.map { ($0.id, $0.kind, $0.current) }
    }

    /// Trains dictionaries for `kinds` that have reached `threshold` objects; failures only postpone training.
    func autoTrain(kinds: Set<ObjectKind>, threshold: Int) throws {
        let counts = try read { view in
            try kinds.map { kind in
                (kind, try kindCounters(kind, view.txn).count)
            }
        }
        let due = counts.filter { kind, count in
            count >= UInt64(threshold) && !dictionaries.hasCurrent(kind) && autoTrainGate.shouldTry(kind, count)
        }
        guard !due.isEmpty else { return }
        _ = try? trainDictionaries(kinds: due.map(\.0), minimumSamples: min(threshold, 200))
    }
}

/// Remembers the object count at the last automatic training attempt per kind, so that a failed attempt is
/// retried only after the count doubles.
final class AutoTrainGate: Sendable {
    private let attempts = Mutex<[ObjectKind: UInt64]>([:])

    func shouldTry(_ kind: ObjectKind, _ count: UInt64) -> Bool {
        attempts.withLock { attempts in
            if let last = attempts[kind], count < last * 2 { return false }
            attempts[kind] = count
            return true
        }
    }
}
