import Foundation
import PoUWCore
import PoUWCrypto
import PoUWML
import PoUWProtocol
import Testing

/// Two miners training the digits MLP with the real engine, exchanging updates, with every artefact in a
/// content-addressed set: the basis of the replay tests.
final class DigitsWorld {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let task: TaskDefinition
    let taskID: Hash256
    let batches: [Batch]
    let batchHashes: [Hash256]
    let keys = [Samples.signer(21), Samples.signer(22)]
    let trainers: [Trainer]
    let artefacts = MemoryArtefacts()
    /// Each miner's messages in order.
    var chains: [[IterationMessage]] = [[], []]
    /// How many of the other miner's messages each miner has applied.
    var applied = [0, 0]
    /// State bytes before each message (by message hash), for tests that drop checkpoints.
    var statesBefore: [Hash256: Hash256] = [:]

    init() throws {
        let json = try [UInt8](Data(contentsOf: Self.root.appendingPathComponent("Fixtures/tasks/digits_mlp.json")))
        let task = try TaskDefinition(json: json)
        self.task = task
        taskID = Hash256.sha256(json)
        let dataset = try CSV.load(path: Self.root.appendingPathComponent("Fixtures/digits/digits.csv.gz").path)
        let plan = BatchPlan(sampleCount: dataset.count, batchSize: task.batchSize, seed: 7)
        let batches = (0..<12).map { plan.batch($0, of: dataset) }
        self.batches = batches
        batchHashes = batches.map(\.canonicalHash)
        trainers = (0..<2).map { _ in Trainer(task: task, seed: 7, mode: .pouw(tau: task.effectiveTau)) }
        for batch in batches { artefacts.put(batch) }
        for trainer in trainers { artefacts.put(trainer.state) }
    }

    /// Runs miner `m`'s next iteration on batch `batchIndex`, applying every peer message it has not applied yet
    /// (or `peers` if given); stores the message and the state after.
    @discardableResult
    func iterate(
        _ m: Int,
        batchIndex: Int,
        peers: [IterationMessage]? = nil,
        commitment: Hash256 = .zero
    ) throws -> IterationMessage {
        let other = 1 - m
        let peerMessages = peers ?? Array(chains[other][applied[m]...])
        if peers == nil { applied[m] = chains[other].count }
        let sequence = UInt64(chains[m].count)
        let context = IterationContext(
            taskID: taskID,
            epoch: 0,
            sequence: sequence,
            previousMessage: chains[m].last?.hash ?? .zero,
            batchIndex: UInt32(batchIndex),
            zeroNonceCommitment: commitment,
            startTime: 1_000 * (sequence + 1),
            finishTime: 1_000 * (sequence + 1) + 10
        )
        let outcome = try PoUWIteration.run(
            trainer: trainers[m],
            key: keys[m],
            peers: peerMessages,
            batch: batches[batchIndex],
            context: context
        )
        chains[m].append(outcome.message)
        artefacts.put(outcome.message)
        artefacts.put(trainers[m].state)
        return outcome.message
    }

    var replay: IterationReplay { IterationReplay(task: task, artefacts: artefacts) }
}

@Suite(.serialized) struct IterationReplayTests {
    @Test func honestIterationsReplayValid() throws {
        let world = try DigitsWorld()
        for round in 0..<3 {
            try world.iterate(0, batchIndex: 2 * round)
            try world.iterate(1, batchIndex: 2 * round + 1)
        }
        for message in world.chains[0] + world.chains[1] {
            #expect(world.replay.verify(messageHash: message.hash) == .valid)
            // τ = lr and Adam's first step moves every weight by exactly lr, so a first update is empty.
            #expect((message.body.update.count > 0) == (message.body.sequence > 0))
        }
        // The chain links the replayed states: each state before is the previous state after.
        for chain in world.chains {
            for (a, b) in zip(chain, chain.dropFirst()) { #expect(b.body.stateHashBefore == a.body.stateHashAfter) }
        }
    }

    @Test func fullAuditOfAChainAndItsFirstFailure() throws {
        let world = try DigitsWorld()
        for round in 0..<4 {
            try world.iterate(0, batchIndex: 2 * round)
            try world.iterate(1, batchIndex: 2 * round + 1)
        }
        for chain in world.chains {
            let (verified, verdict) = world.replay.audit(chain: chain)
            #expect(verdict == .valid && verified == 4)
        }
        // Message 2 of miner 0 replaced by one with a forged loss (re-signed; the chain link after it breaks too,
        // but the audit stops at the first failure).
        var chain = world.chains[0]
        chain[2] = try Self.forge(world, 0, chain[2]) { $0.loss = 0 }
        let (verified, verdict) = world.replay.audit(chain: chain)
        #expect(verified == 2)
        guard case .invalid(let mismatch) = verdict else {
            Issue.record("audit passed a forged chain")
            return
        }
        #expect(mismatch.field == "message 2: loss")
    }

    @Test func taskAuditOverTheHistory() throws {
        let world = try DigitsWorld()
        var order: [Hash256] = []
        for round in 0..<3 {
            order.append(try world.iterate(0, batchIndex: 2 * round).hash)
            order.append(try world.iterate(1, batchIndex: 2 * round + 1).hash)
        }
        let report = world.replay.audit(history: try MessageHistory(taskID: world.taskID, messages: order))
        #expect(report.verdict == .valid)
        #expect(report.verified == 6 && report.entries.count == 2)
        // A history missing miner 0's message 1: its chain has a gap.
        let gap = try MessageHistory(taskID: world.taskID, messages: order.filter { $0 != world.chains[0][1].hash })
        guard case .invalid(let mismatch) = world.replay.audit(history: gap).verdict else {
            Issue.record("gap not invalid")
            return
        }
        #expect(mismatch.field == "message 1: sequence")
        // A forged message in place of miner 1's message 2.
        let forged = try Self.forge(world, 1, world.chains[1][2]) { $0.accuracy = 1 }
        let tampered = try MessageHistory(
            taskID: world.taskID,
            messages: order.map { $0 == world.chains[1][2].hash ? forged.hash : $0 }
        )
        guard case .invalid(let second) = world.replay.audit(history: tampered).verdict else {
            Issue.record("forged not invalid")
            return
        }
        #expect(second.field == "message 2: accuracy")
        // A message the history names but nobody has.
        world.artefacts.remove(order[3])
        #expect(
            world.replay.audit(history: try MessageHistory(taskID: world.taskID, messages: order)).verdict
                == .unavailable(.message(order[3]))
        )
    }

    /// Re-signs `message` with its own key after `edit`.
    static func forge(
        _ world: DigitsWorld,
        _ m: Int,
        _ message: IterationMessage,
        _ edit: (inout UnsignedIterationMessage) -> Void
    )
        throws -> IterationMessage
    {
        var body = message.body
        edit(&body)
        let forged = try body.signed(with: world.keys[m])
        world.artefacts.put(forged)
        return forged
    }

    @Test func cheatForgedUpdateIsCaughtByReplay() throws {
        let world = try DigitsWorld()
        let honest = try world.iterate(0, batchIndex: 0)
        // The miner claims a different update (one more +τ step), signs it properly.
        let forged = try Self.forge(world, 0, honest) {
            let extra = ($0.update.words.first ?? 0) ^ 1
            $0.update = try! SparseUpdateWords(words: Array(Set($0.update.words + [extra & 0x7fff_ffff])).sorted())
        }
        guard case .invalid(let mismatch) = world.replay.verify(messageHash: forged.hash) else {
            Issue.record("forged update not invalid")
            return
        }
        #expect(mismatch.field == "update")
        // Claimed loss off by one ulp.
        let loss = try Self.forge(world, 0, honest) { $0.loss = $0.loss.nextUp }
        guard case .invalid(let lossMismatch) = world.replay.verify(messageHash: loss.hash) else {
            Issue.record("forged loss not invalid")
            return
        }
        #expect(lossMismatch.field == "loss")
    }

    /// Peer updates commute (integer counts), so a *reordered* list replays to the same state; reordering is
    /// caught on arrival (`HistoryRecorder`, `peerOutOfOrder`). A skipped or an invented one changes the state.
    @Test func cheatSkippedOrInventedPeerUpdateIsCaughtByReplay() throws {
        let world = try DigitsWorld()
        for round in 0..<2 {
            try world.iterate(0, batchIndex: 2 * round)
            try world.iterate(1, batchIndex: 2 * round + 1)
        }
        let b1 = world.chains[1][1]
        #expect(b1.body.update.count > 0)
        // Applied b1 but does not list it.
        let honest = try world.iterate(0, batchIndex: 4)
        #expect(honest.body.appliedPeerMessages == [b1.hash])
        let unlisted = try Self.forge(world, 0, honest) { $0.appliedPeerMessages = [] }
        guard case .invalid(let mismatch) = world.replay.verify(messageHash: unlisted.hash) else {
            Issue.record("unlisted peer update not invalid")
            return
        }
        #expect(["update", "loss", "accuracy", "overdrive", "stateHashAfter"].contains(mismatch.field))
        // Lists b1 but never applied it (trained from its own state only).
        let skipping = try world.iterate(1, batchIndex: 5, peers: [])
        let claimed = try Self.forge(world, 1, skipping) { $0.appliedPeerMessages = [world.chains[0][2].hash] }
        guard case .invalid(let second) = world.replay.verify(messageHash: claimed.hash) else {
            Issue.record("claimed-but-skipped peer update not invalid")
            return
        }
        #expect(["update", "loss", "accuracy", "overdrive", "stateHashAfter"].contains(second.field))
    }

    @Test func cheatStateHashThatDoesNotFollow() throws {
        let world = try DigitsWorld()
        let honest = try world.iterate(0, batchIndex: 0)
        let jumped = try Self.forge(world, 0, honest) { $0.stateHashAfter = Samples.h("a better model") }
        guard case .invalid(let mismatch) = world.replay.verify(messageHash: jumped.hash) else {
            Issue.record("state jump not invalid")
            return
        }
        #expect(mismatch.field == "stateHashAfter")
        #expect(mismatch.claimed == Samples.h("a better model").hex)
        #expect(mismatch.found == honest.body.stateHashAfter.hex)
    }

    @Test func missingArtefactsAreUnavailableAndStatesRebuildFromEarlierCheckpoints() throws {
        let world = try DigitsWorld()
        for round in 0..<3 {
            try world.iterate(0, batchIndex: 2 * round)
            try world.iterate(1, batchIndex: 2 * round + 1)
        }
        let last = world.chains[0][2]
        // Drop the checkpoints before messages 1 and 2 of miner 0: replay rebuilds from the initial state.
        world.artefacts.remove(world.chains[0][1].body.stateHashBefore)
        world.artefacts.remove(last.body.stateHashBefore)
        #expect(world.replay.verify(messageHash: last.hash) == .valid)
        // Without the batch: unavailable, naming it.
        world.artefacts.remove(last.body.batchHash)
        #expect(world.replay.verify(messageHash: last.hash) == .unavailable(.batch(last.body.batchHash)))
        // Without any state of the chain: unavailable, naming the state before.
        world.artefacts.remove(world.chains[0][0].body.stateHashBefore)
        #expect(world.replay.verify(messageHash: last.hash) == .unavailable(.modelState(last.body.stateHashBefore)))
        #expect(
            world.replay.verify(messageHash: Samples.h("no such message"))
                == .unavailable(.message(Samples.h("no such message")))
        )
    }
}
