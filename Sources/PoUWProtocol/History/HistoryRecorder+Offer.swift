public import PoUWCore

/// What happened to a message offered to a `HistoryRecorder`.
public struct OfferResult: Sendable, Equatable {
    /// Messages recorded as a result, in the order recorded (the offered one and any held ones it unblocked).
    public var recorded: [Hash256] = []
    /// The offered message is held until what it depends on arrives.
    public var deferred = false
    /// The offered message was refused for good (a duplicate is not an error and is reported here too).
    public var rejected: ArrivalError?

    public init() {}
}

extension HistoryRecorder {
    /// Most messages held back waiting for predecessors; beyond it the oldest held message is dropped (the
    /// sender can resend; nothing invalid is ever recorded because of the limit).
    public static let maxHeld = 4096

    /// Offers a message as it arrives from an unreliable network: records it if it passes every check; holds it
    /// if it only waits for an earlier message (`isDeferrable`) and records it as soon as that arrives; refuses it
    /// otherwise. Every message recorded (including held ones) passed every check at the time it was recorded.
    public mutating func offer(_ message: IterationMessage) -> OfferResult {
        var result = OfferResult()
        do {
            let index = try accept(message)
            result.recorded.append(history.messages[index])
        } catch let error where error.isDeferrable {
            if !held.contains(where: { $0.hash == message.hash }) {
                if held.count >= Self.maxHeld { held.removeFirst() }
                held.append(message)
            }
            result.deferred = true
            return result
        } catch {
            result.rejected = error
            return result
        }
        // Retry held messages until none makes progress.
        var progress = true
        while progress {
            progress = false
            var i = 0
            while i < held.count {
                do {
                    let index = try accept(held[i])
                    result.recorded.append(history.messages[index])
                    held.remove(at: i)
                    progress = true
                } catch let error where error.isDeferrable {
                    i += 1
                } catch {
                    held.remove(at: i)
                }
            }
        }
        return result
    }

    /// Messages currently held back.
    public var heldCount: Int { held.count }
}
