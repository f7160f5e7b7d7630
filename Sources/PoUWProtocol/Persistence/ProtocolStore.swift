public import PoUWCore
public import PoUWStore

/// The protocol's records in a node's `Store`: iteration messages, per-task message histories, signed history
/// checkpoints, model-state checkpoints per (task, miner, iteration) and dataset batches per (root, index).
///
/// Layout: every record is a content-addressed object (messages and history checkpoints as kind `message`, model
/// states as `checkpoint`, batches as `batch`). Indexes: the store's `history` collection (task, n → message
/// hash); its `checkpoints` collection with the miner's 32-byte key for model states, and with the 33-byte id
/// `0x53 ‖ supervisorKey` and iteration = history size for history checkpoints; its `datasets` collection.
/// Guarantees: a recorded message and its history entry are written in one transaction (both or neither);
/// reads re-hash (the store's guarantee) and decode strictly, so a corrupt record is an error, never a wrong
/// value; as an `ArtefactSource` it returns `nil` only for objects it does not hold.
public struct ProtocolStore: ArtefactSource {
    public let store: Store
    /// Histories already read, extended by the entries appended since (see `recordedHistory(task:)`).
    private let historyCache = HistoryCache()
    /// Messages decoded once, whether recorded here or read back (see `iterationMessage(for:)`).
    private let messageCache: MessageCache

    /// Default bound on the encoded bytes of the decoded messages kept in memory (per `ProtocolStore` value and
    /// its copies).
    public static let defaultMessageCacheBytes = 16 << 20

    /// A protocol view of `store`; up to `messageCacheBytes` of decoded messages are kept in memory (0: none).
    public init(store: Store, messageCacheBytes: Int = ProtocolStore.defaultMessageCacheBytes) {
        self.store = store
        messageCache = MessageCache(byteBudget: max(0, messageCacheBytes))
    }

    // MARK: Messages and histories

    /// Stores `message` and appends it to its task's history (one transaction); returns its history index.
    /// `signatureVerified`: the caller has just found `message.hasValidSignature` true (a `HistoryRecorder`
    /// check does, and a miner signing its own message knows it); the store remembers it, so `signatureIsValid`
    /// does not check that signature again when a block built on the message is verified. Only say so if it is so.
    @discardableResult
    public func record(_ message: IterationMessage, signatureVerified: Bool = false) throws -> UInt64 {
        let bytes = message.canonicalBytes
        let index = try store.write { batch in
            let hash = try batch.put(.message, bytes, preference: .smallestWithSparseWords(message.updateWordsRange))
            return try batch.appendHistory(task: message.body.taskID, messageHash: hash)
        }
        messageCache.insert(message, signatureValid: signatureVerified)
        return index
    }

    /// Stores `message` without touching any history (a miner's own chain, a message held for later);
    /// `signatureVerified` as for `record`.
    @discardableResult
    public func put(_ message: IterationMessage, signatureVerified: Bool = false) throws -> Hash256 {
        let preference = StoragePreference.smallestWithSparseWords(message.updateWordsRange)
        let hash = try store.put(.message, message.canonicalBytes, preference: preference)
        messageCache.insert(message, signatureValid: signatureVerified)
        return hash
    }

    /// The message named by `hash`, or `nil` if not stored; throws on a stored record that does not decode.
    public func message(_ hash: Hash256) throws -> IterationMessage? {
        do {
            return try iterationMessage(for: hash)
        } catch let undecodable as UndecodableArtefact {
            throw undecodable.error
        }
    }

    /// The task's history as recorded, in order (empty if nothing is recorded).
    public func recordedHistory(task: Hash256) throws -> MessageHistory {
        let count = try store.read { view in try view.historyCount(task: task) }
        return try historyCache.history(task: task, count: count) { range in
            try store.read { view in try view.history(task: task, range: range) }
        }
    }

    /// The task's history in canonical form (`CanonicalHistory`), built from the recorded messages and kept up to
    /// date incrementally (each message is read once).
    public func canonicalHistory(recordedFor task: Hash256) throws -> CanonicalHistory {
        let recorded = try recordedHistory(task: task)
        return try historyCache.canonical(recorded: recorded) { hash in try message(hash) }
    }

    // MARK: History checkpoints

    private static func supervisorID(_ key: NodeKey, miner: NodeKey) -> [UInt8] { [0x53] + key.bytes + miner.bytes }

    /// Stores a signed history checkpoint and indexes it under (task, supervisor and miner, size).
    @discardableResult
    public func put(_ checkpoint: HistoryCheckpoint) throws -> Hash256 {
        try store.write { batch in
            let hash = try batch.put(.message, checkpoint.canonicalBytes)
            try batch.putCheckpoint(
                task: checkpoint.taskID,
                miner: Self.supervisorID(checkpoint.supervisor, miner: checkpoint.miner),
                iteration: checkpoint.size,
                object: hash
            )
            return hash
        }
    }

    /// The supervisor's latest history checkpoint for `miner`'s log in `task` (at or before `size`), or `nil`.
    public func latestHistoryCheckpoint(
        task: Hash256,
        supervisor: NodeKey,
        miner: NodeKey,
        atOrBefore size: UInt64 = .max
    ) throws
        -> HistoryCheckpoint?
    {
        let found = try store.read { view in
            try view.latestCheckpoint(task: task, miner: Self.supervisorID(supervisor, miner: miner), atOrBefore: size)
        }
        guard let found, let bytes = try bytes(for: found.object) else { return nil }
        return try HistoryCheckpoint(canonicalBytes: bytes)
    }

    // MARK: Model states

    /// Stores a model state's canonical bytes as the checkpoint of `miner` after its message `sequence`; returns
    /// the state hash (SHA-256 of the bytes, the `stateHashAfter` of that message). A state a block's iteration
    /// starts from, which every verifier reads, is best stored with `.fastestRead`.
    @discardableResult
    public func putModelState(
        _ stateBytes: [UInt8],
        task: Hash256,
        miner: NodeKey,
        sequence: UInt64,
        preference: StoragePreference = .smallest
    ) throws -> Hash256 {
        try store.write { batch in
            let hash = try batch.put(.checkpoint, stateBytes, preference: preference)
            try batch.putCheckpoint(task: task, miner: miner.bytes, iteration: sequence, object: hash)
            return hash
        }
    }

    /// The latest model-state checkpoint of `miner` at or before message `sequence`: (sequence, state hash).
    public func latestModelState(
        task: Hash256,
        miner: NodeKey,
        atOrBefore sequence: UInt64 = .max
    ) throws
        -> (sequence: UInt64, stateHash: Hash256)?
    {
        try store.read { view in
            try view.latestCheckpoint(task: task, miner: miner.bytes, atOrBefore: sequence)
        }.map { ($0.iteration, $0.object) }
    }

    // MARK: Dataset batches

    /// Stores a batch's canonical bytes as batch `index` of the dataset with root `datasetRoot`; returns the
    /// batch hash.
    @discardableResult
    public func putBatch(_ batchBytes: [UInt8], datasetRoot: Hash256, index: UInt64) throws -> Hash256 {
        try store.write { batch in
            let hash = try batch.put(.batch, batchBytes)
            try batch.putDatasetBatch(root: datasetRoot, index: index, object: hash)
            return hash
        }
    }

    /// The hash of batch `index` of the dataset `datasetRoot`, if stored.
    public func batchHash(datasetRoot: Hash256, index: UInt64) throws -> Hash256? {
        try store.read { try $0.datasetBatch(root: datasetRoot, index: index) }
    }

    // MARK: ArtefactSource

    public func bytes(for hash: Hash256) throws -> [UInt8]? {
        do {
            return try store.get(hash)
        } catch let error as StoreError where error.code == .missingObject {
            return nil
        }
    }

    /// Large objects (model states) are re-hashed on another core while the caller decodes them
    /// (`Store.getCheckingConcurrently`); `verified()` waits for that check and throws the store's `corruptValue`.
    public func bytesUnderCheck(for hash: Hash256) throws -> ArtefactUnderCheck? {
        let object: ObjectUnderCheck
        do {
            object = try store.getCheckingConcurrently(hash)
        } catch let error as StoreError where error.code == .missingObject {
            return nil
        }
        return ArtefactUnderCheck(bytes: object.bytes) { try object.verified() }
    }

    /// The decoded message: from memory if this store recorded or read it before, else read (re-hashed by the
    /// store), decoded once and kept.
    public func iterationMessage(for hash: Hash256) throws -> IterationMessage? {
        if let kept = messageCache.message(hash) { return kept }
        guard let bytes = try bytes(for: hash) else { return nil }
        // The store re-hashed the bytes on read (its guarantee), so the identity is not computed a second time.
        let message = try UndecodableArtefact.decoding(hash) {
            try IterationMessage(canonicalBytes: bytes, hashedAs: hash)
        }
        messageCache.insert(message)
        return message
    }

    /// Checks a kept message's signature once.
    public func signatureIsValid(_ message: IterationMessage) -> Bool { messageCache.signatureIsValid(message) }
}

extension HistoryRecorder {
    /// A recorder for `rules` rebuilt from the task's history in `store`: every stored message is checked again
    /// and recorded in its stored order, so a restarted supervisor continues exactly where it stopped. Throws if
    /// a stored message is missing or no longer passes the checks.
    public init(rules: TaskRules, restoringFrom store: ProtocolStore) throws {
        self.init(rules: rules)
        for hash in try store.recordedHistory(task: rules.taskID).messages {
            guard let message = try store.message(hash) else {
                throw StoreError(.missingObject, "history names message \(hash.hex) but the store lacks it")
            }
            try accept(message)
        }
    }
}
