public import PoUWCore

/// The proof-of-useful-work check: the protocol module implements it (fetch the iteration message named by
/// `msgHash`, re-run the iteration, check the nonce interval and the target). Must be deterministic.
public protocol WorkValidator: Sendable {
    /// Throws `.workRejected` (or another `ValidationError`) unless the header carries valid work for `target`.
    func validateWork(header: BlockHeader, id: Hash256, target: UInt256) throws(ValidationError)
}

/// Checks only that SHA-256d(header), read as a big-endian number, is at most the target. It does not check
/// that the nonce came from useful work; it exists for tests, benchmarks and until the protocol module's
/// validator is installed. Never a silent pass: a header above the target is rejected.
public struct TargetOnlyWorkValidator: WorkValidator {
    public init() {}

    public func validateWork(header: BlockHeader, id: Hash256, target: UInt256) throws(ValidationError) {
        if UInt256(id) > target {
            throw .workRejected(reason: "header hash \(id.short)… is above the target")
        }
    }
}
