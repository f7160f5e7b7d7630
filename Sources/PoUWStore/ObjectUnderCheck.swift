internal import Dispatch
public import PoUWCore
internal import Synchronization

/// An object's bytes, read and decoded, whose SHA-256 check against the key they were asked for may still be
/// running on another core while the caller already works on them (`Store.getCheckingConcurrently`).
///
/// Guarantees: `verified()` returns only when SHA-256 of `bytes` equals `key`; otherwise it throws exactly the error
/// `Store.get` throws for such an object (`StoreError` `.corruptValue`, "decoded bytes do not hash to the key"). It
/// waits for the check, may be called any number of times from any thread, and always gives the same answer. Until
/// it has returned, `bytes` are unverified: nothing computed from them may be trusted, kept or passed on.
public final class ObjectUnderCheck: Sendable {
    /// The key the bytes were read under.
    public let key: Hash256
    /// The decoded bytes (unverified until `verified()` returns).
    public let bytes: [UInt8]
    private let check: PendingHashCheck

    /// Objects at least this large (hashing 128 KiB takes about 70 µs, several thread hand-offs) are hashed on
    /// another core; smaller ones before `getCheckingConcurrently` returns.
    public static let concurrentThreshold = 128 << 10

    init(key: Hash256, bytes: [UInt8]) {
        self.key = key
        self.bytes = bytes
        check = PendingHashCheck(key: key, bytes: bytes, concurrently: bytes.count >= Self.concurrentThreshold)
    }

    /// Waits for the check; throws `StoreError` `.corruptValue` if the bytes do not hash to `key`.
    public func verified() throws {
        guard check.matches() else { throw StoreView.hashMismatch(key) }
    }
}

/// SHA-256 of some bytes compared with a key: started on a global dispatch queue (or inline), and done by the
/// waiting thread itself if that queue has not started it by then — on a busy machine the waiter never waits for a
/// thread that was not scheduled.
private final class PendingHashCheck: @unchecked Sendable {
    private let key: Hash256
    private let bytes: [UInt8]
    /// Set by whichever thread hashes.
    private let claimed = Atomic<Bool>(false)
    // Written once before `done.leave()`, read only after `done.wait()`: the group orders them.
    private var result = false
    private let done = DispatchGroup()

    init(key: Hash256, bytes: [UInt8], concurrently: Bool) {
        self.key = key
        self.bytes = bytes
        done.enter()
        guard concurrently else {
            run()
            return
        }
        DispatchQueue.global(qos: .userInitiated).async { [self] in run() }
    }

    /// Hashes unless another thread already claimed the work.
    private func run() {
        guard claimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        result = Hash256.sha256(bytes) == key
        done.leave()
    }

    func matches() -> Bool {
        run()
        done.wait()
        return result
    }
}
