import PoUWCrypto

/// An RFC 6962 (§2.1) Merkle hash tree over SHA-256: leaf hash `H(0x00‖data)`, node hash `H(0x01‖left‖right)`,
/// the split at the largest power of two below the size, no duplicated last leaf (so no CVE-2012-2459
/// malleability), and the empty tree's root is SHA-256 of the empty string.
///
/// Guarantees: `root` equals RFC 6962's MTH for the leaves in order; proofs follow RFC 6962 §2.1.1–2.1.2 and verify
/// with RFC 9162 §2.1.3.2 / §2.1.4.2, so they interoperate with Certificate Transparency logs. Building is O(n)
/// hashes; each proof costs O(log² n) lookups. Requests for impossible proofs throw `MerkleError`, never trap.
public struct MerkleTree: Sendable {
    /// `levels[0]` are the leaf hashes; `levels[k][j]` is the hash of leaves `j·2^k ..< min((j+1)·2^k, count)`
    /// (a right-edge node whose range is ragged is the MTH of that range, as RFC 6962 defines it).
    private let levels: [[Hash256]]

    /// The tree over `leaves` (each leaf hashed with `leafHash`).
    public init(leaves: [[UInt8]]) {
        self.init(leafHashes: leaves.map(MerkleTree.leafHash))
    }

    /// The tree over already computed leaf hashes (`MerkleTree.leafHash` of each leaf's data).
    public init(leafHashes: [Hash256]) {
        var levels = [leafHashes]
        var current = leafHashes
        while current.count > 1 {
            var next = [Hash256]()
            next.reserveCapacity((current.count + 1) / 2)
            var i = 0
            while i + 1 < current.count {
                next.append(MerkleTree.nodeHash(current[i], current[i + 1]))
                i += 2
            }
            if i < current.count { next.append(current[i]) }
            levels.append(next)
            current = next
        }
        self.levels = levels
    }

    /// Number of leaves.
    public var count: Int { levels[0].count }

    /// The leaf hashes in order.
    public var leafHashes: [Hash256] { levels[0] }

    /// RFC 6962 MTH of all leaves.
    public var root: Hash256 { count == 0 ? MerkleTree.emptyRoot : levels[levels.count - 1][0] }

    /// SHA-256 of the empty string: the root of a tree with no leaves.
    public static let emptyRoot = Hash256.sha256([])

    /// `SHA-256(0x00 ‖ data)`.
    public static func leafHash(_ data: [UInt8]) -> Hash256 {
        var hasher = SHA256.Hasher()
        hasher.update([0x00])
        hasher.update(data)
        return Hash256(hasher.finalize())
    }

    /// `SHA-256(0x01 ‖ left ‖ right)`.
    public static func nodeHash(_ left: Hash256, _ right: Hash256) -> Hash256 {
        var bytes = [UInt8]()
        bytes.reserveCapacity(65)
        bytes.append(0x01)
        appendWords(left, to: &bytes)
        appendWords(right, to: &bytes)
        return Hash256.sha256(bytes)
    }

    private static func appendWords(_ hash: Hash256, to bytes: inout [UInt8]) {
        for word in [hash.w0, hash.w1, hash.w2, hash.w3] {
            withUnsafeBytes(of: word.bigEndian) { bytes.append(contentsOf: $0) }
        }
    }

    /// The root of the tree made of the first `size` leaves (`0...count`).
    public func root(size: Int) throws(MerkleError) -> Hash256 {
        guard size >= 0, size <= count else { throw .sizeOutOfRange(size: size, treeSize: count) }
        return size == 0 ? MerkleTree.emptyRoot : subtreeHash(0, size)
    }

    /// The RFC 6962 audit path proving leaf `index` is in this tree.
    public func inclusionProof(index: Int) throws(MerkleError) -> MerkleInclusionProof {
        guard index >= 0, index < count else { throw .indexOutOfRange(index: index, treeSize: count) }
        var path = [Hash256]()
        auditPath(index, 0, count, into: &path)
        return MerkleInclusionProof(leafIndex: index, treeSize: count, path: path)
    }

    /// The RFC 6962 consistency proof that this tree extends the tree of its first `oldSize` leaves.
    public func consistencyProof(from oldSize: Int) throws(MerkleError) -> MerkleConsistencyProof {
        guard oldSize >= 0, oldSize <= count else { throw .sizeOutOfRange(size: oldSize, treeSize: count) }
        var path = [Hash256]()
        if oldSize > 0 && oldSize < count { subproof(oldSize, 0, count, true, into: &path) }
        return MerkleConsistencyProof(oldSize: oldSize, newSize: count, path: path)
    }

    /// RFC 6962 PATH(m, D[lo:hi]), deepest sibling first.
    private func auditPath(_ m: Int, _ lo: Int, _ hi: Int, into path: inout [Hash256]) {
        let n = hi - lo
        guard n > 1 else { return }
        let k = MerkleTree.largestPowerOfTwo(below: n)
        if m < k {
            auditPath(m, lo, lo + k, into: &path)
            path.append(subtreeHash(lo + k, hi))
        } else {
            auditPath(m - k, lo + k, hi, into: &path)
            path.append(subtreeHash(lo, lo + k))
        }
    }

    /// RFC 6962 SUBPROOF(m, D[lo:hi], b).
    private func subproof(_ m: Int, _ lo: Int, _ hi: Int, _ complete: Bool, into path: inout [Hash256]) {
        let n = hi - lo
        if m == n {
            if !complete { path.append(subtreeHash(lo, hi)) }
            return
        }
        let k = MerkleTree.largestPowerOfTwo(below: n)
        if m <= k {
            subproof(m, lo, lo + k, complete, into: &path)
            path.append(subtreeHash(lo + k, hi))
        } else {
            subproof(m - k, lo + k, hi, false, into: &path)
            path.append(subtreeHash(lo, lo + k))
        }
    }

    /// MTH(D[lo:hi]) for a non-empty range, from the stored levels where the range is a stored node.
    private func subtreeHash(_ lo: Int, _ hi: Int) -> Hash256 {
        let n = hi - lo
        if n == 1 { return levels[0][lo] }
        let k = MerkleTree.largestPowerOfTwo(below: n)
        let width = k << 1  // the smallest power of two ≥ n
        let level = width.trailingZeroBitCount
        if lo % width == 0 && (n == width || hi == count) && level < levels.count {
            return levels[level][lo / width]
        }
        return MerkleTree.nodeHash(subtreeHash(lo, lo + k), subtreeHash(lo + k, hi))
    }

    /// The largest power of two strictly below `n` (n ≥ 2).
    static func largestPowerOfTwo(below n: Int) -> Int {
        1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }
}

/// Why a Merkle proof could not be produced.
public enum MerkleError: Error, Sendable, Equatable, CustomStringConvertible {
    case indexOutOfRange(index: Int, treeSize: Int)
    case sizeOutOfRange(size: Int, treeSize: Int)

    public var description: String {
        switch self {
        case .indexOutOfRange(let index, let treeSize): "leaf index \(index) is not in a tree of \(treeSize) leaves"
        case .sizeOutOfRange(let size, let treeSize): "size \(size) is not between 0 and the tree size \(treeSize)"
        }
    }
}
