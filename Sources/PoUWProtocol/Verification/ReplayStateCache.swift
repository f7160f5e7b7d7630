public import PoUWCore
public import PoUWML
import Synchronization

/// Model states a verifier has computed, by state hash, so that the next replay starting from one of them skips
/// reading, re-hashing and decoding its checkpoint (a verifier replaying a miner's messages one after another, or
/// the same message again). A node's checks of new blocks alone do not hit it: a miner's block never directly
/// follows its own previous block (the template it commits to is five messages older than the block).
///
/// Guarantees: thread-safe; a state enters only under the hash `IterationReplay` established for it — the state
/// after an iteration whose replay was `valid`, so SHA-256 of its canonical bytes was computed from these very
/// values and equalled the message's `stateHashAfter`. A hit therefore gives exactly the state a checkpoint with
/// that hash decodes to. Holds at most `capacity` states (least recently used forgotten first); capacity 0 keeps
/// none. Copies of an `IterationReplay` share its cache.
public final class ReplayStateCache: Sendable {
    /// States kept at most (a state of the seed's MLP is about 2.2 MB).
    public let capacity: Int
    /// Most recently used last.
    private let entries = Mutex<[(hash: Hash256, state: ModelState)]>([])

    public init(capacity: Int = 2) { self.capacity = max(0, capacity) }

    /// The state named by `hash`, if kept (and marks it most recently used).
    public func state(_ hash: Hash256) -> ModelState? {
        entries.withLock { entries in
            guard let index = entries.lastIndex(where: { $0.hash == hash }) else { return nil }
            let entry = entries.remove(at: index)
            entries.append(entry)
            return entry.state
        }
    }

    /// Removes and returns the state named by `hash`, if kept: the caller becomes the only owner of its storage,
    /// so a replay can train on it without first copying megabytes (a valid replay puts its state after back).
    public func take(_ hash: Hash256) -> ModelState? {
        entries.withLock { entries in
            guard let index = entries.lastIndex(where: { $0.hash == hash }) else { return nil }
            return entries.remove(at: index).state
        }
    }

    /// Keeps `state` under `hash`, which must be SHA-256 of its canonical bytes (established by the caller).
    func insert(_ state: ModelState, hash: Hash256) {
        guard capacity > 0 else { return }
        entries.withLock { entries in
            entries.removeAll { $0.hash == hash }
            entries.append((hash, state))
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
    }

    /// Number of states kept.
    public var count: Int { entries.withLock { $0.count } }
}
