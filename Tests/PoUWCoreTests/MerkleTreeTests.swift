import PoUWCore
import Testing

/// RFC 6962 Merkle trees against the Certificate Transparency reference vectors (transparency-dev/merkle
/// `testonly/constants.go` and `proof/verify_test.go`), plus exhaustive checks of every size and pair up to 64.
@Suite struct MerkleTreeTests {
    static let leaves: [[UInt8]] = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ].map { Hex.decode($0)! }

    /// Roots of the trees of the first 1…8 leaves.
    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    static func h(_ hex: String) -> Hash256 { Hash256(hex: hex)! }

    /// (leaf index, 0-based; tree size; audit path) from verify_test.go (which numbers leaves from 1).
    static let inclusion: [(Int, Int, [String])] = [
        (
            0, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            5, 8,
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (
            1, 5,
            [
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
    ]

    /// (old size, new size, proof) from verify_test.go.
    static let consistency: [(Int, Int, [String])] = [
        (1, 1, []),
        (
            1, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            6, 8,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        (
            2, 5,
            [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
        (
            6, 7,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
    ]

    @Test func referenceRoots() throws {
        #expect(MerkleTree(leaves: []).root.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        for size in 1...8 {
            let tree = MerkleTree(leaves: Array(Self.leaves[..<size]))
            #expect(tree.root.hex == Self.roots[size - 1], "size \(size)")
            let big = MerkleTree(leaves: Self.leaves)
            #expect(try big.root(size: size).hex == Self.roots[size - 1])
        }
    }

    @Test func referenceInclusionProofs() throws {
        let tree = MerkleTree(leaves: Self.leaves)
        for (index, size, path) in Self.inclusion {
            let sub = MerkleTree(leaves: Array(Self.leaves[..<size]))
            let proof = try sub.inclusionProof(index: index)
            #expect(proof.path == path.map(Self.h), "leaf \(index) of \(size)")
            let leaf = MerkleTree.leafHash(Self.leaves[index])
            #expect(proof.verify(leafHash: leaf, root: Self.h(Self.roots[size - 1])))
            #expect(!proof.verify(leafHash: leaf, root: tree.root) || size == 8)
        }
        #expect(try MerkleTree(leaves: [Self.leaves[0]]).inclusionProof(index: 0).path.isEmpty)
    }

    @Test func referenceConsistencyProofs() throws {
        for (old, new, path) in Self.consistency {
            let tree = MerkleTree(leaves: Array(Self.leaves[..<new]))
            let proof = try tree.consistencyProof(from: old)
            #expect(proof.path == path.map(Self.h), "\(old) → \(new)")
            #expect(proof.verify(oldRoot: Self.h(Self.roots[old - 1]), newRoot: Self.h(Self.roots[new - 1])))
        }
    }

    /// The corruptions of transparency-dev's verifierCheck: each must fail.
    @Test func corruptedInclusionProofsFail() throws {
        for (index, size, pathHex) in Self.inclusion {
            let path = pathHex.map(Self.h)
            let root = Self.h(Self.roots[size - 1])
            let leaf = MerkleTree.leafHash(Self.leaves[index])
            let some = Self.h("abacaba000000000000000000000000000000000000000000060061e00123456")
            func ok(_ i: Int, _ n: Int, _ p: [Hash256], leaf l: Hash256 = leaf, root r: Hash256 = root) -> Bool {
                MerkleInclusionProof(leafIndex: i, treeSize: n, path: p).verify(leafHash: l, root: r)
            }
            #expect(ok(index, size, path))
            #expect(!ok(index - 1, size, path))
            #expect(!ok(index + 1, size, path))
            #expect(!ok(index ^ 2, size, path))
            #expect(!ok(index, size * 2, path))
            #expect(!ok(index, size / 2, path))
            #expect(!ok(index, size, path, leaf: MerkleTree.leafHash(Array("WrongLeaf".utf8))))
            #expect(!ok(index, size, path, root: MerkleTree.emptyRoot))
            #expect(!ok(index, size, path, root: some))
            #expect(!ok(index, size, path + [root]))
            #expect(!ok(index, size, [root] + path))
            for i in path.indices {
                var bytes = path[i].bytes
                bytes[0] ^= 8
                var wrong = path
                wrong[i] = Hash256(bytes: bytes)!
                #expect(!ok(index, size, wrong))
            }
            #expect(!ok(index, size, Array(path.dropLast())))
            if path.count > 1 { #expect(!ok(index, size, [path[0], some] + path.dropFirst())) }
        }
    }

    @Test func corruptedConsistencyProofsFail() throws {
        for (old, new, pathHex) in Self.consistency where !pathHex.isEmpty {
            let path = pathHex.map(Self.h)
            let r1 = Self.h(Self.roots[old - 1])
            let r2 = Self.h(Self.roots[new - 1])
            let wrong = Hash256.sha256(Array("WrongRoot".utf8))
            func ok(_ m: Int, _ n: Int, _ p: [Hash256], _ a: Hash256, _ b: Hash256) -> Bool {
                MerkleConsistencyProof(oldSize: m, newSize: n, path: p).verify(oldRoot: a, newRoot: b)
            }
            #expect(ok(old, new, path, r1, r2))
            #expect(!ok(old - 1, new, path, r1, r2))
            #expect(!ok(old + 1, new, path, r1, r2))
            #expect(!ok(old ^ 2, new, path, r1, r2))
            #expect(!ok(old, new * 2, path, r1, r2))
            #expect(!ok(old, new / 2, path, r1, r2))
            #expect(!ok(old, new, path, wrong, r2))
            #expect(!ok(old, new, path, r1, wrong))
            #expect(!ok(old, new, path, r2, r1))
            #expect(!ok(old, new, [], r1, r2))
            #expect(!ok(old, new, path + [r1], r1, r2))
            #expect(!ok(old, new, path + [r2], r1, r2))
            #expect(!ok(old, new, [r1] + path, r1, r2))
            #expect(!ok(old, new, [r2] + path, r1, r2))
            #expect(!ok(old, new, [path[0]] + path, r1, r2))
            #expect(!ok(old, new, Array(path.dropLast()), r1, r2))
            for i in path.indices {
                var bytes = path[i].bytes
                bytes[0] ^= 16
                var changed = path
                changed[i] = Hash256(bytes: bytes)!
                #expect(!ok(old, new, changed, r1, r2))
            }
        }
    }

    @Test func trivialConsistencyCases() {
        let a = Hash256.sha256([1])
        let b = Hash256.sha256([2])
        let empty = MerkleTree.emptyRoot
        #expect(MerkleConsistencyProof(oldSize: 0, newSize: 0, path: []).verify(oldRoot: empty, newRoot: empty))
        #expect(MerkleConsistencyProof(oldSize: 0, newSize: 5, path: []).verify(oldRoot: empty, newRoot: b))
        #expect(!MerkleConsistencyProof(oldSize: 0, newSize: 5, path: []).verify(oldRoot: a, newRoot: b))
        #expect(MerkleConsistencyProof(oldSize: 3, newSize: 3, path: []).verify(oldRoot: a, newRoot: a))
        #expect(!MerkleConsistencyProof(oldSize: 3, newSize: 3, path: []).verify(oldRoot: a, newRoot: b))
        #expect(!MerkleConsistencyProof(oldSize: 3, newSize: 3, path: [a]).verify(oldRoot: a, newRoot: a))
        #expect(!MerkleConsistencyProof(oldSize: 2, newSize: 1, path: []).verify(oldRoot: a, newRoot: b))
        #expect(!MerkleConsistencyProof(oldSize: 1, newSize: 2, path: []).verify(oldRoot: a, newRoot: b))
    }

    /// Every leaf of every tree of 1…64 leaves, and every (old, new) pair up to 64: proofs verify, round-trip
    /// through their canonical form, and fail against a neighbouring root.
    @Test func exhaustiveUpTo64() throws {
        let data = (0..<64).map { i in [UInt8(i), UInt8(i * 7 & 0xff)] }
        let full = MerkleTree(leaves: data)
        let roots = try (0...64).map { try full.root(size: $0) }
        for size in 1...64 {
            let tree = MerkleTree(leaves: Array(data[..<size]))
            #expect(tree.root == roots[size])
            #expect(tree.root == Self.referenceRoot(tree.leafHashes[...]))
            for index in 0..<size {
                let proof = try tree.inclusionProof(index: index)
                #expect(proof.path.count == MerkleInclusionProof.pathLength(index: index, size: size))
                #expect(proof.verify(leafHash: tree.leafHashes[index], root: tree.root))
                #expect(!proof.verify(leafHash: tree.leafHashes[(index + 1) % size], root: tree.root) || size == 1)
                #expect(!proof.verify(leafHash: tree.leafHashes[index], root: roots[size - 1]))
                #expect(try MerkleInclusionProof(canonicalBytes: proof.canonicalBytes) == proof)
            }
            for old in 0...size {
                let proof = try tree.consistencyProof(from: old)
                #expect(proof.verify(oldRoot: roots[old], newRoot: roots[size]), "\(old) → \(size)")
                if old > 0 && old < size {
                    #expect(!proof.verify(oldRoot: roots[old - 1], newRoot: roots[size]))
                    #expect(!proof.verify(oldRoot: roots[old], newRoot: roots[size - 1]))
                }
                #expect(try MerkleConsistencyProof(canonicalBytes: proof.canonicalBytes) == proof)
            }
        }
        #expect(throws: MerkleError.indexOutOfRange(index: 64, treeSize: 64)) { try full.inclusionProof(index: 64) }
        #expect(throws: MerkleError.sizeOutOfRange(size: 65, treeSize: 64)) { try full.consistencyProof(from: 65) }
        #expect(throws: MerkleError.self) { try MerkleTree(leaves: []).inclusionProof(index: 0) }
    }

    /// RFC 6962 MTH written as the RFC states it (recursive split), to check the level-wise construction against.
    static func referenceRoot(_ hashes: ArraySlice<Hash256>) -> Hash256 {
        if hashes.count == 1 { return hashes[hashes.startIndex] }
        var k = 1
        while k * 2 < hashes.count { k *= 2 }
        let mid = hashes.startIndex + k
        return MerkleTree.nodeHash(referenceRoot(hashes[..<mid]), referenceRoot(hashes[mid...]))
    }

    @Test func proofDecodingIsStrict() throws {
        let tree = MerkleTree(leaves: Self.leaves)
        let proof = try tree.inclusionProof(index: 5)
        var bytes = proof.canonicalBytes
        #expect(bytes[0] == RecordTag.merkleInclusionProof.rawValue && bytes[1] == 1)
        bytes[1] = 2
        #expect(throws: CanonicalDecodingError.unknownVersion(tag: 0xe0, version: 2)) {
            try MerkleInclusionProof(canonicalBytes: bytes)
        }
        // A path one hash short, with its count adjusted, is not the RFC 6962 path for (5, 8).
        var w = ByteWriter()
        w.header(tag: .merkleInclusionProof, version: 1)
        w.length(5)
        w.length(8)
        w.length(2)
        w.hash(proof.path[0])
        w.hash(proof.path[1])
        #expect(throws: CanonicalDecodingError.self) { try MerkleInclusionProof(canonicalBytes: w.bytes) }
        #expect(throws: CanonicalDecodingError.self) {
            try MerkleInclusionProof(canonicalBytes: proof.canonicalBytes + [0])
        }
        let consistency = try tree.consistencyProof(from: 3)
        #expect(throws: CanonicalDecodingError.self) {
            try MerkleConsistencyProof(canonicalBytes: Array(consistency.canonicalBytes.dropLast()))
        }
    }

    /// The worked example of Docs/crypto.md: three leaves "a", "b", "c".
    @Test func workedExample() throws {
        let tree = MerkleTree(leaves: ["a", "b", "c"].map { Array($0.utf8) })
        #expect(
            tree.leafHashes.map(\.hex) == [
                "022a6979e6dab7aa5ae4c3e5e45f7e977112a7e63593820dbec1ec738a24f93c",
                "57eb35615d47f34ec714cacdf5fd74608a5e8e102724e80b24b287c0c27b6a31",
                "597fcb31282d34654c200d3418fca5705c648ebf326ec73d8ddef11841f876d8",
            ]
        )
        let n01 = Self.h("b137985ff484fb600db93107c77b0365c80d78f5b429ded0fd97361d077999eb")
        #expect(MerkleTree.nodeHash(tree.leafHashes[0], tree.leafHashes[1]) == n01)
        #expect(tree.root.hex == "36642e73c2540ab121e3a6bf9545b0a24982cd830eb13d3cd19de3ce6c021ec1")
        let proof = try tree.inclusionProof(index: 0)
        #expect(proof.path == [tree.leafHashes[1], tree.leafHashes[2]])
        #expect(
            Hex.encode(proof.canonicalBytes)
                == "e00100030257eb35615d47f34ec714cacdf5fd74608a5e8e102724e80b24b287c0c27b6a31"
                + "597fcb31282d34654c200d3418fca5705c648ebf326ec73d8ddef11841f876d8"
        )
        #expect(try tree.inclusionProof(index: 2).path == [n01])
        #expect(try tree.consistencyProof(from: 2).path == [tree.leafHashes[2]])
    }
}
