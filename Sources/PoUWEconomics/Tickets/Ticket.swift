public import PoUWCore

/// Where a ticket is in its life at a given height.
public enum TicketStatus: String, Sendable, Hashable {
    /// Bought less than `ticketMaturity` blocks ago: cannot be selected yet.
    case immature
    /// Mature, not expired, not used: selectable.
    case live
    /// Reached `maturity + expiry` unused: its stake has been returned.
    case expired
    /// Occupied a seat; its stake returns at the task's settlement unless slashed.
    case used
}

/// A bought ticket as the chain records it. `lots` (the ticket's weight in selection) is fixed at purchase:
/// `min(floor(stake / price at purchase), maxLotsPerTicket)`, at least 1 because `stake ≥ price`.
///
/// Lifetime: immature on `[purchaseHeight, maturityHeight)`, live on `[maturityHeight, expiryHeight)`, expired
/// from `expiryHeight` on (unless used first).
///
/// Not stored on its own: the chain's ticket record (`TicketRecord`, 0x15, keyed by the BUY_TICKETS id, with
/// `count` = lots and the preferences as record 0x71 bytes) is the only ticket record; this is its view for the
/// rules (the former record 0x75 was a duplicate and is retired).
public struct Ticket: Sendable, Hashable {
    /// The ticket's identity (the chain derives it from the BUY_TICKETS transaction id and output index).
    public let id: Hash256
    public let owner: Address
    public let role: Role
    public let stake: Amount
    public let lots: UInt32
    public let purchaseHeight: UInt64
    public let preferences: Preferences
    /// The owner's VRF public key (ECVRF-P256-SHA256-TAI, SEC1 compressed, 33 bytes).
    public let vrfPublicKey: [UInt8]

    public init(
        id: Hash256,
        owner: Address,
        role: Role,
        stake: Amount,
        lots: UInt32,
        purchaseHeight: UInt64,
        preferences: Preferences,
        vrfPublicKey: [UInt8]
    ) {
        self.id = id
        self.owner = owner
        self.role = role
        self.stake = stake
        self.lots = lots
        self.purchaseHeight = purchaseHeight
        self.preferences = preferences
        self.vrfPublicKey = vrfPublicKey
    }

    /// First height at which the ticket is live.
    public func maturityHeight(_ parameters: EconomicsParameters) -> UInt64 {
        purchaseHeight + UInt64(parameters.ticketMaturity)
    }

    /// First height at which an unused ticket is expired and its stake returned.
    public func expiryHeight(_ parameters: EconomicsParameters) -> UInt64 {
        maturityHeight(parameters) + UInt64(parameters.ticketExpiry)
    }

    public func status(at height: UInt64, used: Bool, parameters: EconomicsParameters) -> TicketStatus {
        if used { return .used }
        if height < maturityHeight(parameters) { return .immature }
        if height >= expiryHeight(parameters) { return .expired }
        return .live
    }
}
