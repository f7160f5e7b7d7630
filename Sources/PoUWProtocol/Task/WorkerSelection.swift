public import PoUWCore

/// The v1 deterministic worker selection, used until the economics module's ticket + VRF selection lands:
/// each candidate's score is `SHA-256(seed ‖ "pouw/select/v1" ‖ role ‖ key)` read as a big-endian 256-bit number;
/// the `count` lowest scores are selected (ties are impossible in practice and broken by key order).
///
/// Guarantees: a pure function of (seed, role, candidate set, count): the order candidates are given in does not
/// matter, duplicates count once, and the result is sorted by score. A node cannot choose its score (it depends on
/// the seed, fixed after registration), but it can register many keys — the ticket stake of the economics issue
/// is what will make that cost something.
public enum WorkerSelection {
    /// A role seats are filled for.
    public enum Role: UInt8, Sendable, CaseIterable {
        case miner = 1
        case supervisor = 2
        case evaluator = 3
        case verifier = 4
    }

    /// The score of `key` for `role` under `seed`.
    public static func score(seed: Hash256, role: Role, key: NodeKey) -> Hash256 {
        var writer = ByteWriter(capacity: 80)
        writer.hash(seed)
        writer.raw(Array("pouw/select/v1".utf8))
        writer.u8(role.rawValue)
        writer.raw(key.bytes)
        return Hash256.sha256(writer.bytes)
    }

    /// The `count` candidates with the lowest scores (all of them, sorted by score, if there are fewer).
    public static func select(seed: Hash256, role: Role, candidates: [NodeKey], count: Int) -> [NodeKey] {
        let scored = Set(candidates).map { (score: score(seed: seed, role: role, key: $0), key: $0) }
        let sorted = scored.sorted { ($0.score, $0.key) < ($1.score, $1.key) }
        return sorted.prefix(max(0, count)).map(\.key)
    }
}
