public import PoUWCore

/// A miner's measured contribution to a task.
public struct MinerContribution: Sendable, Hashable {
    public let account: Address
    /// Evaluated quality of its final model, parts per million (e.g. test accuracy × 10⁶), 0…1 000 000.
    public let qualityPPM: UInt32
    /// Iterations of its that verification accepted.
    public let verifiedIterations: UInt64

    public init(account: Address, qualityPPM: UInt32, verifiedIterations: UInt64) {
        self.account = account
        self.qualityPPM = qualityPPM
        self.verifiedIterations = verifiedIterations
    }
}

/// Blocks of `miner` that `verifier` checked; the miner pays `verifierFeePerBlock` for each.
public struct VerifierCharge: Sendable, Hashable {
    public let verifier: Address
    public let miner: Address
    public let blocksChecked: UInt64

    public init(verifier: Address, miner: Address, blocksChecked: UInt64) {
        self.verifier = verifier
        self.miner = miner
        self.blocksChecked = blocksChecked
    }
}

/// Everything TASK_RESULT settles: the escrowed fee and who did what.
public struct SettlementInput: Sendable, Hashable {
    public let client: Address
    public let escrow: Amount
    public let miners: [MinerContribution]
    /// One entry per seat (an account holding two seats appears twice).
    public let supervisors: [Address]
    public let evaluators: [Address]
    public let verifierCharges: [VerifierCharge]

    public init(
        client: Address,
        escrow: Amount,
        miners: [MinerContribution],
        supervisors: [Address],
        evaluators: [Address],
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
    case duplicateMiner(Address)
    case qualityOutOfRange(Address, qualityPPM: UInt32)
    case chargeForUnknownMiner(verifier: Address, miner: Address)
    /// A claimed table's credits do not sum to the escrow.
    case doesNotAddUp(paid: UInt128, escrow: Amount)
    /// A claimed table adds up but is not the one the rules give.
    case differs(expected: PayoutTable, claimed: PayoutTable)

    public var description: String {
        switch self {
        case .duplicateMiner(let a): "miner \(a) listed twice"
        case .qualityOutOfRange(let a, let q): "miner \(a): quality \(q) ppm exceeds 1000000"
        case .chargeForUnknownMiner(let v, let m): "verifier \(v) charges \(m), who is not a miner of the task"
        case .doesNotAddUp(let paid, let escrow): "payout table pays \(paid) units but the escrow is \(escrow)"
        case .differs: "payout table differs from the one the rules give"
        }
    }
}
