/// A miner's measured contribution to a task.
public struct MinerContribution: Sendable, Hashable {
    public let account: AccountID
    /// Evaluated quality of its final model, parts per million (e.g. test accuracy × 10⁶), 0…1 000 000.
    public let qualityPPM: UInt32
    /// Iterations of its that verification accepted.
    public let verifiedIterations: UInt64

    public init(account: AccountID, qualityPPM: UInt32, verifiedIterations: UInt64) {
        self.account = account
        self.qualityPPM = qualityPPM
        self.verifiedIterations = verifiedIterations
    }
}

/// Blocks of `miner` that `verifier` checked; the miner pays `verifierFeePerBlock` for each.
public struct VerifierCharge: Sendable, Hashable {
    public let verifier: AccountID
    public let miner: AccountID
    public let blocksChecked: UInt64

    public init(verifier: AccountID, miner: AccountID, blocksChecked: UInt64) {
        self.verifier = verifier
        self.miner = miner
        self.blocksChecked = blocksChecked
    }
}

/// Everything TASK_RESULT settles: the escrowed fee and who did what.
public struct SettlementInput: Sendable, Hashable {
    public let client: AccountID
    public let escrow: UInt64
    public let miners: [MinerContribution]
    /// One entry per seat (an account holding two seats appears twice).
    public let supervisors: [AccountID]
    public let evaluators: [AccountID]
    public let verifierCharges: [VerifierCharge]

    public init(
        client: AccountID,
        escrow: UInt64,
        miners: [MinerContribution],
        supervisors: [AccountID],
        evaluators: [AccountID],
        verifierCharges: [VerifierCharge]
    ) {
        self.client = client
        self.escrow = escrow
        self.miners = miners
        self.supervisors = supervisors
        self.evaluators = evaluators
        self.verifierCharges = verifierCharges
    }
}

/// Why a settlement cannot be computed or a claimed payout table is rejected.
public enum SettlementError: Error, Sendable, Hashable, CustomStringConvertible {
    case duplicateMiner(AccountID)
    case qualityOutOfRange(AccountID, qualityPPM: UInt32)
    case chargeForUnknownMiner(verifier: AccountID, miner: AccountID)
    /// A claimed table's credits do not sum to the escrow.
    case doesNotAddUp(paid: UInt128, escrow: UInt64)
    /// A claimed table adds up but is not the one the rules give.
    case differs(expected: PayoutTable, claimed: PayoutTable)

    public var description: String {
        switch self {
        case .duplicateMiner(let a): "miner \(a) listed twice"
        case .qualityOutOfRange(let a, let q): "miner \(a): quality \(q) ppm exceeds 1000000"
        case .chargeForUnknownMiner(let v, let m): "verifier \(v) charges \(m), who is not a miner of the task"
        case .doesNotAddUp(let paid, let escrow): "payout table pays \(paid) but the escrow is \(escrow)"
        case .differs: "payout table differs from the one the rules give"
        }
    }
}
