public import PoUWCore

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
    /// Must verify the evidence's proof; the chain has no way to judge it. Returns who receives the slashed
    /// stake (their sum at most `evidence.slash`); the rest is burned.
    func checkEvidence(
        _ tx: Transaction,
        _ evidence: Evidence,
        height: UInt64,
        ledger: LedgerOverlay
    )
        throws(ValidationError) -> [Payout]
    /// Called once per block at `height` (id `blockID`, the block's header hash), before its first transaction
    /// (ticket expiry, price retarget, the block id that seeds the selection of tasks registered in it).
    func beginBlock(height: UInt64, blockID: Hash256, ledger: inout LedgerOverlay) throws(ChainError)
    /// Called after a signed transaction's effects were applied (the rules' own bookkeeping).
    func didApply(_ tx: Transaction, id: Hash256, height: UInt64, ledger: inout LedgerOverlay) throws(ChainError)
    /// May reject a PAY_FOR_TASK (are its task terms well-formed?), before the escrow is recorded.
    func checkPayForTask(
        _ tx: Transaction,
        _ payment: PayForTask,
        height: UInt64,
        ledger: LedgerOverlay
    )
        throws(ValidationError)
    /// Called once per block after its coinbase was credited (the rules' own per-block bookkeeping, e.g. which
    /// account mined which block).
    func endBlock(
        height: UInt64,
        blockID: Hash256,
        coinbase: Coinbase,
        ledger: inout LedgerOverlay
    )
        throws(ChainError)
}

extension LedgerRules {
    public func beginBlock(height: UInt64, blockID: Hash256, ledger: inout LedgerOverlay) throws(ChainError) {}
    public func checkPayForTask(
        _ tx: Transaction,
        _ payment: PayForTask,
        height: UInt64,
        ledger: LedgerOverlay
    )
        throws(ValidationError)
    {}
    public func endBlock(
        height: UInt64,
        blockID: Hash256,
        coinbase: Coinbase,
        ledger: inout LedgerOverlay
    )
        throws(ChainError)
    {}
    public func didApply(
        _ tx: Transaction,
        id: Hash256,
        height: UInt64,
        ledger: inout LedgerOverlay
    )
        throws(ChainError)
    {}
}

/// The rules until the economics and protocol modules supply theirs: tickets and results are accepted on form
/// and signatures alone, slashed stake is burned; evidence is accepted only if `evidenceVerifier` says so — with no verifier installed,
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
        throws(ValidationError) -> [Payout]
    {
        guard let evidenceVerifier else {
            throw .ruleRejected(tx: tx.id, reason: "no evidence verifier is installed")
        }
        if let reason = evidenceVerifier(evidence) { throw .ruleRejected(tx: tx.id, reason: reason) }
        return []
    }
}
