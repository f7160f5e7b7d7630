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
