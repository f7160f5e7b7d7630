public import PoUWCore

/// The outcome of verifying an iteration (or a block, or a task's audit).
///
/// Guarantees: `invalid` always names the first field that differs, in the message's field order, with the
/// claimed value and the value the replay produced; `unavailable` names the artefact that could not be fetched,
/// so "we could not check" is never reported as "it is wrong".
public enum Verdict: Sendable, Equatable, CustomStringConvertible {
    case valid
    case invalid(Mismatch)
    case unavailable(Artefact)

    public var isValid: Bool { self == .valid }

    public var description: String {
        switch self {
        case .valid: "valid"
        case .invalid(let mismatch): "invalid: \(mismatch)"
        case .unavailable(let artefact): "unavailable: \(artefact)"
        }
    }
}

/// A field whose claimed value is not what verification found.
public struct Mismatch: Sendable, Equatable, CustomStringConvertible {
    /// The field, as named in `UnsignedIterationMessage` (or a rule such as "signature", "historyInclusion").
    public let field: String
    /// The value the message (or block) claims.
    public let claimed: String
    /// The value the check produced.
    public let found: String

    public init(field: String, claimed: String, found: String) {
        self.field = field
        self.claimed = claimed
        self.found = found
    }

    public var description: String { "\(field): claimed \(claimed), found \(found)" }
}

/// An artefact verification needed but could not fetch.
public enum Artefact: Sendable, Equatable, CustomStringConvertible {
    case message(Hash256)
    /// A model state (checkpoint), named by its state hash.
    case modelState(Hash256)
    case batch(Hash256)
    case task(Hash256)
    case history(Hash256)

    public var description: String {
        switch self {
        case .message(let hash): "message \(hash.hex)"
        case .modelState(let hash): "model state (checkpoint) \(hash.hex)"
        case .batch(let hash): "batch \(hash.hex)"
        case .task(let hash): "task \(hash.hex)"
        case .history(let hash): "message history of task \(hash.hex)"
        }
    }
}

extension UnsignedIterationMessage {
    /// The first field, in canonical order, where `self` (claimed) and `other` (recomputed) differ; `nil` if
    /// they are identical. Floats are compared by bit pattern.
    public func firstDifference(from other: UnsignedIterationMessage) -> Mismatch? {
        func hex(_ h: Hash256) -> String { h.hex }
        func bits(_ f: Float) -> String { "\(f) (0x\(String(f.bitPattern, radix: 16)))" }
        func list(_ hashes: [Hash256]) -> String { "[" + hashes.map(\.short).joined(separator: ", ") + "]" }
        func words(_ u: SparseUpdateWords) -> String {
            "\(u.count) words, SHA-256 \(Hash256.sha256(u.canonicalBytes).short)"
        }
        let fields: [(String, Bool, () -> (String, String))] = [
            ("taskID", taskID == other.taskID, { (hex(taskID), hex(other.taskID)) }),
            ("minerKey", minerKey == other.minerKey, { (minerKey.hex, other.minerKey.hex) }),
            ("epoch", epoch == other.epoch, { ("\(epoch)", "\(other.epoch)") }),
            ("sequence", sequence == other.sequence, { ("\(sequence)", "\(other.sequence)") }),
            (
                "previousMessage", previousMessage == other.previousMessage,
                { (hex(previousMessage), hex(other.previousMessage)) }
            ),
            ("batchIndex", batchIndex == other.batchIndex, { ("\(batchIndex)", "\(other.batchIndex)") }),
            ("batchHash", batchHash == other.batchHash, { (hex(batchHash), hex(other.batchHash)) }),
            (
                "stateHashBefore", stateHashBefore == other.stateHashBefore,
                { (hex(stateHashBefore), hex(other.stateHashBefore)) }
            ),
            (
                "appliedPeerMessages", appliedPeerMessages == other.appliedPeerMessages,
                { (list(appliedPeerMessages), list(other.appliedPeerMessages)) }
            ),
            ("update", update == other.update, { (words(update), words(other.update)) }),
            ("tau", tau.bitPattern == other.tau.bitPattern, { (bits(tau), bits(other.tau)) }),
            (
                "learningRate", learningRate.bitPattern == other.learningRate.bitPattern,
                { (bits(learningRate), bits(other.learningRate)) }
            ),
            ("loss", loss.bitPattern == other.loss.bitPattern, { (bits(loss), bits(other.loss)) }),
            ("accuracy", accuracy.bitPattern == other.accuracy.bitPattern, { (bits(accuracy), bits(other.accuracy)) }),
            ("overdrive", overdrive == other.overdrive, { ("\(overdrive)", "\(other.overdrive)") }),
            (
                "stateHashAfter", stateHashAfter == other.stateHashAfter,
                { (hex(stateHashAfter), hex(other.stateHashAfter)) }
            ),
            (
                "zeroNonceCommitment", zeroNonceCommitment == other.zeroNonceCommitment,
                { (hex(zeroNonceCommitment), hex(other.zeroNonceCommitment)) }
            ),
            ("startTime", startTime == other.startTime, { ("\(startTime)", "\(other.startTime)") }),
            ("finishTime", finishTime == other.finishTime, { ("\(finishTime)", "\(other.finishTime)") }),
        ]
        for (name, same, values) in fields where !same {
            let (claimed, found) = values()
            return Mismatch(field: name, claimed: claimed, found: found)
        }
        return nil
    }
}
