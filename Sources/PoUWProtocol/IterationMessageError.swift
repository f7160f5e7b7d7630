public import PoUWCore

/// Why an iteration message is malformed in itself (before any context is consulted).
public enum IterationMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A public key was not 32 bytes.
    case badKeyLength(Int)
    /// A signature was not 64 bytes.
    case badSignatureLength(Int)
    /// The update words are not strictly increasing, repeat a parameter index, or exceed the limit; `position`
    /// is the index of the first offending word.
    case updateNotCanonical(position: Int)
    /// More applied peer messages than `IterationMessageLimits.maxPeerMessages`.
    case tooManyPeerMessages(count: Int)
    /// `sequence == 0` must go with `previousMessage == .zero`, and only then.
    case chainStartMismatch(sequence: UInt64, previous: Hash256)
    /// A float field is NaN, infinite or out of its range (τ > 0, learning rate ≥ 0, accuracy in [0, 1]).
    case invalidFloat(field: String, bits: UInt32)
    /// `startTime` is after `finishTime`.
    case timesReversed(start: UInt64, finish: UInt64)

    public var description: String {
        switch self {
        case .badKeyLength(let n): "public key must be 32 bytes, got \(n)"
        case .badSignatureLength(let n): "signature must be 64 bytes, got \(n)"
        case .updateNotCanonical(let position): "update words not in canonical order at word \(position)"
        case .tooManyPeerMessages(let count):
            "\(count) applied peer messages exceed the limit of \(IterationMessageLimits.maxPeerMessages)"
        case .chainStartMismatch(let sequence, let previous):
            "sequence \(sequence) with previous message \(previous.short): only sequence 0 has no previous message"
        case .invalidFloat(let field, let bits): "\(field): invalid value (bits 0x\(String(bits, radix: 16)))"
        case .timesReversed(let start, let finish): "start time \(start) is after finish time \(finish)"
        }
    }
}
