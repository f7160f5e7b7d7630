public import PoUWCore

/// Why a TASK_RESULT's evaluator signatures are rejected.
public enum TaskResultRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// A signature from an account that holds no evaluator seat of the task.
    case signerNotSelected(Address)
    /// Fewer selected evaluators signed than the quorum needs.
    case tooFewEvaluatorSignatures(signed: Int, needed: Int)

    public var description: String {
        switch self {
        case .signerNotSelected(let a): "TASK_RESULT signed by \(a), who is not a selected evaluator"
        case .tooFewEvaluatorSignatures(let signed, let needed):
            "TASK_RESULT has \(signed) selected evaluator signature(s); \(needed) needed"
        }
    }
}

/// Who must sign a TASK_RESULT. The chain verifies each signature (Ed25519) and passes the signers' addresses;
/// this rule checks them against the evaluator seats of the task's selection: every signer must hold a seat,
/// and a strict majority of the distinct seat holders must sign (`floor(n / 2) + 1`), so one absent evaluator
/// cannot block settlement and a minority cannot decide it.
public enum TaskResultRules {
    /// Signatures needed for `holders` distinct evaluator seat holders.
    public static func quorum(holders: Int) -> Int { holders / 2 + 1 }

    public static func checkSigners(
        _ signers: Set<Address>,
        evaluatorSeats: [Seat]
    ) throws(TaskResultRejection) {
        let holders = Set(evaluatorSeats.map(\.owner))
        for signer in signers.sorted() where !holders.contains(signer) { throw .signerNotSelected(signer) }
        let needed = quorum(holders: holders.count)
        if signers.count < needed { throw .tooFewEvaluatorSignatures(signed: signers.count, needed: needed) }
    }
}
