import PoUWCore
import PoUWCrypto
import PoUWProtocol
import Testing

@Suite struct HistoryTests {
    static func hashes(_ n: Int) -> [Hash256] { (0..<n).map { Samples.h("message \($0)") } }

    @Test func incrementalRootMatchesTheTreeAtEverySize() throws {
        var history = MessageHistory(taskID: Samples.task)
        #expect(history.root == MerkleTree.emptyRoot)
        let all = Self.hashes(37)
        for (i, hash) in all.enumerated() {
            #expect(try history.append(hash) == i)
            let tree = MerkleTree(leaves: all[...i].map(\.bytes))
            #expect(history.root == tree.root)
        }
        for size in 0...37 {
            #expect(try history.root(size: size) == MerkleTree(leaves: all[..<size].map(\.bytes)).root)
        }
        #expect(throws: HistoryError.alreadyRecorded(all[5], index: 5)) { try history.append(all[5]) }
        #expect(throws: HistoryError.sizeOutOfRange(size: 38, count: 37)) { try history.root(size: 38) }
    }

    @Test func everyPrefixRootAndItsSizeMatchARecomputedTree() throws {
        let all = Self.hashes(200)
        let history = try MessageHistory(taskID: Samples.task, messages: all)
        #expect(history.size(ofRoot: MerkleTree.emptyRoot) == 0)
        for size in 1...200 {
            let recomputed = MerkleTree(leaves: all[..<size].map(\.bytes)).root
            #expect(try history.root(size: size) == recomputed)
            #expect(history.size(ofRoot: recomputed) == size)
        }
        #expect(history.size(ofRoot: Samples.h("not a root")) == nil)
        // A history holding only a prefix knows no later root.
        let prefix = try MessageHistory(taskID: Samples.task, messages: Array(all[..<50]))
        #expect(prefix.size(ofRoot: history.root) == nil)
        #expect(prefix.size(ofRoot: try history.root(size: 50)) == 50)
    }

    @Test func inclusionAndConsistencyProofsVerify() throws {
        let all = Self.hashes(21)
        let history = try MessageHistory(taskID: Samples.task, messages: all)
        for (i, hash) in all.enumerated() {
            let proof = try history.inclusionProof(of: hash)
            #expect(proof.leafIndex == i)
            #expect(MessageHistory.verifyInclusion(messageHash: hash, proof: proof, root: history.root))
            // Within an older size too.
            if i < 13 {
                let old = try history.inclusionProof(of: hash, size: 13)
                #expect(MessageHistory.verifyInclusion(messageHash: hash, proof: old, root: try history.root(size: 13)))
            }
        }
        #expect(throws: HistoryError.notRecorded(all[15])) { try history.inclusionProof(of: all[15], size: 13) }
        for old in 0...21 {
            let proof = try history.consistencyProof(from: old)
            #expect(proof.verify(oldRoot: try history.root(size: old), newRoot: history.root))
        }
    }

    @Test func cheatHistoryRootThatDoesNotContainTheMessage() throws {
        let all = Self.hashes(10)
        let history = try MessageHistory(taskID: Samples.task, messages: all)
        let proof = try history.inclusionProof(of: all[4])
        // A history without the message (the claimed root is another one).
        let other = try MessageHistory(taskID: Samples.task, messages: Array(all[..<4]) + Self.hashes(12)[10...])
        #expect(!MessageHistory.verifyInclusion(messageHash: all[4], proof: proof, root: other.root))
        // A message that was never recorded cannot borrow another's proof.
        #expect(!MessageHistory.verifyInclusion(messageHash: Samples.h("never sent"), proof: proof, root: history.root))
        #expect(throws: HistoryError.notRecorded(Samples.h("never sent"))) {
            try history.inclusionProof(of: Samples.h("never sent"))
        }
    }

    @Test func signedCheckpointsRoundTripVerifyAndChain() throws {
        let supervisor = Samples.signer(40)
        var history = try MessageHistory(taskID: Samples.task, messages: Self.hashes(6))
        let miner = Samples.key(1)
        let first = HistoryCheckpoint(log: history, miner: miner, time: 1_000, key: supervisor)
        #expect(first.hasValidSignature)
        let bytes = first.canonicalBytes
        #expect(bytes.count == 2 + 32 + 32 + 32 + 8 + 32 + 8 + 64)
        #expect(bytes[0] == RecordTag.historyCheckpoint.rawValue)
        #expect(try HistoryCheckpoint(canonicalBytes: bytes) == first)
        for cut in 0..<bytes.count {
            #expect(throws: CanonicalDecodingError.self) { try HistoryCheckpoint(canonicalBytes: Array(bytes[..<cut])) }
        }
        var tampered = bytes
        tampered[2 + 32 + 32 + 32] ^= 1  // size
        #expect(!(try HistoryCheckpoint(canonicalBytes: tampered)).hasValidSignature)

        for hash in Self.hashes(9)[6...] { try history.append(hash) }
        let second = HistoryCheckpoint(log: history, miner: miner, time: 2_000, key: supervisor)
        let proof = try history.consistencyProof(from: 6)
        #expect(first.isConsistent(with: second, proof: proof))
        // A supervisor that rewrote its history cannot prove consistency.
        let rewritten = try MessageHistory(taskID: Samples.task, messages: Self.hashes(10).reversed())
        let forked = HistoryCheckpoint(log: rewritten, miner: miner, time: 3_000, key: supervisor)
        #expect(!first.isConsistent(with: forked, proof: try rewritten.consistencyProof(from: 6)))
        // Another miner's checkpoint never continues this one.
        let otherMiner = HistoryCheckpoint(log: history, miner: Samples.key(2), time: 2_000, key: supervisor)
        #expect(!first.isConsistent(with: otherMiner, proof: proof))
    }
}
