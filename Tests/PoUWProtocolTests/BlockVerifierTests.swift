import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWProtocol
import Testing

@Suite struct BlockVerifierTests {
    static let mining = MiningParameters(parameterCount: 101_770, batchSize: 32)

    /// A world with one miner's 9 messages (message 3 committed to the template; messages 4… apply the first two
    /// messages of a peer, miner 9), the node's canonical history holding all of them, and the header mined from
    /// message 8.
    struct World {
        let artefacts = MemoryArtefacts()
        let tasks = InMemoryTaskCatalog()
        let histories = InMemoryHistories()
        let chain: [IterationMessage]
        let peer: [IterationMessage]
        let history: CanonicalHistory
        let header: BlockHeader

        init() throws {
            let first = Samples.message(sequence: 0, miner: 9, peers: [])
            peer = [first, Samples.message(sequence: 1, previous: first.hash, miner: 9, peers: [])]
            var chain = MiningTests.chain(4, committer: 3, template: MiningTests.template, peers: [])
            chain.append(
                Samples.message(sequence: 4, previous: chain[3].hash, commitment: Samples.h("t4"), peers: [first.hash])
            )
            chain.append(
                Samples.message(
                    sequence: 5,
                    previous: chain[4].hash,
                    commitment: Samples.h("t5"),
                    peers: [peer[1].hash]
                )
            )
            for s in UInt64(6)..<9 {
                chain.append(
                    Samples.message(sequence: s, previous: chain[Int(s) - 1].hash, commitment: .zero, peers: [])
                )
            }
            self.chain = chain
            for message in chain + peer { artefacts.put(message) }
            tasks.register(task: Samples.task, BlockVerifierTests.mining)
            var history = CanonicalHistory(taskID: Samples.task)
            for message in peer + chain { try history.add(message) }
            self.history = history
            histories.set(history)
            let root = try #require(history.root(of: chain[8].hash))
            header = try #require(
                MiningRules.mine(
                    template: MiningTests.template,
                    message: chain[8],
                    historyRoot: root,
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
        // A real canonical root of the history, but the one the previous message saw (it lacks message 8).
        var header = world.header
        let before = try #require(world.history.root(of: world.chain[7].hash))
        header.historyRoot = before
        let verdict = world.verifier.verify(header: header, id: header.id, target: UInt256.max)
        guard case .invalid(let mismatch) = verdict else {
            Issue.record("not invalid: \(verdict)")
            return
        }
        #expect(mismatch.field == "historyRoot")
        #expect(mismatch.claimed == before.hex)
        #expect(mismatch.found.hasPrefix(world.header.historyRoot.hex))
        // The arrival-order root of the same messages is not the canonical one either.
        let arrival = try MessageHistory(taskID: Samples.task, messages: (world.peer + world.chain).map(\.hash))
        header.historyRoot = arrival.root
        guard case .invalid(let arrivalMismatch) = world.verifier.verify(header: header, id: header.id, target: .max)
        else {
            Issue.record("arrival-order root not invalid")
            return
        }
        #expect(arrivalMismatch.field == "historyRoot")
        // A root that leaves out the peer messages the message applied.
        let withoutPeer = HistoryVector(entries: [
            HistoryVector.Entry(
                miner: Samples.key(7),
                size: 9,
                root: try world.history.log(of: Samples.key(7)).root(size: 9)
            )
        ])
        header.historyRoot = withoutPeer.root
        guard case .invalid(let peerMismatch) = world.verifier.verify(header: header, id: header.id, target: .max)
        else {
            Issue.record("root without peers not invalid")
            return
        }
        #expect(peerMismatch.field == "historyRoot")
        // A made-up root is just as invalid: the canonical root is computable, so nothing is left to chance.
        header.historyRoot = Samples.h("made-up root")
        guard case .invalid(let madeUp) = world.verifier.verify(header: header, id: header.id, target: .max) else {
            Issue.record("made-up root not invalid")
            return
        }
        #expect(madeUp.field == "historyRoot")
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

    @Test("a node that holds none of the history fetches what the message references; a missing one is unavailable")
    func historyFromArtefactsAlone() throws {
        let world = try World()
        let bare = BlockVerifier(
            artefacts: world.artefacts,
            tasks: world.tasks,
            histories: InMemoryHistories(),
            replay: nil
        )
        #expect(bare.verify(header: world.header, id: world.header.id, target: .max) == .valid)
        // A node whose history holds another message at a sequence the block's history needs (the miner
        // equivocated) still computes the root from the block's own references.
        var conflicting = CanonicalHistory(taskID: Samples.task)
        let other = Samples.message(sequence: 0, miner: 9, commitment: Samples.h("equivocation"), peers: [])
        try conflicting.add(other)
        let histories = InMemoryHistories()
        histories.set(conflicting)
        let forked = BlockVerifier(artefacts: world.artefacts, tasks: world.tasks, histories: histories, replay: nil)
        #expect(forked.verify(header: world.header, id: world.header.id, target: .max) == .valid)
        // The peer's second message is referenced by message 5 and nobody has it.
        world.artefacts.remove(world.peer[1].hash)
        #expect(
            bare.verify(header: world.header, id: world.header.id, target: .max)
                == .unavailable(.message(world.peer[1].hash))
        )
        // The node that holds the history needs nothing more.
        #expect(world.verify(world.header) == .valid)
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
