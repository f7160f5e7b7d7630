import Foundation
import PoUWCore
import PoUWCrypto
import PoUWProtocol
import Testing

/// The canonical history a block commits to: independent of arrival order, incremental, refusing what cannot be
/// one miner's chain, and pinned byte for byte by `Fixtures/protocol/history-vector-v1.txt`.
@Suite struct CanonicalHistoryTests {
    static let fixture = DigitsWorld.root.appendingPathComponent("Fixtures/protocol/history-vector-v1.txt").path

    /// Six rounds of three miners, each applying the others' previous round (miner 2 skips rounds 2 and 3, then
    /// catches up, so peers' applied sizes differ per message).
    static func rounds() -> [IterationMessage] {
        var group = TaskGroup()
        var all: [IterationMessage] = []
        var unapplied: [[IterationMessage]] = [[], [], []]
        for round in 0..<6 {
            for m in 0..<3 {
                if m == 2, round == 2 || round == 3 { continue }
                let message = group.advance(m, peers: unapplied[m])
                unapplied[m] = []
                for other in 0..<3 where other != m { unapplied[other].append(message) }
                all.append(message)
            }
        }
        return all
    }

    @Test("every arrival order gives every message the same root; messages wait for what they reference")
    func arrivalOrderDoesNotMatter() throws {
        let messages = Self.rounds()
        var inOrder = CanonicalHistory(taskID: Samples.task)
        for message in messages { #expect(try inOrder.add(message) == [message.hash]) }
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<5 {
            var shuffled = CanonicalHistory(taskID: Samples.task)
            var added: [Hash256] = []
            for message in messages.shuffled(using: &generator) { added += try shuffled.add(message) }
            #expect(Set(added) == Set(messages.map(\.hash)))
            #expect(shuffled.pendingCount == 0)
            for message in messages { #expect(shuffled.root(of: message.hash) == inOrder.root(of: message.hash)) }
        }
        // A duplicate is ignored; a message waits while its predecessor is missing.
        #expect(try inOrder.add(messages[0]).isEmpty)
        var gap = CanonicalHistory(taskID: Samples.task)
        let miner0 = messages.filter { $0.body.minerKey == messages[0].body.minerKey }
        #expect(try gap.add(miner0[1]).isEmpty)
        #expect(gap.pendingCount == 1 && !gap.contains(miner0[1].hash))
        // miner0[1] applied the first messages of miners 1 and 2: still waiting after its predecessor arrives.
        #expect(try gap.add(miner0[0]) == [miner0[0].hash])
        #expect(gap.pendingCount == 1)
        let unlocked = try gap.add(messages[1]) + gap.add(messages[2])
        #expect(unlocked.last == miner0[1].hash)
        #expect(gap.root(of: miner0[1].hash) == inOrder.root(of: miner0[1].hash))
    }

    @Test("the root is the vector of per-miner prefix roots the message saw, built by hand")
    func rootMatchesTheDefinition() throws {
        let messages = Self.rounds()
        var history = CanonicalHistory(taskID: Samples.task)
        for message in messages { try history.add(message) }
        let keys = TaskGroup().keys
        func chain(_ m: Int) -> [Hash256] { messages.filter { $0.body.minerKey == keys[m] }.map(\.hash) }
        func logRoot(_ m: Int, _ size: Int) -> Hash256 {
            MerkleTree(leaves: chain(m)[..<size].map(\.bytes)).root
        }
        // Miner 0's message of round 4 (its sequence 4) had applied miner 1 up to round 3 (size 4) and miner 2 up to
        // round 1 (size 2: miner 2 skipped rounds 2 and 3 and sends round 4 after miner 0).
        let target = chain(0)[4]
        let expected = HistoryVector(entries: [
            HistoryVector.Entry(miner: keys[0], size: 5, root: logRoot(0, 5)),
            HistoryVector.Entry(miner: keys[1], size: 4, root: logRoot(1, 4)),
            HistoryVector.Entry(miner: keys[2], size: 2, root: logRoot(2, 2)),
        ])
        #expect(history.vector(of: target) == expected)
        #expect(history.root(of: target) == expected.root)
        let sorted = expected.entries.map(\.miner.bytes)
        #expect(sorted == sorted.sorted { $0.lexicographicallyPrecedes($1) })
        // The very first message saw only itself.
        let first = try #require(history.vector(of: messages[0].hash))
        #expect(first.entries == [HistoryVector.Entry(miner: keys[0], size: 1, root: logRoot(0, 1))])
        #expect(history.root(of: Samples.h("never sent")) == nil)
    }

    @Test("what cannot be one miner's chain is refused with a named reason")
    func refusals() throws {
        var group = TaskGroup()
        let a0 = group.advance(0)
        var history = CanonicalHistory(taskID: Samples.task)
        try history.add(a0)
        let fork = group.next(0) { $0.sequence = 0 }
        #expect(throws: CanonicalHistoryError.sequenceTaken(fork.hash, sequence: 0)) { try history.add(fork) }
        let unlinked = group.next(0) { $0.previousMessage = Samples.h("elsewhere") }
        #expect(throws: CanonicalHistoryError.previousMismatch(unlinked.hash, expected: a0.hash)) {
            try history.add(unlinked)
        }
        let own = group.next(0) { $0.appliedPeerMessages = [a0.hash] }
        #expect(throws: CanonicalHistoryError.ownMessageApplied(own.hash, peer: a0.hash)) { try history.add(own) }
        let foreign = group.next(1) { $0.taskID = Samples.h("another task") }
        #expect(throws: CanonicalHistoryError.wrongTask(foreign.hash, task: Samples.h("another task"))) {
            try history.add(foreign)
        }
        #expect(history.count == 1)
    }

    @Test("a per-miner checkpoint matches a canonical history that holds that log, whatever the arrival order")
    func checkpointsOfCanonicalLogs() throws {
        let messages = Self.rounds()
        var a = CanonicalHistory(taskID: Samples.task)
        var b = CanonicalHistory(taskID: Samples.task)
        for message in messages { try a.add(message) }
        for message in messages.reversed() { try b.add(message) }
        let miner = TaskGroup().keys[1]
        // Two supervisors with the same messages sign the same statement (only the signer and signature differ).
        let first = HistoryCheckpoint(log: a.log(of: miner), miner: miner, time: 7, key: Samples.signer(40))
        let second = HistoryCheckpoint(log: b.log(of: miner), miner: miner, time: 7, key: Samples.signer(41))
        #expect(first.size == second.size && first.root == second.root && first.size == 6)
        #expect(first.matches(b) == true && second.matches(a) == true)
        var short = CanonicalHistory(taskID: Samples.task)
        for message in messages.prefix(6) { try short.add(message) }
        #expect(first.matches(short) == nil)  // the receiver's log is shorter: cannot tell yet
        let forged = try MessageHistory(taskID: Samples.task, messages: a.log(of: miner).messages.reversed())
        let lie = HistoryCheckpoint(log: forged, miner: miner, time: 8, key: Samples.signer(40))
        #expect(lie.matches(a) == false)
        let proof = try #require(try? EquivocationProof(first, lie, history: nil))
        #expect(proof.prefix == nil)
    }

    /// The golden vector: two miners with fixed keys, sizes and roots.
    static func goldenVector() -> HistoryVector {
        HistoryVector(entries: [
            HistoryVector.Entry(miner: Samples.key(2), size: 7, root: Samples.h("log b")),
            HistoryVector.Entry(miner: Samples.key(1), size: 3, root: Samples.h("log a")),
        ])
    }

    static func rendering() -> String {
        let vector = goldenVector()
        var lines = vector.entries.enumerated().map { "entry\($0.offset) \(Hex.encode($0.element.canonicalBytes))" }
        lines.append("root \(vector.root.hex)")
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("leaf bytes and root are pinned by Fixtures/protocol/history-vector-v1.txt")
    func golden() throws {
        let rendered = Self.rendering()
        if ProcessInfo.processInfo.environment["POUW_REGENERATE_FIXTURES"] == "1" {
            try rendered.write(toFile: Self.fixture, atomically: true, encoding: .utf8)
        }
        let stored = try String(contentsOfFile: Self.fixture, encoding: .utf8)
        #expect(stored == rendered)
        // The bytes by hand: tag 0x52, version 1, key, size u64 LE, root.
        let entry = Self.goldenVector().entries[0]
        let size = (0..<8).map { UInt8(truncatingIfNeeded: entry.size >> (8 * $0)) }
        #expect(entry.canonicalBytes == [0x52, 0x01] + entry.miner.bytes + size + entry.root.bytes)
        #expect(entry.canonicalBytes.count == 74)
        let leaves = Self.goldenVector().entries.map { MerkleTree.leafHash($0.canonicalBytes) }
        #expect(Self.goldenVector().root == MerkleTree.nodeHash(leaves[0], leaves[1]))
    }
}
