public import PoUWCore

/// Why EVIDENCE is rejected.
public enum SlashingRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// This evidence (same id) was already used.
    case evidenceReused(Hash256)
    /// Replay did not prove the cheat.
    case notProven(reason: String)
    /// The offender's ticket holds no stake (already slashed or returned).
    case nothingToSlash(ticket: Hash256)
    /// The offender is listed among the honest participants.
    case offenderListedAsHonest(Address)

    public var description: String {
        switch self {
        case .evidenceReused(let id): "evidence \(id.short) was already used"
        case .notProven(let reason): "evidence not proven: \(reason)"
        case .nothingToSlash(let ticket): "ticket \(ticket.short) has no stake left to slash"
        case .offenderListedAsHonest(let account): "offender \(account) is listed as honest"
        }
    }
}

/// What a successful EVIDENCE does: the offender's ticket stake is confiscated and shared; `Σ shares + burned
/// = confiscated` exactly.
public struct SlashOutcome: Sendable, Hashable {
    public let evidenceId: Hash256
    public let offender: Address
    public let confiscated: Amount
    /// Shares in account order.
    public let shares: [(account: Address, amount: Amount)]
    /// Burned when no honest participant exists (counts against supply).
    public let burned: Amount

    public static func == (lhs: SlashOutcome, rhs: SlashOutcome) -> Bool {
        lhs.evidenceId == rhs.evidenceId && lhs.offender == rhs.offender && lhs.confiscated == rhs.confiscated
            && lhs.burned == rhs.burned && lhs.shares.map(\.account) == rhs.shares.map(\.account)
            && lhs.shares.map(\.amount) == rhs.shares.map(\.amount)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(evidenceId)
        hasher.combine(confiscated)
    }
}

/// The punishment rule. Order of checks: reuse (cheap, by id), then stake, then the replay verdict.
///
/// The confiscated amount is the offender ticket's whole stake, split equally among the task's distinct honest
/// participants (`ExactSplit.equal`: leftover units to the lowest accounts); with no honest participant it is
/// burned.
public enum SlashingRules {
    public static func confiscate(
        _ evidence: Evidence,
        usedEvidence: Set<Hash256>,
        offenderTicketStake: Amount,
        honestParticipants: [Address],
        checker: some EvidenceChecker
    ) throws(SlashingRejection) -> SlashOutcome {
        let id = evidence.id
        guard !usedEvidence.contains(id) else { throw .evidenceReused(id) }
        guard offenderTicketStake.units > 0 else { throw .nothingToSlash(ticket: evidence.offenderTicket) }
        let honest = Array(Set(honestParticipants)).sorted()
        guard !honest.contains(evidence.offender) else { throw .offenderListedAsHonest(evidence.offender) }
        if case .notProven(let reason) = checker.check(evidence) { throw .notProven(reason: reason) }
        let split = ExactSplit.equal(offenderTicketStake.units, among: honest)
        return SlashOutcome(
            evidenceId: id,
            offender: evidence.offender,
            confiscated: offenderTicketStake,
            shares: honest.map { (account: $0, amount: Amount(units: split?[$0] ?? 0)) },
            burned: split == nil ? offenderTicketStake : .zero
        )
    }
}
