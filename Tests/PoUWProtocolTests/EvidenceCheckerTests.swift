import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWML
import PoUWProtocol
import Testing

/// One miner training the digits MLP for real under a task whose id is its PAY_FOR_TASK's (as on chain), with
/// every artefact (task transaction, batches, states, messages) in a content-addressed set.
final class EvidenceWorld {
    let key = Samples.signer(31)
    let task: TaskDefinition
    let payForTask: Transaction
    let batches: [Batch]
    let trainer: Trainer
    let artefacts = MemoryArtefacts()
    var chain: [IterationMessage] = []

    var taskID: Hash256 { payForTask.id }
    var checker: ReplayEvidenceChecker { ReplayEvidenceChecker(artefacts: artefacts) }
    var offender: Address { NodeKey(key.publicKey).accountAddress }

    init() throws {
        let json = try [UInt8](
            Data(contentsOf: DigitsWorld.root.appendingPathComponent("Fixtures/tasks/digits_mlp.json"))
        )
        task = try TaskDefinition(json: json)
        let dataset = try CSV.load(path: DigitsWorld.root.appendingPathComponent("Fixtures/digits/digits.csv.gz").path)
        let plan = BatchPlan(sampleCount: dataset.count, batchSize: task.batchSize, seed: 3)
        batches = (0..<4).map { plan.batch($0, of: dataset) }
        let client = DevKeys.privateKey(0)
        payForTask = Transaction(
            body: .payForTask(
                PayForTask(
                    taskDefinition: json,
                    datasetRoot: TaskRules.datasetRoot(batchHashes: batches.map(\.canonicalHash)),
                    testSetRoot: Samples.h("test set"),
                    escrow: Amount(units: 1_000)
                )
            ),
            signer: client.publicKey,
            sequence: 0,
            fee: Amount(units: 10)
        ).signed(with: client)
        trainer = Trainer(task: task, seed: 3, mode: .pouw(tau: task.effectiveTau))
        artefacts.put(payForTask.canonicalBytes)
        for batch in batches { artefacts.put(batch) }
        artefacts.put(trainer.state)
    }

    /// The miner's next honest iteration (stored with its state after).
    @discardableResult
    func iterate() throws -> IterationMessage {
        let sequence = UInt64(chain.count)
        let outcome = try PoUWIteration.run(
            trainer: trainer,
            key: key,
            peers: [],
            batch: batches[chain.count % batches.count],
            context: IterationContext(
                taskID: taskID,
                epoch: 0,
                sequence: sequence,
                previousMessage: chain.last?.hash ?? .zero,
                batchIndex: UInt32(chain.count % batches.count),
                zeroNonceCommitment: .zero,
                startTime: 1_000 * (sequence + 1),
                finishTime: 1_000 * (sequence + 1) + 10
            )
        )
        chain.append(outcome.message)
        artefacts.put(outcome.message)
        artefacts.put(trainer.state)
        return outcome.message
    }

    /// `message` with its content edited and signed again by `signer` (default: the miner): a forged claim.
    func forged(
        _ message: IterationMessage,
        signer: Ed25519.PrivateKey? = nil,
        _ edit: (inout UnsignedIterationMessage) -> Void
    ) throws -> IterationMessage {
        var body = message.body
        edit(&body)
        let key = signer ?? self.key
        let signature = try MessageSignature(bytes: key.sign(body.canonicalBytes))
        let forged = IterationMessage(body: body, signature: signature)
        artefacts.put(forged)
        return forged
    }
}

@Suite("EVIDENCE checked by replay and signatures")
struct EvidenceCheckerTests {
    static func expectNotProven(
        _ verdict: EvidenceVerdict,
        containing text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .notProven(let reason) = verdict else {
            Issue.record("proven; expected a rejection containing \"\(text)\"", sourceLocation: sourceLocation)
            return
        }
        #expect(reason.contains(text), "\(reason)", sourceLocation: sourceLocation)
    }

    @Test("failedReplay: a forged update or loss is proven; an honest message and forged evidence are not")
    func failedReplay() throws {
        let world = try EvidenceWorld()
        let honest = try world.iterate()
        let ticket = Samples.h("ticket")
        let checker = world.checker

        // Honest message: a false accusation.
        Self.expectNotProven(checker.check(.failedReplay(honest, ticket: ticket)), containing: "replays exactly")

        // The miner signs a message whose loss, or whose update, is not what the step produced.
        let lossCheat = try world.forged(honest) { $0.loss = $0.loss.nextUp }
        #expect(checker.check(.failedReplay(lossCheat, ticket: ticket)) == .proven)
        let words = honest.body.update.words
        let updateCheat = try world.forged(honest) {
            $0.update = try! SparseUpdateWords(words: words.count > 1 ? Array(words.dropLast()) : [7])
        }
        #expect(checker.check(.failedReplay(updateCheat, ticket: ticket)) == .proven)

        // Forged evidence: the cheat attributed to someone else.
        var wrongOffender = PoUWEconomics.Evidence.failedReplay(lossCheat, ticket: ticket)
        wrongOffender = PoUWEconomics.Evidence(
            kind: .failedReplay,
            taskId: wrongOffender.taskId,
            offender: DevKeys.address(3),
            offenderTicket: ticket,
            payload: wrongOffender.payload
        )
        Self.expectNotProven(checker.check(wrongOffender), containing: "not by the offender")
        // A message in the miner's name signed by another key binds nobody.
        let impostor = try world.forged(honest, signer: Samples.signer(32)) { $0.loss = 9 }
        Self.expectNotProven(checker.check(.failedReplay(impostor, ticket: ticket)), containing: "not validly signed")
        // Another task than the message's.
        let otherTask = PoUWEconomics.Evidence(
            kind: .failedReplay,
            taskId: Samples.task,
            offender: world.offender,
            offenderTicket: ticket,
            payload: FailedReplayProof(messageHash: lossCheat.hash).canonicalBytes
        )
        Self.expectNotProven(checker.check(otherTask), containing: "belongs to task")
        // A payload of another kind.
        let garbage = PoUWEconomics.Evidence(
            kind: .failedReplay,
            taskId: world.taskID,
            offender: world.offender,
            offenderTicket: ticket,
            payload: [0x58, 0x01, 0x00]
        )
        Self.expectNotProven(checker.check(garbage), containing: "not a failed-replay proof")
    }

    @Test("failedReplay: a missing message, batch, state or task is 'unavailable', never proven")
    func failedReplayUnavailable() throws {
        let world = try EvidenceWorld()
        try world.iterate()
        let second = try world.iterate()
        let cheat = try world.forged(second) { $0.accuracy = 1 }
        let evidence = PoUWEconomics.Evidence.failedReplay(cheat, ticket: Samples.h("ticket"))
        #expect(world.checker.check(evidence) == .proven)

        // The state before the cheat is also rebuilt from the first message when its checkpoint is gone.
        world.artefacts.remove(second.body.stateHashBefore)
        #expect(world.checker.check(evidence) == .proven)

        let batch = cheat.body.batchHash
        let batchBytes = try #require(world.artefacts.bytes(for: batch))
        world.artefacts.remove(batch)
        Self.expectNotProven(world.checker.check(evidence), containing: "unavailable: batch")
        world.artefacts.put(batchBytes)

        world.artefacts.remove(world.trainer.state.canonicalHash)  // irrelevant state: still proven
        world.artefacts.remove(world.chain[0].body.stateHashBefore)
        Self.expectNotProven(world.checker.check(evidence), containing: "unavailable: model state")
        world.artefacts.put(Trainer(task: world.task, seed: 3, mode: .pouw(tau: world.task.effectiveTau)).state)
        #expect(world.checker.check(evidence) == .proven)

        world.artefacts.remove(world.taskID)
        Self.expectNotProven(world.checker.check(evidence), containing: "unavailable: task")
        world.artefacts.put(world.payForTask.canonicalBytes)

        world.artefacts.remove(cheat.hash)
        Self.expectNotProven(world.checker.check(evidence), containing: "unavailable: message")
    }

    @Test("doubleSignature: two signed messages for one slot are proven; anything else is not")
    func doubleSignature() throws {
        let a = Samples.message(sequence: 4, previous: Samples.h("p"))
        var body = a.body
        body.loss = 1.25
        let b = try body.signed(with: Samples.signer(7))
        let ticket = Samples.h("ticket")
        let checker = ReplayEvidenceChecker(artefacts: MemoryArtefacts())  // self-contained: no artefact needed
        let proof = try DoubleSignatureProof(b, a)
        #expect(proof.firstHash.bytes.lexicographicallyPrecedes(proof.secondHash.bytes))
        #expect(proof.isEmbedded && proof.canonicalBytes[1] == 1)
        #expect(try DoubleSignatureProof(canonicalBytes: proof.canonicalBytes) == proof)
        let evidence = PoUWEconomics.Evidence.doubleSignature(proof, ticket: ticket)
        #expect(evidence.offender == Samples.key(7).accountAddress)
        #expect(checker.check(evidence) == .proven)

        #expect(throws: DoubleSignatureProof.Failure.sameMessage) { try DoubleSignatureProof(a, a) }
        let next = Samples.message(sequence: 5, previous: a.hash)
        #expect(throws: DoubleSignatureProof.Failure.differentSlot) { try DoubleSignatureProof(a, next) }

        // Hand-encoded forgeries: different slots, a forged second signature, the wrong offender.
        func encoded(_ x: IterationMessage, _ y: IterationMessage) -> [UInt8] {
            let (p, q) = x.hash.bytes.lexicographicallyPrecedes(y.hash.bytes) ? (x, y) : (y, x)
            var writer = ByteWriter()
            writer.header(tag: .doubleSignatureProof, version: 1)
            writer.lengthPrefixed(p.canonicalBytes)
            writer.lengthPrefixed(q.canonicalBytes)
            return writer.bytes
        }
        func accusation(_ payload: [UInt8], offender: Address = Samples.key(7).accountAddress) -> PoUWEconomics.Evidence
        {
            PoUWEconomics.Evidence(
                kind: .doubleSignature,
                taskId: Samples.task,
                offender: offender,
                offenderTicket: ticket,
                payload: payload
            )
        }
        Self.expectNotProven(checker.check(accusation(encoded(a, next))), containing: "different slots")
        let unsigned = IterationMessage(body: body, signature: a.signature)
        Self.expectNotProven(checker.check(accusation(encoded(a, unsigned))), containing: "not validly signed")
        Self.expectNotProven(
            checker.check(accusation(proof.canonicalBytes, offender: Samples.key(8).accountAddress)),
            containing: "not by the offender"
        )
        // Decoding refuses the same message twice and a misordered pair.
        #expect(throws: CanonicalDecodingError.self) {
            var writer = ByteWriter()
            writer.header(tag: .doubleSignatureProof, version: 1)
            writer.lengthPrefixed(a.canonicalBytes)
            writer.lengthPrefixed(a.canonicalBytes)
            _ = try DoubleSignatureProof(canonicalBytes: writer.bytes)
        }
    }

    @Test("doubleSignature by hash: large messages fit the EVIDENCE cap; proven once both are fetched")
    func doubleSignatureByHash() throws {
        let proof = try EvidenceFixtureTests.largeDoubleSignature()
        #expect(!proof.isEmbedded && proof.canonicalBytes[1] == 2 && proof.canonicalBytes.count == 2 + 136)
        let decoded = try DoubleSignatureProof(canonicalBytes: proof.canonicalBytes)
        #expect(decoded == proof && decoded.messages.isEmpty)
        let evidence = PoUWEconomics.Evidence.doubleSignature(decoded, ticket: Samples.h("ticket"))
        #expect(evidence.canonicalBytes.count < TransactionLimits.evidenceProofBytes)
        // The embedded form of the same pair would not fit the cap.
        #expect(proof.messages.reduce(0) { $0 + $1.canonicalBytes.count } > DoubleSignatureProof.maxEmbeddedBytes)
        let artefacts = MemoryArtefacts()
        let checker = ReplayEvidenceChecker(artefacts: artefacts)
        Self.expectNotProven(checker.check(evidence), containing: "unavailable: message")
        _ = artefacts.put(proof.messages[0])
        Self.expectNotProven(checker.check(evidence), containing: "unavailable: message")
        _ = artefacts.put(proof.messages[1])
        #expect(checker.check(evidence) == .proven)
        // A by-hash proof stating another slot than the messages' is not proven.
        var writer = ByteWriter()
        writer.header(tag: .doubleSignatureProof, version: 2)
        writer.hash(proof.taskID)
        writer.raw(proof.minerKey.bytes)
        writer.u64(proof.sequence + 1)
        writer.hash(proof.firstHash)
        writer.hash(proof.secondHash)
        let wrongSlot = PoUWEconomics.Evidence(
            kind: .doubleSignature,
            taskId: proof.taskID,
            offender: proof.minerKey.accountAddress,
            offenderTicket: Samples.h("ticket"),
            payload: writer.bytes
        )
        Self.expectNotProven(checker.check(wrongSlot), containing: "not for the slot the proof states")
        // An embedded (v1) encoding of messages this large is not canonical.
        #expect(throws: CanonicalDecodingError.self) {
            var writer = ByteWriter()
            writer.header(tag: .doubleSignatureProof, version: 1)
            writer.lengthPrefixed(proof.messages[0].canonicalBytes)
            writer.lengthPrefixed(proof.messages[1].canonicalBytes)
            _ = try DoubleSignatureProof(canonicalBytes: writer.bytes)
        }
    }

    /// Supervisor 41's checkpoints over histories of sample message hashes.
    static func history(_ labels: [String]) throws -> MessageHistory {
        try MessageHistory(taskID: Samples.task, messages: labels.map { Samples.h($0) })
    }

    static func checkpoint(
        _ history: MessageHistory,
        key: UInt8 = 41,
        time: UInt64 = 5,
        miner: UInt8 = 1
    ) -> HistoryCheckpoint {
        HistoryCheckpoint(log: history, miner: Samples.key(miner), time: time, key: Samples.signer(key))
    }

    @Test("equivocatingCheckpoint: same size different roots, or an inconsistent prefix, is proven")
    func equivocation() throws {
        let ticket = Samples.h("ticket")
        let checker = ReplayEvidenceChecker(artefacts: MemoryArtefacts())
        let supervisor = Samples.key(41).accountAddress
        let h3 = try Self.history(["a", "b", "c"])
        let fork3 = try Self.history(["a", "x", "c"])
        let h2 = try Self.history(["a", "b"])
        let fork5 = try Self.history(["a", "x", "c", "d", "e"])

        // Same size, different roots.
        let same = try EquivocationProof(Self.checkpoint(fork3), Self.checkpoint(h3), history: nil)
        #expect(same.prefix == nil)
        #expect(try EquivocationProof(canonicalBytes: same.canonicalBytes) == same)
        let sameEvidence = PoUWEconomics.Evidence.equivocatingCheckpoint(same, ticket: ticket)
        #expect(sameEvidence.offender == supervisor)
        #expect(checker.check(sameEvidence) == .proven)

        // Size 2 of one history, size 5 of a history that does not extend it (proof from the larger history).
        let grown = try EquivocationProof(Self.checkpoint(fork5), Self.checkpoint(h2), history: fork5)
        #expect(grown.smaller.size == 2 && grown.larger.size == 5)
        #expect(try EquivocationProof(canonicalBytes: grown.canonicalBytes) == grown)
        #expect(checker.check(.equivocatingCheckpoint(grown, ticket: ticket)) == .proven)
        // Power-of-two old size (the old root is part of the proof path) and old size 1.
        let four = try EquivocationProof(
            Self.checkpoint(try Self.history(["a", "b", "c", "d"])),
            Self.checkpoint(try Self.history(["a", "b", "y", "d", "e", "f"])),
            history: try Self.history(["a", "b", "y", "d", "e", "f"])
        )
        #expect(checker.check(.equivocatingCheckpoint(four, ticket: ticket)) == .proven)

        // An honest supervisor: size 2 then size 3 of one growing history is consistent.
        #expect(throws: EquivocationProof.Failure.consistent) {
            try EquivocationProof(Self.checkpoint(h2), Self.checkpoint(h3), history: h3)
        }
        #expect(throws: EquivocationProof.Failure.identical) {
            try EquivocationProof(Self.checkpoint(h3), Self.checkpoint(h3, time: 9), history: nil)
        }
        #expect(throws: EquivocationProof.Failure.historyDoesNotMatch) {
            try EquivocationProof(Self.checkpoint(h2), Self.checkpoint(fork5), history: h3)
        }
        #expect(throws: EquivocationProof.Failure.differentTaskOrSupervisor) {
            try EquivocationProof(Self.checkpoint(h3), Self.checkpoint(fork3, key: 42), history: nil)
        }
        // Two miners' logs may differ: that is no equivocation.
        #expect(throws: EquivocationProof.Failure.differentMiner) {
            try EquivocationProof(Self.checkpoint(h3), Self.checkpoint(fork3, miner: 2), history: nil)
        }

        // Forged: the prefix root swapped for one that is not the larger tree's (offset: tag+version, two
        // 210-byte checkpoints, the flag).
        var tampered = grown.canonicalBytes
        let offset = 2 + 210 + 210 + 1
        tampered.replaceSubrange(offset..<offset + 32, with: Samples.h("made up").bytes)
        let forged = PoUWEconomics.Evidence(
            kind: .equivocatingCheckpoint,
            taskId: Samples.task,
            offender: supervisor,
            offenderTicket: ticket,
            payload: tampered
        )
        Self.expectNotProven(checker.check(forged), containing: "does not bind the prefix root")
        // Forged: a checkpoint whose signature is not the supervisor's.
        let real = Self.checkpoint(h3)
        let fake = HistoryCheckpoint(
            taskID: real.taskID,
            supervisor: real.supervisor,
            miner: real.miner,
            size: 3,
            root: fork3.root,
            time: 5,
            signature: Self.checkpoint(fork3, key: 42).signature
        )
        let unsigned = try EquivocationProof(real, fake, history: nil)
        Self.expectNotProven(
            checker.check(.equivocatingCheckpoint(unsigned, ticket: ticket)),
            containing: "does not verify"
        )
        // The wrong offender.
        let blamed = PoUWEconomics.Evidence(
            kind: .equivocatingCheckpoint,
            taskId: Samples.task,
            offender: Samples.key(42).accountAddress,
            offenderTicket: ticket,
            payload: same.canonicalBytes
        )
        Self.expectNotProven(checker.check(blamed), containing: "not the offender's")
    }
}
