import PoUWML
import Synchronization

/// Training engines a replay has finished with, handed to the next replay of the same task: loading a state into
/// one (`Trainer.restore`) does not allocate and zero an engine's buffers again (about 2 MB for the seed's MLP,
/// 0.1–0.2 ms of a 4 ms block check).
///
/// Guarantees: thread-safe; an engine has one owner at a time — the caller that took it, or the shelf; at most
/// `capacity` engines wait. Copies of an `IterationReplay` share its shelf.
final class EngineShelf: Sendable {
    /// An engine on the shelf. `Trainer` is not `Sendable` (one caller at a time); the shelf hands each one to
    /// exactly one caller and never touches it while it is out, which is what makes the transfer safe.
    private struct Shelved: @unchecked Sendable { let trainer: Trainer }

    let capacity: Int
    private let spare = Mutex<[Shelved]>([])

    init(capacity: Int = 1) { self.capacity = max(0, capacity) }

    /// An engine to use, if one waits; the caller owns it until it `put`s it back (or drops it).
    func take() -> Trainer? { spare.withLock { $0.popLast() }?.trainer }

    /// Gives `trainer` back; the caller must not use it afterwards.
    func put(_ trainer: Trainer) {
        let shelved = Shelved(trainer: trainer)
        spare.withLock { spare in
            if spare.count < capacity { spare.append(shelved) }
        }
    }
}
