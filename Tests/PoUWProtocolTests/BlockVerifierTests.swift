import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWProtocol
import Testing

@Suite struct BlockVerifierTests {
    static let mining = MiningParameters(parameterCount: 101_770, batchSize: 32)

    /// A world with one miner's 9 messages (message 3 committed to the template), a recorded history that holds
    /// them after two unrelated messages, and the header mined from message 8.
    struct World {
        let artefacts = MemoryArtefacts()
        let tasks = InMemoryTaskCatalog()
        let histories = InMemoryHistories()
        let chain: [IterationMessage]
        let history: MessageHistory
        let header: BlockHeader

        init() throws {
            chain = MiningTests.chain(9, committer: 3, template: MiningTests.template)
            for message in chain { artefacts.put(message) }
            tasks.register(task: Samples.task, BlockVerifierTests.mining)
            history = try MessageHistory(
                taskID: Samples.task,
                messages: [Samples.h("other 1"), Samples.h("other 2")] + chain.map(\.hash)
            )
            histories.set(history)
            header = try #require(
                MiningRules.mine(
                    template: MiningTests.template,
                    message: chain[8],
                    historyRoot: history.root,
                    parameters: BlockVerifierTests.mining.parameterCount,
                    batchSize: BlockVerifierTests.mining.batchSize
                )
            )
        }

        var verifier: BlockVerifier {
            BlockVerifier(artefacts: artefacts, tasks: tasks, histories: histories, replay: nil)
        }

        func verify(_ header: BlockHeader) -> Verdict {
            verifier.verify(header: header, id: header.id, target: try! CompactTarget.decode(header.bits))
        }
    }

    @Test func honestBlockIsValidAndPassesTheChainHook() throws {
        let world = try World()
        #expect(world.verify(world.header) == .valid)
        let validator = PoUWWorkValidator(verifier: world.verifier)
        try validator.validateWork(
            header: world.header,
            id: world.header.id,
            target: try CompactTarget.decode(world.header.bits)
        )
        // The replay step runs last and decides.
        let failing = BlockVerifier(
            artefacts: world.artefacts,
            tasks: world.tasks,
            histories: world.histories,
            replay: { _ in .invalid(Mismatch(field: "loss", claimed: "1", found: "2")) }
        )
        #expect(
            failing.verify(
                header: world.header,
                id: world.header.id,
                target: try CompactTarget.decode(world.header.bits)
            )
                == .invalid(Mismatch(field: "loss", claimed: "1", found: "2"))
        )
    }

    @Test func cheatNonceOutsideTheInterval() throws {
        let world = try World()
        var header = world.header
        header.nonce = Samples.h("ground nonce")
        let verdict = world.verifier.verify(header: header, id: header.id, target: .max)
        guard case .invalid(let mismatch) = verdict else {
            Issue.record("not invalid")
            return
        }
        #expect(mismatch.field == "nonce")
    }

    @Test func cheatBrokenZeroNonceCommitment() throws {
        let world = try World()
        var header = world.header
        header.time += 1  // a template the miner never committed to
        let changed = world.verifier.verify(header: header, id: header.id, target: .max)
        guard case .invalid(let mismatch) = changed else {
            Issue.record("not invalid")
            return
        }
        #expect(mismatch.field == "zeroNonceCommitment")
        // A block from a message among the first k.
        var early = world.header
        early.msgHash = world.chain[2].hash
        let interval = NonceInterval(message: world.chain[2].body, parameters: 101_770, batchSize: 32)
        early.nonce = interval.nonce(at: 0)
        let verdict = world.verifier.verify(header: early, id: early.id, target: UInt256.max)
        guard case .invalid(let tooEarly) = verdict else {
            Issue.record("not invalid: \(verdict)")
            return
        }
        #expect(tooEarly.field == "zeroNonceCommitment")
    }

    @Test func cheatHistoryRootThatDoesNotContainTheMessage() throws {
        let world = try World()
        // A real root of the history, but from before the message was recorded.
        var header = world.header
        header.historyRoot = try world.history.root(size: 10)
        let verdict = world.verifier.verify(header: header, id: header.id, target: UInt256.max)
        guard case .invalid(let mismatch) = verdict else {
            Issue.record("not invalid: \(verdict)")
            return
        }
        #expect(mismatch.field == "historyRoot")
        // A root no history here has: cannot be judged, so unavailable.
        header.historyRoot = Samples.h("made-up root")
        #expect(
            world.verifier.verify(header: header, id: header.id, target: .max) == .unavailable(.history(Samples.task))
        )
    }

    @Test func cheatMessageSignedByAnotherKey() throws {
        let world = try World()
        let body = world.chain[8].body
        let forged = IterationMessage(
            body: body,
            signature: try MessageSignature(bytes: Samples.signer(8).sign(body.canonicalBytes))
        )
        world.artefacts.put(forged)
        var header = world.header
        header.msgHash = forged.hash
        let verdict = world.verifier.verify(header: header, id: header.id, target: .max)
        guard case .invalid(let mismatch) = verdict else {
            Issue.record("not invalid: \(verdict)")
            return
        }
        #expect(mismatch.field == "signature")
    }

    @Test func missingArtefactsAreUnavailableNotInvalid() throws {
        let world = try World()
        world.artefacts.remove(world.chain[4].hash)
        #expect(world.verify(world.header) == .unavailable(.message(world.chain[4].hash)))
        world.artefacts.remove(world.chain[8].hash)
        #expect(world.verify(world.header) == .unavailable(.message(world.chain[8].hash)))
        let empty = BlockVerifier(
            artefacts: MemoryArtefacts(),
            tasks: InMemoryTaskCatalog(),
            histories: InMemoryHistories(),
            replay: nil
        )
        #expect(
            empty.verify(header: world.header, id: world.header.id, target: .max)
                == .unavailable(.message(world.header.msgHash))
        )
        let noTask = BlockVerifier(
            artefacts: world.artefacts,
            tasks: InMemoryTaskCatalog(),
            histories: world.histories,
            replay: nil
        )
        world.artefacts.put(world.chain[8])
        #expect(
            noTask.verify(header: world.header, id: world.header.id, target: .max) == .unavailable(.task(Samples.task))
        )
        let validator = PoUWWorkValidator(verifier: noTask)
        #expect(throws: ValidationError.workRejected(reason: "unavailable: task \(Samples.task.hex)")) {
            try validator.validateWork(header: world.header, id: world.header.id, target: .max)
        }
    }

    @Test func blockAboveTargetIsInvalid() throws {
        let world = try World()
        let verdict = world.verifier.verify(header: world.header, id: world.header.id, target: .zero)
        guard case .invalid(let mismatch) = verdict else {
            Issue.record("not invalid")
            return
        }
        #expect(mismatch.field == "blockID")
    }
}
