public import PoUWCore
internal import PoUWLMDB

/// The write side of one `Store.write` transaction (it reads its own writes too).
///
/// Guarantees: everything done through a batch commits atomically when the closure returns; nothing of it is
/// visible to readers before. Using a batch after its closure returned traps. Not `Sendable`.
public final class StoreBatch: StoreView {
    let wtxn: WriteTransaction
    /// Per-kind (count, raw bytes, stored bytes) added by this batch, indexed by `ObjectKind.rawValue`.
    private var kindDeltas = [(count: Int, raw: Int, stored: Int)](repeating: (0, 0, 0), count: 16)
    private var kindsTouched: [ObjectKind] = []
    private var nextHistory: [Hash256: UInt64] = [:]
    /// The values this batch appended: hash → sequence number.
    private(set) var pending: [Hash256: UInt64] = [:]
    /// What this batch's `advanceMerge` did (`nil`: it did not run): the new merge mark if the merge completed, the
    /// plan of the merge still under way.
    private var merge: (mark: UInt64?, plan: MergePlan.Plan?)?
    private(set) var untrainedKindsTouched: Set<ObjectKind> = []

    init(store: Store, transaction: WriteTransaction) {
        self.wtxn = transaction
        super.init(store: store, transaction: transaction)
    }

    // MARK: Objects

    /// Stores `bytes` as an object of `kind` (idempotent) and returns SHA-256(bytes). `preference` chooses how a
    /// new object's value is stored (`StoragePreference`).
    @discardableResult
    public func put(
        _ kind: ObjectKind,
        _ bytes: [UInt8],
        preference: StoragePreference = .smallest
    ) throws -> Hash256 {
        guard bytes.count <= store.options.maxObjectSize else {
            throw StoreError(
                .invalidArgument,
                "object of \(bytes.count) bytes exceeds the limit of \(store.options.maxObjectSize)"
            )
        }
        let hash = Hash256.sha256(bytes)
        // Large objects: look first, so that storing one again does not compress it again. Small ones: encode
        // first and let the insert's own existence check decide.
        if bytes.count >= Self.lookFirstSize, try contains(hash) { return hash }
        let value = try store.codec.encode(kind, bytes, preference: preference)
        try putEncoded(hash: hash, kind: kind, rawCount: bytes.count, value: value)
        return hash
    }

    /// Objects at least this large are looked up before they are encoded.
    static let lookFirstSize = 16 << 10

    /// Stores each of `objects` as an object of `kind` (idempotent, like `put`) and returns their hashes in order.
    /// Hashing and compressing, most of the CPU a small object costs, run spread over the machine's cores while
    /// this thread puts the finished ones into the transaction in the given order; the result is the same as
    /// calling `put` for each (with `preferences[i]` for `objects[i]` when given: one per object).
    @discardableResult
    public func put(
        _ kind: ObjectKind,
        contentsOf objects: [[UInt8]],
        preferences: [StoragePreference]? = nil
    ) throws -> [Hash256] {
        try store.checkPutArguments(objects, preferences: preferences)
        var hashes: [Hash256] = []
        hashes.reserveCapacity(objects.count)
        pending.reserveCapacity(pending.count + objects.count)
        try ParallelEncoder.forEachEncoded(kind, objects, preferences: preferences, codec: store.codec) {
            index,
            hash,
            value in
            hashes.append(hash)
            try putEncoded(hash: hash, kind: kind, rawCount: objects[index].count, value: value)
        }
        return hashes
    }

    /// Stores objects `Store.prepare` hashed and compressed (waiting for, or encoding here, those not finished
    /// yet) and returns their hashes in order: the same as calling `put` for each. Throws `invalidArgument` for
    /// objects another store prepared.
    @discardableResult
    public func put(_ prepared: PreparedObjects) throws -> [Hash256] {
        guard prepared.store === store else {
            throw StoreError(
                .invalidArgument,
                "objects prepared by another store (its dictionaries are not this one's)"
            )
        }
        var hashes: [Hash256] = []
        hashes.reserveCapacity(prepared.count)
        pending.reserveCapacity(pending.count + prepared.count)
        let work = prepared.work
        try work.consume { index, hash, value in
            hashes.append(hash)
            try putEncoded(hash: hash, kind: work.kind(index), rawCount: work.objects[index].count, value: value)
        }
        return hashes
    }

    /// Stores an encoded value unless an object with `hash` exists: the value goes at the end of `values` under
    /// the next sequence number and its hash.
    func putEncoded(hash: Hash256, kind: ObjectKind, rawCount: Int, value: [UInt8]) throws {
        // `sequence(of:)` reads the unmerged range before anything is appended, so it is the snapshot's.
        guard try sequence(of: hash) == nil else { return }
        let sequence = try unmergedRange().upperBound + UInt64(pending.count)
        try wtxn.put(db.values, Keys.value(sequence, hash), value, flags: .append)
        pending[hash] = sequence
        count(kind: kind, rawCount: rawCount, storedCount: value.count)
    }

    override func pendingSequence(of hash: Hash256) -> UInt64? { pending[hash] }

    override var pendingCount: Int { pending.count }

    /// What the store's cache of unmerged objects learns once this batch has committed.
    var committedObjects:
        (pending: [Hash256: UInt64], start: UInt64, merged: UInt64?, merge: (mark: UInt64?, plan: MergePlan.Plan?)?)
    {
        (pending, unmergedRangeCache?.upperBound ?? 0, merge?.mark, merge)
    }

    private func count(kind: ObjectKind, rawCount: Int, storedCount: Int) {
        let index = Int(kind.rawValue)
        if kindDeltas[index].count == 0 {
            kindsTouched.append(kind)
            if kind.usesDictionary && !store.dictionaries.hasCurrent(kind) { untrainedKindsTouched.insert(kind) }
        }
        kindDeltas[index].count += 1
        kindDeltas[index].raw += rawCount
        kindDeltas[index].stored += storedCount
    }

    /// Writes the per-kind counters and merges the recent object index when it is due; called once before commit.
    func finish() throws {
        if !pending.isEmpty { merge = try advanceMerge() }
        for kind in kindsTouched {
            let delta = kindDeltas[Int(kind.rawValue)]
            var totals = try KindCounters(wtxn.get(db.main, Keys.kindStats(kind)))
            totals.count += UInt64(delta.count)
            totals.rawBytes += UInt64(delta.raw)
            totals.storedBytes += UInt64(delta.stored)
            try wtxn.put(db.main, Keys.kindStats(kind), totals.bytes)
        }
        for kind in kindsTouched { kindDeltas[Int(kind.rawValue)] = (0, 0, 0) }
        kindsTouched = []
    }

    // MARK: Blocks

    /// Appends `hash` at `height`, which must be the next height (0 for an empty log).
    public func appendBlock(height: UInt64, hash: Hash256) throws {
        let expected = try tipHeight().map { $0 + 1 } ?? 0
        guard height == expected else {
            throw StoreError(.invalidArgument, "block height \(height) is not the next height \(expected)")
        }
        try wtxn.put(db.blocks, Keys.u64(height), Keys.key(hash), flags: .append)
    }

    /// Removes the blocks at `height` and above (a reorganisation); returns how many were removed.
    @discardableResult
    public func truncateBlocks(from height: UInt64) throws -> Int {
        try wtxn.deleteAll(db.blocks, from: Keys.u64(height))
    }

    /// Records the chain's small record for block `hash`.
    public func putBlockRecord(_ hash: Hash256, _ record: [UInt8]) throws {
        try wtxn.put(db.blockIndex, Keys.key(hash), record)
    }

    @discardableResult
    public func deleteBlockRecord(_ hash: Hash256) throws -> Bool {
        try wtxn.delete(db.blockIndex, Keys.key(hash))
    }

    /// Records where transaction `id` was included.
    public func indexTransaction(_ id: Hash256, at location: TransactionLocation) throws {
        try wtxn.put(
            db.txIndex,
            Keys.key(id),
            Keys.key(location.block) + withUnsafeBytes(of: location.position.bigEndian) { Array($0) }
        )
    }

    @discardableResult
    public func removeTransaction(_ id: Hash256) throws -> Bool {
        try wtxn.delete(db.txIndex, Keys.key(id))
    }

    // MARK: History

    /// Appends `messageHash` to `task`'s history and returns its sequence number (0, 1, 2, …).
    @discardableResult
    public func appendHistory(task: Hash256, messageHash: Hash256) throws -> UInt64 {
        let sequence = try nextHistory[task] ?? historyCount(task: task)
        try wtxn.put(db.history, Keys.history(task, sequence), Keys.key(messageHash), flags: .noOverwrite)
        nextHistory[task] = sequence + 1
        return sequence
    }

    // MARK: Checkpoints and datasets

    /// Records `object` as the checkpoint of (`task`, `miner`, `iteration`). `miner` is at most 255 bytes.
    public func putCheckpoint(task: Hash256, miner: [UInt8], iteration: UInt64, object: Hash256) throws {
        guard miner.count <= 255 else { throw StoreError(.invalidArgument, "miner id longer than 255 bytes") }
        try wtxn.put(db.checkpoints, Keys.checkpoint(task, miner, iteration), Keys.key(object))
    }

    /// Records `object` as batch `index` of the dataset with root `root`.
    public func putDatasetBatch(root: Hash256, index: UInt64, object: Hash256) throws {
        try wtxn.put(db.datasets, Keys.dataset(root, index), Keys.key(object))
    }

    // MARK: Ledger state and undo

    public func putState(_ key: [UInt8], _ value: [UInt8]) throws {
        guard !key.isEmpty, key.count <= 511 else { throw StoreError(.invalidArgument, "state keys are 1–511 bytes") }
        try wtxn.put(db.state, key, value)
    }

    @discardableResult
    public func deleteState(_ key: [UInt8]) throws -> Bool {
        try wtxn.delete(db.state, key)
    }

    /// Stores the undo record of `height` (overwriting).
    public func putUndo(height: UInt64, _ bytes: [UInt8]) throws {
        try wtxn.put(db.undo, Keys.u64(height), bytes)
    }

    /// Removes the undo records at `height` and above.
    @discardableResult
    public func deleteUndo(from height: UInt64) throws -> Int {
        try wtxn.deleteAll(db.undo, from: Keys.u64(height))
    }

    /// Removes the undo records below `height` (those beyond the chain's undo horizon); returns how many.
    @discardableResult
    public func deleteUndo(below height: UInt64) throws -> Int {
        try wtxn.deleteAll(db.undo, before: Keys.u64(height))
    }
}

/// Per-kind object counters (`00 "stats/" <kind>` in the main database; `stats/<kind>` in `meta` in format 1): three
/// little-endian UInt64s.
struct KindCounters {
    var count: UInt64 = 0
    var rawBytes: UInt64 = 0
    var storedBytes: UInt64 = 0

    init(_ bytes: [UInt8]?) {
        guard let bytes, bytes.count == 24 else { return }
        func word(_ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[i * 8 + $1]) << (8 * UInt64($1)) } }
        count = word(0)
        rawBytes = word(1)
        storedBytes = word(2)
    }

    var bytes: [UInt8] {
        var writer = ByteWriter(capacity: 24)
        writer.u64(count)
        writer.u64(rawBytes)
        writer.u64(storedBytes)
        return writer.bytes
    }
}
