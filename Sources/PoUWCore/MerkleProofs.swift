/// An RFC 6962 inclusion proof (audit path): leaf `leafIndex` is in the tree of `treeSize` leaves whose root the
/// verifier already trusts.
///
/// Canonical form (tag `merkleInclusionProof`, version 1): LEB128 leaf index, LEB128 tree size, LEB128 path
/// count, then each 32-byte hash. Decoding is strict: the index must be below the size and the path must have
/// exactly the length RFC 6962 gives for that index and size.
public struct MerkleInclusionProof: Sendable, Hashable, CanonicalCodable {
    public let leafIndex: Int
    public let treeSize: Int
    /// Sibling hashes from the leaf's level upwards.
    public let path: [Hash256]

    /// The largest tree size a decoded proof may claim (2^48 leaves).
    public static let maxTreeSize = 1 << 48

    public init(leafIndex: Int, treeSize: Int, path: [Hash256]) {
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.path = path
    }

    /// Whether this proof shows that a leaf with hash `leafHash` sits at `leafIndex` in the tree with `root`
    /// (RFC 9162 §2.1.3.2).
    public func verify(leafHash: Hash256, root: Hash256) -> Bool {
        rootFromPath(leafHash: leafHash) == root
    }

    /// The root this proof implies for `leafHash`, or `nil` when the proof's shape does not fit its index and size.
    public func rootFromPath(leafHash: Hash256) -> Hash256? {
        guard leafIndex >= 0, leafIndex < treeSize else { return nil }
        var fn = leafIndex
        var sn = treeSize - 1
        var r = leafHash
        for p in path {
            if sn == 0 { return nil }
            if fn & 1 == 1 || fn == sn {
                r = MerkleTree.nodeHash(p, r)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = MerkleTree.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? r : nil
    }

    /// The number of hashes in the audit path for `index` in a tree of `size` leaves (0 ≤ index < size).
    public static func pathLength(index: Int, size: Int) -> Int {
        var length = 0
        var fn = index
        var sn = size - 1
        while sn > 0 {
            if fn & 1 == 1 || fn == sn {
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            }
            fn >>= 1
            sn >>= 1
            length += 1
        }
        return length
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .merkleInclusionProof, version: 1)
        writer.length(leafIndex)
        writer.length(treeSize)
        writer.length(path.count)
        for hash in path { writer.hash(hash) }
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .merkleInclusionProof, versions: 1...1)
        let index = try reader.length(field: "leafIndex", limit: Self.maxTreeSize)
        let size = try reader.length(field: "treeSize", limit: Self.maxTreeSize)
        guard index < size else {
            throw CanonicalDecodingError.invalidValue(
                field: "leafIndex",
                reason: "leaf index \(index) is not below the tree size \(size)"
            )
        }
        let count = try reader.length(field: "path", limit: 64)
        let expected = Self.pathLength(index: index, size: size)
        guard count == expected else {
            throw CanonicalDecodingError.invalidValue(
                field: "path",
                reason: "\(count) hashes where index \(index) of \(size) needs \(expected)"
            )
        }
        var path = [Hash256]()
        path.reserveCapacity(count)
        for _ in 0..<count { path.append(try reader.hash()) }
        self.init(leafIndex: index, treeSize: size, path: path)
    }
}

/// An RFC 6962 consistency proof: the tree of `newSize` leaves extends (appends to) the tree of its first
/// `oldSize` leaves.
///
/// Canonical form (tag `merkleConsistencyProof`, version 1): LEB128 old size, LEB128 new size, LEB128 path count,
/// then each 32-byte hash. Decoding requires `oldSize ≤ newSize` and at most 128 hashes.
public struct MerkleConsistencyProof: Sendable, Hashable, CanonicalCodable {
    public let oldSize: Int
    public let newSize: Int
    public let path: [Hash256]

    public init(oldSize: Int, newSize: Int, path: [Hash256]) {
        self.oldSize = oldSize
        self.newSize = newSize
        self.path = path
    }

    /// Whether this proof shows that the tree with root `newRoot` (of `newSize` leaves) extends the tree with root
    /// `oldRoot` (of `oldSize` leaves), by RFC 9162 §2.1.4.2. Equal sizes need an empty path and equal roots; an
    /// old size of 0 needs an empty path and `oldRoot` equal to the empty tree's root.
    public func verify(oldRoot: Hash256, newRoot: Hash256) -> Bool {
        guard oldSize >= 0, oldSize <= newSize else { return false }
        if oldSize == newSize { return path.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return path.isEmpty && oldRoot == MerkleTree.emptyRoot }
        guard !path.isEmpty else { return false }
        var nodes = path[...]
        if oldSize & (oldSize - 1) == 0 { nodes = [oldRoot] + path[...] }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = nodes[nodes.startIndex]
        var sr = fr
        for c in nodes.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleTree.nodeHash(c, fr)
                sr = MerkleTree.nodeHash(c, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = MerkleTree.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .merkleConsistencyProof, version: 1)
        writer.length(oldSize)
        writer.length(newSize)
        writer.length(path.count)
        for hash in path { writer.hash(hash) }
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .merkleConsistencyProof, versions: 1...1)
        let old = try reader.length(field: "oldSize", limit: MerkleInclusionProof.maxTreeSize)
        let new = try reader.length(field: "newSize", limit: MerkleInclusionProof.maxTreeSize)
        guard old <= new else {
            throw CanonicalDecodingError.invalidValue(
                field: "oldSize",
                reason: "old size \(old) is larger than the new size \(new)"
            )
        }
        let count = try reader.length(field: "path", limit: 128)
        var path = [Hash256]()
        path.reserveCapacity(count)
        for _ in 0..<count { path.append(try reader.hash()) }
        self.init(oldSize: old, newSize: new, path: path)
    }
}
