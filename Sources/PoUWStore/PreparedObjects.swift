public import PoUWCore

/// Objects being hashed and compressed for one store ahead of the write that stores them (`Store.prepare`).
///
/// Preparing is the CPU a small object costs (SHA-256 and compression), done outside any transaction on other
/// cores: while one write transaction commits and waits for the disk, the next batch's objects are already being
/// encoded. `StoreBatch.put(_:)` stores them; the result is exactly that of putting each object in order (same
/// keys, same stored values, objects already present skipped).
///
/// Guarantees: values are encoded with the dictionaries current when `prepare` was called; the store keeps every
/// dictionary it ever used, so a batch put later (even after a newer dictionary was trained) stores values that
/// decode. Only the store that prepared them accepts them. Putting them more than once (a retried write) is
/// allowed and the second put stores nothing new. Dropping them unput stops the encoding early; until they are
/// released they keep their store open. `Sendable`: hand them to the thread that writes.
public final class PreparedObjects: Sendable {
    let work: ParallelEncoder.Work
    let store: Store

    /// The number of objects.
    public var count: Int { work.objects.count }

    init(work: ParallelEncoder.Work, store: Store) {
        self.work = work
        self.store = store
    }

    deinit { work.cancel() }

    /// The objects' keys (SHA-256 of each) in order, once all are encoded: this thread encodes what no helper
    /// has started and waits for the rest. Throws what an encoding threw.
    public func keys() throws -> [Hash256] {
        var keys: [Hash256] = []
        keys.reserveCapacity(count)
        try work.consume { _, hash, _ in keys.append(hash) }
        return keys
    }
}

extension Store {
    /// Starts hashing and compressing `objects` of `kind` on other threads and returns at once; put them with
    /// `StoreBatch.put(_:)`. `preferences`, when given, holds one `StoragePreference` per object. Throws
    /// `invalidArgument` for an object beyond `options.maxObjectSize` or a preference count that does not match.
    ///
    /// For a stream of batches, prepare the next batch before writing the current one: its encoding then runs
    /// while the current transaction puts, commits and syncs.
    public func prepare(
        _ kind: ObjectKind,
        _ objects: [[UInt8]],
        preferences: [StoragePreference]? = nil
    ) throws -> PreparedObjects {
        try prepare(objects, kinds: [kind], preferences: preferences)
    }

    /// `prepare` for objects of different kinds.
    public func prepare(
        _ objects: [(kind: ObjectKind, bytes: [UInt8])],
        preferences: [StoragePreference]? = nil
    ) throws -> PreparedObjects {
        try prepare(objects.map(\.bytes), kinds: objects.map(\.kind), preferences: preferences)
    }

    private func prepare(
        _ objects: [[UInt8]],
        kinds: [ObjectKind],
        preferences: [StoragePreference]?
    ) throws -> PreparedObjects {
        try checkPutArguments(objects, preferences: preferences)
        let work = ParallelEncoder.Work(
            objects: objects,
            kinds: objects.isEmpty ? [] : kinds,
            preferences: preferences,
            codec: codec
        )
        EncodingQueue.shared.submit(work)
        return PreparedObjects(work: work, store: self)
    }

    /// Throws `invalidArgument` for an object beyond `options.maxObjectSize` or a preference count that is not the
    /// object count.
    func checkPutArguments(_ objects: [[UInt8]], preferences: [StoragePreference]?) throws {
        let limit = options.maxObjectSize
        if let large = objects.first(where: { $0.count > limit }) {
            throw StoreError(.invalidArgument, "object of \(large.count) bytes exceeds the limit of \(limit)")
        }
        if let preferences, preferences.count != objects.count {
            throw StoreError(
                .invalidArgument,
                "\(preferences.count) storage preferences for \(objects.count) objects (one per object)"
            )
        }
    }
}
