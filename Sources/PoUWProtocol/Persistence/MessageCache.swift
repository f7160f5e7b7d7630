import PoUWCore
import Synchronization

/// Decoded iteration messages by hash, and which of them have a signature already found valid, so that a node
/// decodes each message once (when it arrives or is first read) and checks each signature once, however many
/// block verifications and replays use it.
///
/// Guarantees: thread-safe; a message is kept only under its own `hash` (which names its exact bytes, content
/// and signature), so a hit is exactly what decoding the stored bytes would give; the signature mark is set
/// only after `hasValidSignature` returned `true` for that hash, here or in the caller that says so (`insert`). Memory is bounded: messages are forgotten,
/// oldest first, once their encoded sizes add up to more than `byteBudget`.
final class MessageCache: Sendable {
    private struct Entry {
        let message: IterationMessage
        let size: Int
        var signatureValid: Bool
    }

    private struct State {
        var entries: [Hash256: Entry] = [:]
        /// Insertion order; `head` is the oldest slot still in use.
        var order: [Hash256] = []
        var head = 0
        var bytes = 0
    }

    let byteBudget: Int
    private let state = Mutex(State())

    init(byteBudget: Int) { self.byteBudget = byteBudget }

    /// The message named by `hash`, if kept.
    func message(_ hash: Hash256) -> IterationMessage? { state.withLock { $0.entries[hash]?.message } }

    /// Keeps `message` (under its own hash); `signatureValid`: its signature was just found valid by the caller.
    func insert(_ message: IterationMessage, signatureValid: Bool = false) {
        let size = message.signedBytes.count + MessageSignature.byteCount
        guard size <= byteBudget else { return }
        state.withLock { state in
            guard state.entries[message.hash] == nil else {
                if signatureValid { state.entries[message.hash]?.signatureValid = true }
                return
            }
            state.entries[message.hash] = Entry(message: message, size: size, signatureValid: signatureValid)
            state.order.append(message.hash)
            state.bytes += size
            while state.bytes > byteBudget, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let removed = state.entries.removeValue(forKey: oldest) { state.bytes -= removed.size }
            }
            if state.head > 1024 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// Whether `message`'s signature verifies, checked at most once per kept message.
    func signatureIsValid(_ message: IterationMessage) -> Bool {
        if state.withLock({ $0.entries[message.hash]?.signatureValid ?? false }) { return true }
        guard message.hasValidSignature else { return false }
        state.withLock { state in
            // Only a kept message is marked (a message with the same hash has the same bytes).
            if state.entries[message.hash] != nil { state.entries[message.hash]?.signatureValid = true }
        }
        return true
    }

    /// Number of messages kept.
    var count: Int { state.withLock { $0.entries.count } }
}
