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
/// Canonical record 0x75 v1 (for the chain's ticket state): `id 32 B, owner 20 B, role u8, stake u64, lots u32,
/// purchaseHeight u64, preferences (record 0x71), vrfPublicKey (len varint ≤ 33, bytes)`.
public struct Ticket: Sendable, Hashable, CanonicalCodable {
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

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .ticket, version: 1)
        writer.hash(id)
        owner.encode(to: &writer)
        writer.u8(role.rawValue)
        writer.u64(stake.units)
        writer.u32(lots)
        writer.u64(purchaseHeight)
        preferences.encode(to: &writer)
        writer.lengthPrefixed(vrfPublicKey)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .ticket, versions: 1...1)
        self.init(
            id: try reader.hash(),
            owner: try Address(from: &reader),
            role: try Role.decode(from: &reader, field: "ticket.role"),
            stake: Amount(units: try reader.u64()),
            lots: try reader.u32(),
            purchaseHeight: try reader.u64(),
            preferences: try Preferences(from: &reader),
            vrfPublicKey: try reader.lengthPrefixed(field: "ticket.vrfPublicKey", limit: 33)
        )
        guard lots > 0 else { throw CanonicalDecodingError.invalidValue(field: "ticket.lots", reason: "zero lots") }
    }
}
