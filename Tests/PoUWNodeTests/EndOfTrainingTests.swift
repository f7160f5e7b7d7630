import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWML
import PoUWProtocol
import Testing

@testable import PoUWNode

/// The end of training is a protocol event: the client's signed announcement (wire kind 10) reaches every node,
/// miners stop by themselves and the seated evaluator evaluates and sends the TASK_RESULT by itself.
@Suite(.serialized) struct EndOfTrainingTests {
    @Test func announcementIsPinnedByItsGoldenFixtureAndRoundTrips() throws {
        // The digits task of the task-manifest fixture, ended by its client (development account 0).
        let task = try TaskDataTests.preparedDigits()
        let client = DevKeys.privateKey(0)
        let announcement = EndOfTraining.sign(task: task.taskID, key: client)
        let bytes = announcement.canonicalBytes
        #expect(bytes[0] == RecordTag.endOfTraining.rawValue && bytes[1] == EndOfTraining.version)
        #expect(bytes.count == 2 + 32 + 32 + 64)
        #expect(try EndOfTraining(canonicalBytes: bytes) == announcement)
        #expect(throws: CanonicalDecodingError.self) { try EndOfTraining(canonicalBytes: bytes + [0]) }
        #expect(throws: CanonicalDecodingError.self) { try EndOfTraining(canonicalBytes: Array(bytes.dropLast())) }
        let wire = WireMessage.endOfTraining(bytes)
        #expect(wire.canonicalBytes[2] == 10)
        #expect(try WireMessage(canonicalBytes: wire.canonicalBytes) == wire)
        let hex = try NodeTestSupport.pinned(bytes, fixture: "end-of-training-v1")
        // The fixture checks against the task's client and nobody else.
        let decoded = try EndOfTraining(canonicalBytes: try #require(Hex.decode(hex)))
        let clientAccount = Address(publicKey: client.publicKey)
        #expect(throws: Never.self) { try decoded.check(client: clientAccount) }
        let other = Address(publicKey: DevKeys.privateKey(1).publicKey)
        #expect(throws: EndOfTraining.Refusal.notTheClient(task: task.taskID, signer: clientAccount, client: other)) {
            try decoded.check(client: other)
        }
        // The signature covers the task id under its own domain: moved to another task, it no longer verifies.
        let moved = EndOfTraining(
            taskID: Hash256.sha256([1]),
            signer: decoded.signer,
            signature: decoded.signature
        )
        #expect(throws: EndOfTraining.Refusal.badSignature(moved.taskID)) { try moved.check(client: clientAccount) }
    }

    @Test func voteIsPinnedByItsGoldenFixtureAndVerifiesOnlyItsResult() throws {
        // Development account 1's vote on a fixed result of the task-manifest fixture's task.
        let task = try TaskDataTests.preparedDigits()
        let result = TaskResult(taskId: task.taskID, metrics: [1, 2, 3], payouts: [])
        let vote = EvaluatorVote.sign(result, key: DevKeys.privateKey(1))
        let bytes = vote.canonicalBytes
        #expect(bytes[0] == RecordTag.evaluatorVote.rawValue && bytes[1] == EvaluatorVote.version)
        #expect(bytes.count == 2 + 32 + 32 + 32 + 64)
        #expect(try EvaluatorVote(canonicalBytes: bytes) == vote)
        #expect(throws: CanonicalDecodingError.self) { try EvaluatorVote(canonicalBytes: bytes + [0]) }
        #expect(throws: CanonicalDecodingError.self) { try EvaluatorVote(canonicalBytes: Array(bytes.dropLast())) }
        let hex = try NodeTestSupport.pinned(bytes, fixture: "evaluator-vote-v1")
        let decoded = try EvaluatorVote(canonicalBytes: try #require(Hex.decode(hex)))
        #expect(decoded.verifies(message: result.evaluatorMessage))
        let other = TaskResult(taskId: task.taskID, metrics: [1, 2, 4], payouts: [])
        #expect(!decoded.verifies(message: other.evaluatorMessage))
        let wire = WireMessage.evaluatorVote(bytes)
        #expect(wire.canonicalBytes[2] == 11)
        #expect(try WireMessage(canonicalBytes: wire.canonicalBytes) == wire)
    }

    @Test func forgedAnnouncementsAreRefusedAndTheRealOneStopsTheMinersAndSettlesTheTask() throws {
        let directory = try NodeTestSupport.temporaryDirectory("end-of-training")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try NodeTestSupport.network(directory: directory, miners: 2)
        for _ in 0..<12 { try network.round() }
        let id = network.task.taskID
        let training = network.miners.filter { $0.task?.taskID == id }
        #expect(training.count == 2)

        // Forged announcements, handed to every node as if from the client: each refused with its named reason.
        let impostor = try #require(network.miners.first)
        let genuine = EndOfTraining.sign(task: id, key: network.client.key)
        var flipped = genuine.signature
        flipped[5] ^= 0x01
        let otherTask = Hash256.sha256(Array("no such task".utf8))
        let forgeries: [([UInt8], String)] = [
            (
                EndOfTraining.sign(task: id, key: impostor.key).canonicalBytes,
                EndOfTraining.Refusal.notTheClient(task: id, signer: impostor.account, client: network.client.account)
                    .description
            ),
            (
                EndOfTraining.sign(task: otherTask, key: network.client.key).canonicalBytes,
                EndOfTraining.Refusal.unknownTask(otherTask).description
            ),
            (
                EndOfTraining(taskID: id, signer: genuine.signer, signature: flipped).canonicalBytes,
                EndOfTraining.Refusal.badSignature(id).description
            ),
            ([0x82, 1, 2, 3], "undecodable end-of-training announcement"),
        ]
        let others = network.nodes.filter { $0 !== network.client }
        for (bytes, reason) in forgeries {
            for node in others {
                let before = node.statistics.messagesRejected
                node.handle(WireMessage.endOfTraining(bytes).canonicalBytes, from: network.client.address)
                #expect(node.statistics.messagesRejected == before + 1, "\(node.name)")
                let last = try #require(node.statistics.lastMessageRejection)
                #expect(last.hasPrefix(reason), "\(node.name): \(last)")
                #expect(node.endOfTraining.announcements.isEmpty, "\(node.name)")
                #expect(node.endOfTraining.evaluations.isEmpty, "\(node.name)")
            }
        }
        // Garbage never crashes a node; nothing changed: the miners still train the task.
        network.deliver()
        let sequences = training.map { $0.miner?.sequence ?? 0 }
        try network.round()
        for (miner, sequence) in zip(training, sequences) {
            #expect(miner.task?.taskID == id && !miner.hasStopped(id), "\(miner.name)")
            #expect(miner.miner?.sequence == sequence + 1, "\(miner.name)")
        }

        // The client's own announcement: every node accepts it, each miner stops by itself and the evaluator
        // evaluates by itself (the driver only delivers and ticks).
        let evaluation = try network.evaluate()
        let result = try #require(evaluation.result)
        for node in network.nodes {
            #expect(node.endOfTraining.announcements[id] == genuine, "\(node.name)")
        }
        let evaluator = try #require(network.evaluators.first)
        let state = try #require(evaluator.endOfTraining.evaluations[id])
        #expect(state.result == result)
        // Perfect links: every peer announced the evaluator's tip, so the claim names every attested block.
        #expect(state.attestationDepth == 0)
        var finals: [NodeKey: UInt64] = [:]
        for miner in training {
            let stopped = try #require(miner.endOfTraining.stopped[id], "\(miner.name)")
            #expect(miner.miner == nil, "\(miner.name) kept training")
            finals[miner.nodeKey] = stopped.sequence
            // Its final state was stored and reached the evaluator, which scored exactly that model.
            let score = try #require(evaluation.scores.first { $0.miner == miner.nodeKey })
            #expect(score.stateHash == stopped.trainer.stateHash)
            #expect(score.iterations == stopped.sequence)
            #expect(evaluator.artefacts.holds(score.stateHash))
        }
        // A later round trains fillers: the task's history no longer grows, and the TASK_RESULT is mined.
        let history = network.archive.recorders[id]?.history.count
        #expect(try network.confirm(result, limit: 200))
        #expect(network.archive.recorders[id]?.history.count == history)
        for miner in training {
            #expect(miner.task?.taskID != id, "\(miner.name)")
            #expect(miner.task?.filler != nil, "\(miner.name)")
            #expect(miner.endOfTraining.stopped[id]?.sequence == finals[miner.nodeKey])
        }
        #expect(try network.archive.chain.task(id)?.settled == true)
        // The evaluator proposed exactly once; nobody refused anything.
        #expect(evaluator.endOfTraining.evaluations[id]?.result == result)
        for node in network.nodes {
            #expect(node.statistics.blocksInvalid == 0, "\(node.name): \(node.statistics.lastRejection ?? "")")
        }
        // Once the TASK_RESULT is on their chains, the miners stop re-announcing their last messages.
        let announced = training.map { $0.endOfTraining.finalAnnouncements[id] ?? 0 }
        #expect(announced.allSatisfy { $0 > 1 && $0 <= EndOfTrainingState.maxFinalAnnouncements })
        for _ in 0..<12 {
            network.network.advance(by: network.configuration.roundMicroseconds)
            for node in network.nodes { node.tick(now: network.network.now) }
            network.deliver()
        }
        #expect(training.map { $0.endOfTraining.finalAnnouncements[id] ?? 0 } == announced)
        #expect(network.client.endOfTraining.ended == [id])
    }

    @Test func withoutThePeersAgreementTheClaimLeavesTheUnsettledBlocksOut() throws {
        let directory = try NodeTestSupport.temporaryDirectory("end-of-training-fork")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try NodeTestSupport.network(directory: directory, miners: 2)
        for _ in 0..<80 { try network.round() }
        // A peer the evaluator never hears from (cut off): it cannot know that peer's tip, so after waiting
        // `agreementTicks` it claims only the attestations of blocks at least `unsettledDepth` below its tip.
        let supervisor = try #require(network.supervisors.first)
        network.network.setPartitioned(supervisor.address, true)
        let evaluation = try network.evaluate()
        let result = try #require(evaluation.result)
        let evaluator = try #require(network.evaluators.first)
        let state = try #require(evaluator.endOfTraining.evaluations[network.task.taskID])
        #expect(state.attestationDepth == EndOfTrainingState.unsettledDepth)
        #expect(state.ticks >= EndOfTrainingState.agreementTicks)
        #expect(!evaluator.peersAgreeOnTip)
        let tip = evaluator.chain.tip.height
        let claimed = evaluation.claim?.attestations(task: network.task.taskID) ?? []
        #expect(!claimed.isEmpty)
        // The attestations the evaluator heard include later blocks', left out of the claim.
        let heard = evaluator.lifecycle.attestations[network.task.taskID]?.values.map(\.count).reduce(0, +) ?? 0
        #expect(heard > claimed.count)
        for attestation in claimed {
            let height = try #require(try evaluator.chain.indexRecord(attestation.block)?.height)
            #expect(height + EndOfTrainingState.unsettledDepth <= tip)
        }
        // Reconnected, the supervisor catches up and the TASK_RESULT is mined and settles the task.
        network.network.setPartitioned(supervisor.address, false)
        #expect(try network.confirm(result, limit: 200))
        #expect(try network.archive.chain.task(network.task.taskID)?.settled == true)
    }

    @Test func severalEvaluatorsGatherVotesAndOneTaskResultCarriesAQuorum() throws {
        let directory = try NodeTestSupport.temporaryDirectory("evaluator-votes")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = NetworkConfiguration()
        configuration.miners = 2
        configuration.supervisors = 1
        configuration.evaluators = 3
        configuration.checkpointInterval = 10
        let network = try NodeTestSupport.network(directory: directory, configuration: configuration)
        for _ in 0..<12 { try network.round() }
        let id = network.task.taskID
        let selection = try #require(network.archive.lifecycle.selections[id])
        let holders = Set(selection.seats(.evaluator).compactMap { selection.owners[$0] })
        #expect(holders.count == 3)

        // A vote under a key that holds no evaluator seat is refused by name and kept nowhere.
        let stranger = try LocalNetwork.key(name: "stranger", seed: 11)
        let forged = EvaluatorVote(
            taskID: id,
            messageHash: Hash256.sha256([7]),
            signature: EvaluatorSignature(publicKey: stranger.publicKey.bytes, signature: stranger.sign([7]))
        )
        #expect(try EvaluatorVote(canonicalBytes: forged.canonicalBytes) == forged)
        network.miners[0].broadcast(.evaluatorVote(forged.canonicalBytes))
        network.deliver()
        for evaluator in network.evaluators {
            #expect(evaluator.statistics.lastMessageRejection?.contains("holds no evaluator seat") == true)
            #expect(evaluator.endOfTraining.votes[id] == nil)
        }

        let evaluation = try network.evaluate()
        let result = try #require(evaluation.result)
        guard case .taskResult(let body) = result.body else {
            Issue.record("not a TASK_RESULT")
            return
        }
        // A majority of the three holders signed the very result submitted, each once.
        let signers = Set(
            body.evaluatorSignatures.compactMap { try? Address(publicKey: Ed25519.PublicKey(bytes: $0.publicKey)) }
        )
        #expect(signers.count == body.evaluatorSignatures.count && signers.count >= TaskResultRules.quorum(holders: 3))
        #expect(signers.isSubset(of: holders))
        let vote = EvaluatorVote(
            taskID: id,
            messageHash: Hash256.sha256(body.evaluatorMessage),
            signature: try #require(body.evaluatorSignatures.first)
        )
        #expect(vote.verifies(message: body.evaluatorMessage))
        // Exactly one evaluator submitted it; it is mined and the task settles.
        #expect(network.evaluators.filter { $0.endOfTraining.evaluations[id]?.result != nil }.count == 1)
        #expect(try network.confirm(result, limit: 40))
        #expect(try network.archive.chain.task(id)?.settled == true)
    }
}
