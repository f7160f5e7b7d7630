public import PoUWCore
import Synchronization

/// Where verification fetches the artefacts behind an iteration: every one is named by the SHA-256 of its
/// canonical bytes (messages by message hash, model states by state hash, batches by batch hash).
///
/// Guarantees every implementation gives: `bytes(for:)` returns either `nil` (not held) or bytes whose SHA-256 is
/// the requested hash — a source never hands out corrupted or substituted data (it re-hashes, or throws).
public protocol ArtefactSource: Sendable {
    /// The canonical bytes named by `hash`, or `nil` if this source does not hold them.
    func bytes(for hash: Hash256) throws -> [UInt8]?
}

/// An in-memory content-addressed artefact set (a node's cache, or a test's whole world).
///
/// Guarantees: those of `ArtefactSource`; `put` returns the SHA-256 of the bytes it keeps. Thread-safe.
public final class MemoryArtefacts: ArtefactSource {
    private let objects = Mutex<[Hash256: [UInt8]]>([:])

    public init() {}

    /// Keeps `bytes` under their SHA-256 and returns it.
    @discardableResult
    public func put(_ bytes: [UInt8]) -> Hash256 {
        let hash = Hash256.sha256(bytes)
        objects.withLock { $0[hash] = bytes }
        return hash
    }

    /// Keeps a value's canonical bytes.
    @discardableResult
    public func put(_ value: some CanonicalEncodable) -> Hash256 { put(value.canonicalBytes) }

    /// Forgets an object (to model a node that lacks it).
    public func remove(_ hash: Hash256) { _ = objects.withLock { $0.removeValue(forKey: hash) } }

    public func bytes(for hash: Hash256) -> [UInt8]? { objects.withLock { $0[hash] } }

    /// Number of objects held.
    public var count: Int { objects.withLock { $0.count } }
}
