public import PoUWCore

/// Which earlier iterations a verifier audits after accepting a block (PROTOCOL.md "random audits of a few
/// iterations, chosen from a block hash after the fact").
///
/// Rule v1: let `n` be the number of messages the task's history holds *before* the block's own message (its
/// index in the history). For `i = 0, 1, …, k − 1`, draw `d_i = SHA-256("pouw/audit/v1" ‖ blockID ‖ u32le(i))`
/// and take the history index `u64be(d_i[0..<8]) mod n`; repeated indices are audited once, in first-drawn order.
/// `n = 0` audits nothing. The block hash is fixed only after the messages it audits were broadcast, so a miner
/// cannot know in advance which of its past iterations will be replayed.
///
/// Guarantees: a pure function of its inputs; every index is `< n`; at most `k` indices, no duplicates.
public enum AuditSelection {
    public static let domain = Array("pouw/audit/v1".utf8)

    /// The history indices to audit for the block `blockID` whose message sits at history index `before`.
    public static func indices(blockID: Hash256, before n: Int, count k: Int) -> [Int] {
        guard n > 0, k > 0 else { return [] }
        var chosen: [Int] = []
        for i in 0..<k {
            var writer = ByteWriter()
            writer.raw(domain)
            writer.hash(blockID)
            writer.u32(UInt32(truncatingIfNeeded: i))
            let draw = Hash256.sha256(writer.bytes).bytes
            let value = draw.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let index = Int(value % UInt64(n))
            if !chosen.contains(index) { chosen.append(index) }
        }
        return chosen
    }
}
