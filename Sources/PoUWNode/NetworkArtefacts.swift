public import PoUWCore
import PoUWML
public import PoUWProtocol
import PoUWStore
import Synchronization

/// Where a node's verification reads artefacts (messages, model states, batches): its own store, plus what it
/// derives itself for the tasks it joined — their batches (data it holds) and their initial model state (a
/// function of the task id) — and nothing else. An artefact that is not there makes verification `unavailable`; the node then fetches it from its peers
/// over its `Transport` (`getObjects`, see `Node+Fetch.swift`), stores it after re-hashing it, and verifies again.
/// Nothing reaches a node except through its transport, so the same node runs over TCP unchanged.
///
/// Guarantees: those of `ArtefactSource` (the store re-hashes what it returns); `nil` only when this node does
/// not hold the object. Thread-safe.
public final class NetworkArtefacts: ArtefactSource {
    private let local: ProtocolStore
    private let batches = Mutex<[Hash256: (task: PreparedTask, index: Int)]>([:])
    private let initialStates = Mutex<[Hash256: [UInt8]]>([:])

    public init(local: ProtocolStore) { self.local = local }

    /// Serves `task`'s batches if this node was handed them (encoded when asked) and its initial model state (every miner's state before its
    /// first message, the seeded replica `Node.startMining` builds) from now on; with `persist`, the initial state
    /// is also written to the store (archives keep every artefact their verdicts used, for offline replays).
    public func hold(_ task: PreparedTask, persist: Bool) throws {
        batches.withLock { held in
            for index in task.batches.indices where held[task.batchHashes[index]] == nil {
                held[task.batchHashes[index]] = (task, index)
            }
        }
        let initial = Trainer(task: task.definition, seed: task.modelSeed, mode: .pouw(tau: task.tau), threads: 1)
        let bytes = initial.state.canonicalBytes
        initialStates.withLock { $0[Hash256.sha256(bytes)] = bytes }
        if persist { _ = try local.store.put(.checkpoint, bytes) }
    }

    public func bytes(for hash: Hash256) throws -> [UInt8]? {
        if let bytes = try local.bytes(for: hash) { return bytes }
        if let bytes = initialStates.withLock({ $0[hash] }) { return bytes }
        guard let (task, index) = batches.withLock({ $0[hash] }) else { return nil }
        return task.batches[index].canonicalBytes
    }

    /// Whether this node holds the object `hash` names (without reading it).
    public func holds(_ hash: Hash256) -> Bool {
        if batches.withLock({ $0[hash] != nil }) || initialStates.withLock({ $0[hash] != nil }) { return true }
        return (try? local.store.contains(hash)) ?? false
    }

    /// The decoded message from the local store (which keeps what it decoded).
    public func iterationMessage(for hash: Hash256) throws -> IterationMessage? {
        try local.iterationMessage(for: hash)
    }

    /// A model state as the local store serves it to a replay: large objects re-hashed on another core while the
    /// replay decodes and trains (`ProtocolStore.bytesUnderCheck`). States derived here (a task's initial state)
    /// and batches are named by the hash of the bytes this node computed, so they need no check.
    public func bytesUnderCheck(for hash: Hash256) throws -> ArtefactUnderCheck? {
        if let fetched = try local.bytesUnderCheck(for: hash) { return fetched }
        return try bytes(for: hash).map { ArtefactUnderCheck(bytes: $0) }
    }

    /// Checked once per message by the local store.
    public func signatureIsValid(_ message: IterationMessage) -> Bool { local.signatureIsValid(message) }
}
