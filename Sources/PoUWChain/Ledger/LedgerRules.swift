import PoUWCore

/// The extension point for the economics and protocol modules: extra consensus rules for tickets, task results
/// and evidence, consulted after the chain's own checks and before the ledger changes.
///
/// The chain itself only guarantees form, signatures and conservation of amounts (escrow in, payouts out,
/// stake locked, slashed stake burned). Implementations must be deterministic.
public protocol LedgerRules: Sendable {
    /// May reject a BUY_TICKETS (price, role quotas, …).
    func checkTickets(
        _ tx: Transaction,
        _ tickets: BuyTickets,
        height: UInt64,
        ledger: LedgerOverlay
    )
        throws(ValidationError)
    /// May reject a TASK_RESULT (are the signers the task's selected evaluators? is the split right?).
    func checkTaskResult(
        _ tx: Transaction,
        _ result: TaskResult,
        task: TaskEscrow,
        height: UInt64,
        ledger: LedgerOverlay
    ) throws(ValidationError)
    /// Must verify the evidence's proof; the chain has no way to judge it.
    func checkEvidence(
        _ tx: Transaction,
        _ evidence: Evidence,
        height: UInt64,
        ledger: LedgerOverlay
    )
        throws(ValidationError)
}

/// The rules until the economics and protocol modules supply theirs: tickets and results are accepted on form
/// and signatures alone; evidence is accepted only if `evidenceVerifier` says so — with no verifier installed,
/// every EVIDENCE transaction is rejected (no silent pass).
public struct BasicLedgerRules: LedgerRules {
    /// Judges an evidence proof: `nil` = proven, otherwise the reason it is not.
    public typealias EvidenceVerifier = @Sendable (Evidence) -> String?

    public let evidenceVerifier: EvidenceVerifier?

    public init(evidenceVerifier: EvidenceVerifier? = nil) { self.evidenceVerifier = evidenceVerifier }

    public func checkTickets(
        _ tx: Transaction,
        _ tickets: BuyTickets,
        height: UInt64,
        ledger: LedgerOverlay
    )
        throws(ValidationError)
    {}

    public func checkTaskResult(
        _ tx: Transaction,
        _ result: TaskResult,
        task: TaskEscrow,
        height: UInt64,
        ledger: LedgerOverlay
    ) throws(ValidationError) {}

    public func checkEvidence(
        _ tx: Transaction,
        _ evidence: Evidence,
        height: UInt64,
        ledger: LedgerOverlay
    )
        throws(ValidationError)
    {
        guard let evidenceVerifier else {
            throw .ruleRejected(tx: tx.id, reason: "no evidence verifier is installed")
        }
        if let reason = evidenceVerifier(evidence) { throw .ruleRejected(tx: tx.id, reason: reason) }
    }
}
