import PoUWCore

/// The four roles a ticket can buy. The raw value is the canonical byte used in encodings and VRF inputs, so it
/// never changes once assigned.
public enum Role: UInt8, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case miner = 0
    case supervisor = 1
    case evaluator = 2
    case verifier = 3

    /// Supervisors offer storage and bandwidth; every other role runs the model and offers compute.
    public var preferenceKind: PreferenceKind { self == .supervisor ? .storage : .compute }

    public var description: String {
        switch self {
        case .miner: "miner"
        case .supervisor: "supervisor"
        case .evaluator: "evaluator"
        case .verifier: "verifier"
        }
    }

    /// Parses the lowercase role name used on the command line and in JSON.
    public init?(name: String) {
        guard let role = Role.allCases.first(where: { $0.description == name }) else { return nil }
        self = role
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Reads a role byte, rejecting unknown values with a named error.
    static func decode(from reader: inout ByteReader, field: String) throws -> Role {
        let raw = try reader.u8()
        guard let role = Role(rawValue: raw) else {
            throw CanonicalDecodingError.invalidValue(field: field, reason: "unknown role \(raw)")
        }
        return role
    }
}

/// An account as the economics rules see it: the 20-byte address (first 20 bytes of SHA-256 of the public key,
/// as PROTOCOL.md defines it). Ordering is lexicographic byte order; the rules use it to break every tie.
public struct AccountID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Exactly 20 bytes.
    public let bytes: [UInt8]

    /// `nil` unless `bytes` has exactly 20 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 20 else { return nil }
        self.bytes = bytes
    }

    /// The address of a public key: the first 20 bytes of its SHA-256.
    public init(publicKey: [UInt8]) {
        bytes = Array(Hash256.sha256(publicKey).bytes.prefix(20))
    }

    public static func < (lhs: AccountID, rhs: AccountID) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    public var description: String { Hex.encode(bytes) }

    func encode(to writer: inout ByteWriter) { writer.raw(bytes) }

    static func decode(from reader: inout ByteReader) throws -> AccountID {
        // `raw(20)` always returns 20 bytes, so the initialiser cannot fail here.
        guard let account = AccountID(bytes: try reader.raw(20)) else { preconditionFailure("20 bytes read") }
        return account
    }
}
