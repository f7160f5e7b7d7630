public import PoUWCore

/// Tickets bought by one BUY_TICKETS transaction (keyed by its id). Canonical: tag `ticketRecord` (0x15),
/// version 1, `owner 20B, role u8, count u32, stake u64, vrfPublicKey 33B, preferences (len-prefixed), height u64`.
public struct TicketRecord: Sendable, Hashable, CanonicalCodable {
    public var owner: Address
    public var role: TicketRole
    public var count: UInt32
    public var stake: Amount
    public var vrfPublicKey: [UInt8]
    public var preferences: [UInt8]
    public var height: UInt64

    public init(
        owner: Address,
        role: TicketRole,
        count: UInt32,
        stake: Amount,
        vrfPublicKey: [UInt8],
        preferences: [UInt8],
        height: UInt64
    ) {
        self.owner = owner
        self.role = role
        self.count = count
        self.stake = stake
        self.vrfPublicKey = vrfPublicKey
        self.preferences = preferences
        self.height = height
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .ticketRecord, version: 1)
        owner.encode(to: &writer)
        writer.u8(role.rawValue)
        writer.u32(count)
        stake.encode(to: &writer)
        writer.raw(vrfPublicKey)
        writer.lengthPrefixed(preferences)
        writer.u64(height)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .ticketRecord, versions: 1...1)
        owner = try Address(from: &reader)
        role = try TicketRole(from: &reader, field: "ticket.role")
        count = try reader.u32()
        stake = try Amount(from: &reader)
        vrfPublicKey = try reader.raw(BuyTickets.vrfPublicKeyBytes)
        preferences = try reader.lengthPrefixed(field: "ticket.preferences", limit: TransactionLimits.preferenceBytes)
        height = try reader.u64()
    }
}
