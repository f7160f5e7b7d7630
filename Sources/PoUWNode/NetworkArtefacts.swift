public import PoUWCore
public import PoUWProtocol
import Synchronization

/// Where a node fetches artefacts it needs for verification: its own store first, then the peers it can reach
/// (in this in-process network: the other nodes' stores, standing in for "serve any object by hash").
///
/// Guarantees: those of `ArtefactSource` (every source re-hashes what it returns); `nil` only when no reachable
/// node holds the object. Thread-safe.
public final class NetworkArtefacts: ArtefactSource {
    private let local: ProtocolStore
    private let peers = Mutex<[ProtocolStore]>([])

    public init(local: ProtocolStore) { self.local = local }

    /// Adds a peer that serves objects by hash.
    public func connect(_ peer: ProtocolStore) { peers.withLock { $0.append(peer) } }

    public func bytes(for hash: Hash256) throws -> [UInt8]? {
        if let bytes = try local.bytes(for: hash) { return bytes }
        for peer in peers.withLock({ $0 }) {
            if let bytes = try peer.bytes(for: hash) { return bytes }
        }
        return nil
    }

    /// The decoded message from the local store (which keeps what it decoded), else from a peer.
    public func iterationMessage(for hash: Hash256) throws -> IterationMessage? {
        if let message = try local.iterationMessage(for: hash) { return message }
        for peer in peers.withLock({ $0 }) {
            if let message = try peer.iterationMessage(for: hash) { return message }
        }
        return nil
    }

    /// A model state as the local store (else a peer) serves it to a replay: large objects re-hashed on another
    /// core while the replay decodes and trains (`ProtocolStore.bytesUnderCheck`).
    public func bytesUnderCheck(for hash: Hash256) throws -> ArtefactUnderCheck? {
        if let fetched = try local.bytesUnderCheck(for: hash) { return fetched }
        for peer in peers.withLock({ $0 }) {
            if let fetched = try peer.bytesUnderCheck(for: hash) { return fetched }
        }
        return nil
    }

    /// Checked once per message by the local store.
    public func signatureIsValid(_ message: IterationMessage) -> Bool { local.signatureIsValid(message) }
}
