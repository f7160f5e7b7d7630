public import PoUWCore
import Synchronization

/// Where verification fetches the artefacts behind an iteration: every one is named by the SHA-256 of its
/// canonical bytes (messages by message hash, model states by state hash, batches by batch hash).
///
/// Guarantees every implementation gives: `bytes(for:)` returns either `nil` (not held) or bytes whose SHA-256 is
/// the requested hash — a source never hands out corrupted or substituted data (it re-hashes, or throws).
///
/// Verification reads iteration messages through `iterationMessage(for:)` and checks their signatures through
/// `signatureIsValid(_:)`. Both have default implementations (decode the bytes; run Ed25519) that every source gets;
/// a source that keeps decoded messages (`ProtocolStore`) overrides them so that each message is decoded, and each
/// signature checked, once per node rather than once per use.
public protocol ArtefactSource: Sendable {
    /// The canonical bytes named by `hash`, or `nil` if this source does not hold them.
    func bytes(for hash: Hash256) throws -> [UInt8]?

    /// The iteration message named by `hash`, strictly decoded, or `nil` if this source does not hold it. Bytes
    /// held that do not decode throw `UndecodableArtefact`; any other error is a read failure.
    func iterationMessage(for hash: Hash256) throws -> IterationMessage?

    /// Whether `message`'s Ed25519 signature verifies (`IterationMessage.hasValidSignature`; a source may remember
    /// the answer by message hash, which covers the content and the signature).
    func signatureIsValid(_ message: IterationMessage) -> Bool

    /// The bytes named by `hash`, or `nil` if not held, whose hash check may still be running on another core
    /// (`ArtefactUnderCheck`). The default reads `bytes(for:)`, already checked; `ProtocolStore` hashes large
    /// objects (model states) concurrently, so a replay decodes and trains while the check runs.
    func bytesUnderCheck(for hash: Hash256) throws -> ArtefactUnderCheck?
}

extension ArtefactSource {
    public func iterationMessage(for hash: Hash256) throws -> IterationMessage? {
        guard let bytes = try bytes(for: hash) else { return nil }
        // The message's hash is computed from the bytes, not taken from the request: a source that broke its
        // guarantee and handed out other bytes still yields a message named by what it holds.
        return try UndecodableArtefact.decoding(hash) { try IterationMessage(canonicalBytes: bytes) }
    }

    public func signatureIsValid(_ message: IterationMessage) -> Bool { message.hasValidSignature }

    public func bytesUnderCheck(for hash: Hash256) throws -> ArtefactUnderCheck? {
        try bytes(for: hash).map { ArtefactUnderCheck(bytes: $0) }
    }
}

/// Bytes fetched by hash whose check against that hash may still be running (`ArtefactSource.bytesUnderCheck`).
///
/// Guarantees: `verified()` returns only once the bytes are known to hash to the name they were fetched by, and
/// otherwise throws the source's read error for a corrupt object (e.g. `StoreError` `.corruptValue`); it may be
/// called any number of times and always gives the same answer. Until it returned, nothing computed from `bytes`
/// may be trusted, kept or reported (a verdict waits for it).
public struct ArtefactUnderCheck: Sendable {
    /// The bytes (unverified until `verified()` returns).
    public let bytes: [UInt8]
    private let check: @Sendable () throws -> Void

    /// Bytes already checked.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        check = {}
    }

    /// Bytes whose check `check` waits for (throwing if they are not what was asked for).
    public init(bytes: [UInt8], check: @escaping @Sendable () throws -> Void) {
        self.bytes = bytes
        self.check = check
    }

    /// Waits for the check; throws if the bytes are not what was asked for.
    public func verified() throws { try check() }
}

/// Bytes a source holds under a hash that do not decode as the record asked for.
public struct UndecodableArtefact: Error, CustomStringConvertible {
    /// The name (hash) the bytes were held under.
    public let hash: Hash256
    /// The decoder's error.
    public let error: any Error

    public init(hash: Hash256, error: any Error) {
        self.hash = hash
        self.error = error
    }

    /// Runs `decode`, turning any error it throws into an `UndecodableArtefact` for `hash`.
    public static func decoding<T>(_ hash: Hash256, _ decode: () throws -> T) throws -> T {
        do { return try decode() } catch { throw UndecodableArtefact(hash: hash, error: error) }
    }

    /// The decoder's error, as it describes itself.
    public var description: String { "\(error)" }
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
