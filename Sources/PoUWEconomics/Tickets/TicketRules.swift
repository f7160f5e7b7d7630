public import PoUWCore
import PoUWCrypto

/// Why a ticket purchase or use is rejected. Each case names one rule.
public enum TicketRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// BUY_TICKETS locked less than the price in force.
    case stakeBelowPrice(stake: Amount, price: Amount)
    /// The stake buys more than `maxLotsPerTicket` lots; buy several tickets instead.
    case stakeAboveLotCap(stake: Amount, cap: Amount)
    /// The preferences are not the kind the role declares (compute for miners, evaluators, verifiers;
    /// storage for supervisors).
    case preferencesDoNotMatchRole(role: Role, kind: PreferenceKind)
    /// More than `maxFreshTicketsPerBlock` tickets in one block.
    case tooManyFreshTickets(count: Int, limit: UInt32)
    /// The ticket was used before `maturityHeight`.
    case usedBeforeMaturity(ticket: Hash256, height: UInt64, maturesAt: UInt64)
    /// The ticket was used at or after `expiryHeight`.
    case usedAfterExpiry(ticket: Hash256, height: UInt64, expiredAt: UInt64)
    /// The ticket was already used.
    case doubleUse(ticket: Hash256)
    /// The ticket was offered for a seat of another role.
    case wrongRole(ticket: Hash256, ticketRole: Role, seatRole: Role)
    /// The VRF public key is not a valid P-256 point (such a ticket could never prove a draw).
    case invalidVRFKey

    public var description: String {
        switch self {
        case .stakeBelowPrice(let stake, let price): "stake \(stake) is below the ticket price \(price)"
        case .stakeAboveLotCap(let stake, let cap): "stake \(stake) exceeds the per-ticket cap \(cap)"
        case .preferencesDoNotMatchRole(let role, let kind): "\(role) tickets cannot carry \(kind) preferences"
        case .tooManyFreshTickets(let count, let limit): "\(count) tickets in one block (limit \(limit))"
        case .usedBeforeMaturity(let ticket, let height, let maturesAt):
            "ticket \(ticket.short) used at height \(height) before maturity at \(maturesAt)"
        case .usedAfterExpiry(let ticket, let height, let expiredAt):
            "ticket \(ticket.short) used at height \(height) after expiry at \(expiredAt)"
        case .doubleUse(let ticket): "ticket \(ticket.short) was already used"
        case .wrongRole(let ticket, let ticketRole, let seatRole):
            "ticket \(ticket.short) is a \(ticketRole) ticket, not \(seatRole)"
        case .invalidVRFKey: "the VRF public key is not a valid compressed P-256 point"
        }
    }
}

/// Stake that goes back to its owner (an unused ticket reached expiry).
public struct StakeRelease: Sendable, Hashable {
    public let ticket: Hash256
    public let owner: Address
    public let amount: Amount
}

/// The ticket rules the chain enforces: purchase, use and expiry. Pure functions; the chain supplies the price
/// in force, the height and the set of used tickets.
public enum TicketRules {
    /// Validates a BUY_TICKETS output and returns the ticket it creates.
    public static func purchase(
        id: Hash256,
        owner: Address,
        role: Role,
        stake: Amount,
        preferences: Preferences,
        vrfPublicKey: [UInt8],
        height: UInt64,
        price: Amount,
        parameters: EconomicsParameters
    ) throws(TicketRejection) -> Ticket {
        guard preferences.kind == role.preferenceKind else {
            throw .preferencesDoNotMatchRole(role: role, kind: preferences.kind)
        }
        guard (try? VRF.PublicKey(bytes: vrfPublicKey)) != nil else { throw .invalidVRFKey }
        guard stake >= price, price.units > 0 else { throw .stakeBelowPrice(stake: stake, price: price) }
        let lots = stake.units / price.units
        guard lots <= UInt64(parameters.maxLotsPerTicket) else {
            let cap = UInt64(parameters.maxLotsPerTicket).multipliedReportingOverflow(by: price.units)
            throw .stakeAboveLotCap(stake: stake, cap: Amount(units: cap.overflow ? UInt64.max : cap.partialValue))
        }
        return Ticket(
            id: id,
            owner: owner,
            role: role,
            stake: stake,
            lots: UInt32(lots),
            purchaseHeight: height,
            preferences: preferences,
            vrfPublicKey: vrfPublicKey
        )
    }

    /// Rejects a block buying more than `maxFreshTicketsPerBlock` tickets.
    public static func checkFreshCount(_ count: Int, parameters: EconomicsParameters) throws(TicketRejection) {
        if count > Int(parameters.maxFreshTicketsPerBlock) {
            throw .tooManyFreshTickets(count: count, limit: parameters.maxFreshTicketsPerBlock)
        }
    }

    /// Checks that `ticket` may take a seat of `role` at `height`, given the tickets already used.
    public static func checkUse(
        _ ticket: Ticket,
        role: Role,
        at height: UInt64,
        usedTickets: Set<Hash256>,
        parameters: EconomicsParameters
    ) throws(TicketRejection) {
        guard ticket.role == role else { throw .wrongRole(ticket: ticket.id, ticketRole: ticket.role, seatRole: role) }
        guard !usedTickets.contains(ticket.id) else { throw .doubleUse(ticket: ticket.id) }
        switch ticket.status(at: height, used: false, parameters: parameters) {
        case .immature:
            throw .usedBeforeMaturity(ticket: ticket.id, height: height, maturesAt: ticket.maturityHeight(parameters))
        case .expired:
            throw .usedAfterExpiry(ticket: ticket.id, height: height, expiredAt: ticket.expiryHeight(parameters))
        case .live, .used:
            return
        }
    }

    /// The stakes returned at `height`: every unused ticket whose `expiryHeight` is exactly `height`, in ticket
    /// id order. Called once per block, this returns each expired stake exactly once.
    public static func releases(
        at height: UInt64,
        tickets: some Sequence<Ticket>,
        usedTickets: Set<Hash256>,
        parameters: EconomicsParameters
    ) -> [StakeRelease] {
        tickets.filter { $0.expiryHeight(parameters) == height && !usedTickets.contains($0.id) }
            .sorted { $0.id < $1.id }
            .map { StakeRelease(ticket: $0.id, owner: $0.owner, amount: $0.stake) }
    }

    /// The stakes returned when a task settles: every ticket that held a seat in it, except those whose stake a
    /// proven EVIDENCE confiscated, in ticket id order (each ticket once, however many seats it held).
    public static func releasesAtSettlement(seated: [Ticket], slashed: Set<Hash256>) -> [StakeRelease] {
        var seen = Set<Hash256>()
        return seated.filter { !slashed.contains($0.id) && seen.insert($0.id).inserted }
            .sorted { $0.id < $1.id }
            .map { StakeRelease(ticket: $0.id, owner: $0.owner, amount: $0.stake) }
    }
}
