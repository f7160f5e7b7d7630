public import PoUWCore
internal import PoUWLMDB

/// Where a transaction sits: the block that holds it and its position in that block.
public struct TransactionLocation: Sendable, Hashable {
    public var block: Hash256
    public var position: UInt32

    public init(block: Hash256, position: UInt32) {
        self.block = block
        self.position = position
    }
}

/// A consistent snapshot of the store, valid only inside the `Store.read` (or `write`) closure that received it.
///
/// Guarantees: all reads see the same committed state; object reads decode and re-hash. Using a view after its
/// closure returned traps (a programmer error). Not `Sendable`.
public class StoreView {
    let store: Store
    let txn: ReadTransaction
    var db: Databases { store.databases }
    /// This snapshot's unmerged range of `values` (`unmergedRange()`), read once.
    var unmergedRangeCache: Range<UInt64>?
    /// This snapshot's merge under way (`mergeProgress()`), read once: `.some(nil)` when none is.
    var mergeProgressCache: MergeProgress??

    init(store: Store, transaction: ReadTransaction) {
        self.store = store
        self.txn = transaction
    }

    // MARK: Objects

    /// The sequence number of a value this transaction itself appended for `hash` (a batch's), else `nil`.
    func pendingSequence(of hash: Hash256) -> UInt64? { nil }

    /// How many values this transaction itself appended.
    var pendingCount: Int { 0 }

    /// The object under `hash`: exactly the bytes that were put, or `missingObject` / `corruptValue` / … naming
    /// the key.
    public func get(_ hash: Hash256) throws -> [UInt8] {
        try object(hash).bytes
    }

    /// The object under `hash` with its kind.
    public func object(_ hash: Hash256) throws -> (kind: ObjectKind, bytes: [UInt8]) {
        let decoded = try decodedObject(hash)
        guard Hash256.sha256(decoded.bytes) == hash else { throw Self.hashMismatch(hash) }
        return decoded
    }

    /// `object`, plus how to store it alike again (`ValueCodec.decodeWithStorage`).
    func objectWithStorage(_ hash: Hash256) throws -> (kind: ObjectKind, bytes: [UInt8], storage: StoragePreference?) {
        let decoded = try withStoredValue(hash) { value in try store.codec.decodeWithStorage(value, key: hash) }
        guard let decoded else { throw StoreError(.missingObject, "no object with this key", hash: hash) }
        guard Hash256.sha256(decoded.bytes) == hash else { throw Self.hashMismatch(hash) }
        return decoded
    }

    /// The object under `hash` decoded but not yet re-hashed (`Store.getCheckingConcurrently` checks it).
    func decodedObject(_ hash: Hash256) throws -> (kind: ObjectKind, bytes: [UInt8]) {
        let decoded = try withStoredValue(hash) { value in
            try store.codec.decode(value, key: hash)
        }
        guard let decoded else { throw StoreError(.missingObject, "no object with this key", hash: hash) }
        return decoded
    }

    /// The error for decoded bytes whose SHA-256 is not their key.
    static func hashMismatch(_ hash: Hash256) -> StoreError {
        StoreError(.corruptValue, "decoded bytes do not hash to the key", hash: hash)
    }

    public func contains(_ hash: Hash256) throws -> Bool {
        try sequence(of: hash) != nil
    }

    /// The kind recorded in the object's header, or `nil` when absent.
    public func kind(of hash: Hash256) throws -> ObjectKind? {
        try header(of: hash)?.kind
    }

    /// The value header of the object under `hash`, or `nil` when absent.
    public func header(of hash: Hash256) throws -> ValueHeader? {
        try withStoredValue(hash) { try store.codec.header($0, key: hash) }
    }

    /// The stored (encoded) value under `hash` as it sits in the database: header plus payload.
    public func storedValue(_ hash: Hash256) throws -> [UInt8]? {
        try withStoredValue(hash) { Keys.bytes($0) }
    }

    /// Number of objects.
    public func objectCount() throws -> Int { try txn.count(db.objects) + unmergedCount() + pendingCount }

    /// How many committed objects of this snapshot have no `objects` entry yet.
    func unmergedCount() throws -> Int { max(0, try unmergedRange().count - Int(mergeProgress()?.merged ?? 0)) }

    // MARK: Blocks by height

    /// Height of the last block in the height log, or `nil` when it is empty.
    public func tipHeight() throws -> UInt64? {
        guard let last = try txn.last(db.blocks) else { return nil }
        guard last.key.count == 8 else {
            throw StoreError(
                .corruptValue,
                "the last blocks key holds \(last.key.count) bytes, not an 8-byte height",
                key: Hex.encode(last.key)
            )
        }
        return last.key.withUnsafeBytes { Keys.u64(RawSpan(_unsafeBytes: $0), at: 0) }
    }

    /// The block hash at `height`, or `nil`.
    public func blockHash(at height: UInt64) throws -> Hash256? {
        try txn.withValue(db.blocks, Keys.u64(height)) { Keys.hash($0) } ?? nil
    }

    /// The chain's small record for block `hash` (the chain owns its format), or `nil`.
    public func blockRecord(_ hash: Hash256) throws -> [UInt8]? {
        try txn.get(db.blockIndex, Keys.key(hash))
    }

    /// Where transaction `id` was included, or `nil`.
    public func transactionLocation(_ id: Hash256) throws -> TransactionLocation? {
        try txn.withValue(db.txIndex, Keys.key(id)) { value -> TransactionLocation? in
            guard value.byteCount == 36, let block = Keys.hash(value) else { return nil }
            var position: UInt32 = 0
            for i in 32..<36 { position = position << 8 | UInt32(value.unsafeLoad(fromByteOffset: i, as: UInt8.self)) }
            return TransactionLocation(block: block, position: position)
        } ?? nil
    }

    // MARK: Message history per task

    /// Number of messages appended for `task` (sequence numbers run from 0 to count − 1).
    public func historyCount(task: Hash256) throws -> UInt64 {
        var count: UInt64 = 0
        try txn.forEach(db.history, from: Keys.history(task, UInt64.max), reverse: true) { key, _ in
            if key.byteCount == 40, Keys.hash(key) == task { count = Keys.u64(key, at: 32) + 1 }
            return false
        }
        return count
    }

    /// The message hashes of `task` with sequence numbers in `range`, in order.
    public func history(task: Hash256, range: Range<UInt64>) throws -> [Hash256] {
        var result: [Hash256] = []
        guard !range.isEmpty else { return result }
        try txn.forEach(db.history, from: Keys.history(task, range.lowerBound)) { key, value in
            guard key.byteCount == 40, Keys.hash(key) == task, Keys.u64(key, at: 32) < range.upperBound else {
                return false
            }
            if let hash = Keys.hash(value) { result.append(hash) }
            return true
        }
        return result
    }

    // MARK: Checkpoints and dataset batches

    /// The checkpoint object of (`task`, `miner`, `iteration`), or `nil`.
    public func checkpoint(task: Hash256, miner: [UInt8], iteration: UInt64) throws -> Hash256? {
        guard miner.count <= 255 else { return nil }
        return try txn.withValue(db.checkpoints, Keys.checkpoint(task, miner, iteration)) { Keys.hash($0) } ?? nil
    }

    /// The latest checkpoint of (`task`, `miner`) at or before `iteration`.
    public func latestCheckpoint(
        task: Hash256,
        miner: [UInt8],
        atOrBefore iteration: UInt64 = .max
    ) throws
        -> (iteration: UInt64, object: Hash256)?
    {
        guard miner.count <= 255 else { return nil }
        let prefix = Keys.checkpoint(task, miner, 0).dropLast(8)
        var found: (UInt64, Hash256)?
        try txn.forEach(db.checkpoints, from: Keys.checkpoint(task, miner, iteration), reverse: true) { key, value in
            let bytes = Keys.bytes(key)
            if bytes.count == prefix.count + 8, bytes.starts(with: prefix), let hash = Keys.hash(value) {
                found = (Keys.u64(key, at: prefix.count), hash)
            }
            return false
        }
        return found
    }

    /// The batch object at `index` of the dataset with Merkle root `root`, or `nil`.
    public func datasetBatch(root: Hash256, index: UInt64) throws -> Hash256? {
        try txn.withValue(db.datasets, Keys.dataset(root, index)) { Keys.hash($0) } ?? nil
    }

    // MARK: Ledger state and undo

    /// The value of ledger state `key`, or `nil`.
    public func state(_ key: [UInt8]) throws -> [UInt8]? {
        try txn.get(db.state, key)
    }

    /// Every state entry whose key starts with `prefix`, in key order (`body` returns `false` to stop).
    public func forEachState(prefix: [UInt8], _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool) throws {
        try txn.forEach(db.state, from: prefix.isEmpty ? nil : prefix) { key, value in
            let k = Keys.bytes(key)
            guard k.starts(with: prefix) else { return false }
            return try body(k, Keys.bytes(value))
        }
    }

    /// The undo record of `height`, or `nil`.
    public func undo(height: UInt64) throws -> [UInt8]? {
        try txn.get(db.undo, Keys.u64(height))
    }
}
