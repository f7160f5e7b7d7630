public import PoUWCore

/// The RFC 6962 Merkle tree hash (`MTH`): leaf `SHA-256(0x00 ‖ leaf)`, node `SHA-256(0x01 ‖ left ‖ right)`,
/// split at the largest power of two below `n`, no duplicated last leaf; the empty tree is `SHA-256("")`.
///
/// Minimal internal version for dataset roots; to be replaced by PoUWCore's `MerkleTree` once merged (same
/// definition, so roots will not change).
public enum MerkleRoot {
    /// The root over `leaves`, each leaf being the 32 bytes of a hash.
    public static func rfc6962(leaves: [Hash256]) -> Hash256 {
        if leaves.isEmpty { return Hash256.sha256([UInt8]()) }
        return node(leaves[...])
    }

    private static func node(_ leaves: ArraySlice<Hash256>) -> Hash256 {
        if leaves.count == 1 { return Hash256.sha256([0x00] + leaves[leaves.startIndex].bytes) }
        var k = 1
        while k << 1 < leaves.count { k <<= 1 }
        let mid = leaves.startIndex + k
        let left = node(leaves[leaves.startIndex..<mid])
        let right = node(leaves[mid...])
        return Hash256.sha256([0x01] + left.bytes + right.bytes)
    }
}
