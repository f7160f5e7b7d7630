public import PoUWCore
import PoUWCrypto

/// The role a ticket buys the right to be selected for.
public enum TicketRole: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case miner = 0
    case supervisor = 1
    case evaluator = 2
    case verifier = 3

    /// Reads the role byte; an unknown value is `CanonicalDecodingError.invalidValue` naming `field`.
    init(from reader: inout ByteReader, field: String) throws {
        let byte = try reader.u8()
        guard let role = TicketRole(rawValue: byte) else {
            throw CanonicalDecodingError.invalidValue(field: field, reason: "unknown role \(byte)")
        }
        self = role
    }

    public var description: String {
        switch self {
        case .miner: "miner"
        case .supervisor: "supervisor"
        case .evaluator: "evaluator"
        case .verifier: "verifier"
        }
    }
}

/// BUY_TICKETS: locks `stake` from the signer's balance for `count` tickets of one role. The ticket id is this
/// transaction's id. Maturity, expiry and price rules are the economics module's.
public struct BuyTickets: Sendable, Hashable {
    /// Bytes in an ECVRF-P256 public key (SEC1 compressed point).
    public static let vrfPublicKeyBytes = 33

    public var role: TicketRole
    public var count: UInt32
    public var stake: Amount
    /// Preference vector bytes (opaque here; the selection rule interprets them).
    public var preferences: [UInt8]
    /// The ticket owner's VRF public key (33 bytes, first byte 0x02 or 0x03).
    public var vrfPublicKey: [UInt8]

    public init(role: TicketRole, count: UInt32, stake: Amount, preferences: [UInt8], vrfPublicKey: [UInt8]) {
        self.role = role
        self.count = count
        self.stake = stake
        self.preferences = preferences
        self.vrfPublicKey = vrfPublicKey
    }

    func encode(to writer: inout ByteWriter) {
        writer.u8(role.rawValue)
        writer.u32(count)
        stake.encode(to: &writer)
        writer.lengthPrefixed(preferences)
        writer.raw(vrfPublicKey)
    }

    init(from reader: inout ByteReader) throws {
        role = try TicketRole(from: &reader, field: "buyTickets.role")
        count = try reader.u32()
        stake = try Amount(from: &reader)
        preferences = try reader.lengthPrefixed(
            field: "buyTickets.preferences",
            limit: TransactionLimits.preferenceBytes
        )
        vrfPublicKey = try reader.raw(Self.vrfPublicKeyBytes)
    }
}
