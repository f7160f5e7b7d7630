import PoUWCore
import PoUWCrypto
import PoUWProtocol
import Testing

@Suite struct HistoryRecorderTests {
    /// Three miners, each applying the others' previous round in order; every message accepted.
    @Test func honestRoundsAreRecorded() throws {
        var group = TaskGroup()
        var recorder = HistoryRecorder(rules: group.rules)
        var lastRound: [IterationMessage] = []
        for _ in 0..<6 {
            var round: [IterationMessage] = []
            for m in 0..<3 {
                let peers = lastRound.filter { $0.body.minerKey != group.keys[m] }
                let message = group.advance(m, peers: peers)
                try recorder.accept(message)
                round.append(message)
            }
            lastRound = round
        }
        #expect(recorder.history.count == 18)
        #expect(recorder.tips[group.keys[1]]?.sequence == 5)
        let root = recorder.history.root
        let proof = try recorder.history.inclusionProof(of: lastRound[2].hash)
        #expect(MessageHistory.verifyInclusion(messageHash: lastRound[2].hash, proof: proof, root: root))
    }

    /// A recorder holding miners 0 and 1 at sequence 1 (each applied the other's first message).
    static func started() throws -> (TaskGroup, HistoryRecorder, [IterationMessage]) {
        var group = TaskGroup()
        var recorder = HistoryRecorder(rules: group.rules)
        let a0 = group.advance(0)
        let b0 = group.advance(1)
        try recorder.accept(a0)
        try recorder.accept(b0)
        let a1 = group.advance(0, peers: [b0])
        try recorder.accept(a1)
        return (group, recorder, [a0, b0, a1])
    }

    @Test func cheatBatchNotAssignedOrNotInDataset() throws {
        let (group, recorder, _) = try Self.started()
        let assigned = group.assignment.batch(miner: group.keys[1], sequence: 1)!
        let otherIndex = (assigned.index + 1) % 12
        let wrongBatch = group.next(1) {
            $0.batchIndex = otherIndex
            $0.batchHash = group.batchHashes[Int(otherIndex)]
        }
        #expect(
            throws: ArrivalError.batchNotAssigned(
                expected: assigned,
                claimed: AssignedBatch(epoch: assigned.epoch, index: otherIndex)
            )
        ) { try recorder.check(wrongBatch) }
        let foreign = group.next(1) { $0.batchHash = Samples.h("a batch from elsewhere") }
        #expect(
            throws: ArrivalError.batchNotInDataset(index: assigned.index, hash: Samples.h("a batch from elsewhere"))
        ) {
            try recorder.check(foreign)
        }
        let wrongEpoch = group.next(1) { $0.epoch += 1 }
        #expect(throws: ArrivalError.self) { try recorder.check(wrongEpoch) }
    }

    @Test func cheatSkippedOrReorderedPeerUpdates() throws {
        var (group, recorder, messages) = try Self.started()
        let a2 = group.advance(0)
        try recorder.accept(a2)
        // Miner 1 applies miner 0's sequence 1 without sequence 0: skipped.
        let skipping = group.next(1, peers: [messages[2]])
        #expect(throws: ArrivalError.peerSkipped(messages[2].hash, sequence: 1, expected: 0)) {
            try recorder.check(skipping)
        }
        // Sequence 1 before 0: reordered.
        let reordered = group.next(1, peers: [messages[2], messages[0]])
        #expect(throws: ArrivalError.peerOutOfOrder(messages[2].hash, sequence: 1, expected: 0)) {
            try recorder.check(reordered)
        }
        // In order: accepted. Then applying sequence 0 again is a replay of a peer update.
        let inOrder = group.advance(1, peers: [messages[0], messages[2]])
        try recorder.accept(inOrder)
        let again = group.next(1, peers: [messages[0]])
        #expect(throws: ArrivalError.peerAlreadyApplied(messages[0].hash, sequence: 0)) { try recorder.check(again) }
        // Its own message as a peer update.
        let own = group.next(1, peers: [inOrder])
        #expect(throws: ArrivalError.peerIsOwnMessage(inOrder.hash)) { try recorder.check(own) }
        // A peer message the supervisor has not seen: may resolve later.
        let unknown = group.next(1) { $0.appliedPeerMessages = [Samples.h("not yet arrived")] }
        #expect(throws: ArrivalError.peerUnknown(Samples.h("not yet arrived"))) { try recorder.check(unknown) }
        #expect(ArrivalError.peerUnknown(.zero).isDeferrable)
    }

    @Test func cheatStateHashThatDoesNotFollow() throws {
        let (group, recorder, messages) = try Self.started()
        let jumped = group.next(0) { $0.stateHashBefore = Samples.h("a state from nowhere") }
        #expect(
            throws: ArrivalError.chain(
                .stateDoesNotFollow(expected: messages[2].body.stateHashAfter, got: Samples.h("a state from nowhere"))
            )
        ) { try recorder.check(jumped) }
        let relinked = group.next(0) { $0.previousMessage = messages[0].hash }
        #expect(throws: ArrivalError.chain(.previousMismatch(expected: messages[2].hash, got: messages[0].hash))) {
            try recorder.check(relinked)
        }
    }

    @Test func cheatSignedByAnotherKeyOrAltered() throws {
        let (group, recorder, _) = try Self.started()
        let honest = group.next(1)
        let byOther = IterationMessage(
            body: honest.body,
            signature: try MessageSignature(bytes: group.signers[2].sign(honest.body.canonicalBytes))
        )
        #expect(throws: ArrivalError.badSignature(group.keys[1])) { try recorder.check(byOther) }
        var body = honest.body
        body.update = try SparseUpdateWords(words: [1, 4_999])
        #expect(throws: ArrivalError.badSignature(group.keys[1])) {
            try recorder.check(IterationMessage(body: body, signature: honest.signature))
        }
        body.minerKey = Samples.key(9)
        let outsider = try body.signed(with: Samples.signer(9))
        #expect(throws: ArrivalError.notAMember(Samples.key(9))) { try recorder.check(outsider) }
    }

    @Test func cheatReplayedOldMessage() throws {
        var (group, recorder, messages) = try Self.started()
        #expect(throws: ArrivalError.duplicate(messages[0].hash)) { try recorder.accept(messages[0]) }
        // A different, validly signed message for a sequence already taken (an old message replayed in new form).
        group.tips[0] = messages[0]
        let conflicting = group.next(0) { $0.loss = 0.25 }
        #expect(conflicting.body.sequence == 1 && conflicting.hash != messages[2].hash)
        #expect(throws: ArrivalError.chain(.stale(sequence: 1, tip: 1))) { try recorder.check(conflicting) }
        #expect(recorder.history.count == 3)
    }

    @Test func gapsWaitAndRulesOfTheTaskHold() throws {
        var (group, recorder, _) = try Self.started()
        let c0 = group.advance(2)
        let c1 = group.advance(2)
        #expect(throws: ArrivalError.chain(.gap(expected: 0, got: 1))) { try recorder.accept(c1) }
        #expect(ArrivalError.chain(.gap(expected: 0, got: 1)).isDeferrable)
        try recorder.accept(c0)
        try recorder.accept(c1)
        let tooBig = group.next(2) { $0.update = try! SparseUpdateWords(words: [5_000]) }
        #expect(throws: ArrivalError.updateIndexOutOfRange(index: 5_000, parameters: 5_000)) {
            try recorder.check(tooBig)
        }
        let otherTau = group.next(2) { $0.tau = 0.02 }
        #expect(throws: ArrivalError.wrongTau(0.02)) { try recorder.check(otherTau) }
        let otherTask = group.next(2) { $0.taskID = Samples.h("another task") }
        #expect(throws: ArrivalError.wrongTask(Samples.h("another task"))) { try recorder.check(otherTask) }
        #expect(throws: ArrivalError.self) {
            try TaskRules(
                taskID: Samples.task,
                miners: Set(group.keys),
                assignment: group.assignment,
                batchHashes: group.batchHashes,
                datasetRoot: Samples.h("wrong root"),
                parameterCount: 1,
                tau: 1
            )
        }
    }
}

@Suite struct AssignmentAndChainTipTests {
    @Test func seededAssignmentDealsDistinctBatchesPerEpoch() throws {
        let keys = (1...3).map { Samples.key(UInt8($0)) }
        let assignment = try SeededBatchAssignment(seed: Samples.h("seed"), miners: keys.reversed(), batchCount: 10)
        #expect(assignment.miners == keys.sorted())
        #expect(assignment.batchesPerMinerPerEpoch == 3)
        for epoch in UInt64(0)..<4 {
            var seen = Set<UInt32>()
            for key in keys {
                for j in UInt64(0)..<3 {
                    let batch = try #require(assignment.batch(miner: key, sequence: epoch * 3 + j))
                    #expect(batch.epoch == UInt32(epoch))
                    #expect(batch.index < 10)
                    seen.insert(batch.index)
                }
            }
            #expect(seen.count == 9)
        }
        let p0 = SeededBatchAssignment.permutation(seed: Samples.h("seed"), epoch: 0, count: 10)
        let p1 = SeededBatchAssignment.permutation(seed: Samples.h("seed"), epoch: 1, count: 10)
        #expect(p0.sorted() == Array(0..<10) && p0 != p1)
        #expect(assignment.batch(miner: Samples.key(9), sequence: 0) == nil)
        #expect(throws: AssignmentError.tooFewBatches(batches: 2, miners: 3)) {
            try SeededBatchAssignment(seed: .zero, miners: keys, batchCount: 2)
        }
        #expect(throws: AssignmentError.duplicateMiner) {
            try SeededBatchAssignment(seed: .zero, miners: keys + keys, batchCount: 20)
        }
    }

    @Test func chainTipLinksOnlyTheNextMessage() throws {
        let m0 = Samples.message(sequence: 0)
        try MinerChainTip.checkLink(tip: nil, next: m0.body, nextHash: m0.hash)
        let tip = MinerChainTip(m0)
        var next = Samples.body(sequence: 1, previous: m0.hash, stateBefore: m0.body.stateHashAfter)
        try MinerChainTip.checkLink(tip: tip, next: next, nextHash: Samples.h("n"))
        #expect(throws: ChainLinkError.duplicate(m0.hash)) {
            try MinerChainTip.checkLink(tip: tip, next: m0.body, nextHash: m0.hash)
        }
        next.sequence = 2
        #expect(throws: ChainLinkError.gap(expected: 1, got: 2)) {
            try MinerChainTip.checkLink(tip: tip, next: next, nextHash: Samples.h("n"))
        }
        next.sequence = 1
        next.startTime = m0.body.finishTime - 1
        #expect(throws: ChainLinkError.timeWentBack(tipFinish: m0.body.finishTime, start: m0.body.finishTime - 1)) {
            try MinerChainTip.checkLink(tip: tip, next: next, nextHash: Samples.h("n"))
        }
        let other = Samples.body(sequence: 1, previous: m0.hash, stateBefore: m0.body.stateHashAfter, miner: 8)
        #expect(throws: ChainLinkError.wrongMiner) {
            try MinerChainTip.checkLink(tip: tip, next: other, nextHash: Samples.h("n"))
        }
        #expect(throws: ChainLinkError.gap(expected: 0, got: 1)) {
            try MinerChainTip.checkLink(tip: nil, next: other, nextHash: Samples.h("n"))
        }
    }
}
