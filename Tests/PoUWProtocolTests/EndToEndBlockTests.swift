import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWML
import PoUWProtocol
import Testing

/// Real training → message with a zero-nonce commitment → mined block → a `Blockchain` whose work validator
/// replays the iteration: the honest block connects; a block from a message with a forged update (validly
/// signed, nonce from the forged message's own interval) is rejected by the replay.
@Suite(.serialized) struct EndToEndBlockTests {
    @Test func replayedBlockConnectsAndForgedUpdateBlockIsRejected() throws {
        let world = try DigitsWorld()
        let parameters = MiningParameters(
            parameterCount: UInt64(world.trainers[0].architecture.parameterCount),
            batchSize: 32
        )
        let tasks = InMemoryTaskCatalog()
        tasks.register(task: world.taskID, parameters)
        let histories = InMemoryHistories()
        let replay = world.replay
        let verifier = BlockVerifier(
            artefacts: world.artefacts,
            tasks: tasks,
            histories: histories,
            replay: { replay.verify($0) }
        )
        let chain = try Blockchain(
            storage: MemoryChainStorage(),
            parameters: .local,
            work: PoUWWorkValidator(verifier: verifier)
        )
        let context = try chain.nextBlockContext()
        let miner = Address(publicKey: world.keys[0].publicKey)
        // Message s commits to the template with time mtp + 1 + s; try producing messages s + 5 in turn.
        func block(_ s: Int) -> Block {
            BlockAssembler.assemble(
                context: context,
                transactions: [],
                miner: miner,
                time: context.medianTimePast + 1 + UInt64(s),
                parameters: chain.parameters
            )
        }
        var history = CanonicalHistory(taskID: world.taskID)
        var before = history
        var mined: Block?
        var producing: IterationMessage?
        for s in 0..<11 where mined == nil {
            let message = try world.iterate(
                0,
                batchIndex: s,
                commitment: BlockTemplate(header: block(s).header).commitment
            )
            before = history
            try history.add(message)
            histories.set(history)
            guard s >= 5 else { continue }
            let template = BlockTemplate(header: block(s - 5).header)
            let root = try #require(history.root(of: message.hash))
            if let header = MiningRules.mine(
                template: template,
                message: message,
                historyRoot: root,
                parameters: parameters.parameterCount,
                batchSize: parameters.batchSize
            ) {
                var b = block(s - 5)
                b.header = header
                mined = b
                producing = message
            }
        }
        let honest = try #require(mined)
        let message = try #require(producing)
        #expect(replay.verify(message) == .valid)

        // The same slot, but the miner claims a different update: signed, in the history, with a nonce from the
        // forged message's own interval. Only the replay can tell.
        // The history the forged message saw: the miner's chain up to its predecessor, then the forged message. The
        // node's own history holds the honest message at that sequence; the verifier computes the forged one's
        // root from its references alone. The forged message keeps the chain (same commitment k back), so only the
        // header's nonce and history root differ; the cheater drops update words until its nonce meets the target.
        var cheat = honest
        var forgedMessage: IterationMessage?
        for dropped in 1..<32 where forgedMessage == nil {
            var body = message.body
            body.update = try SparseUpdateWords(words: Array(body.update.words.dropLast(dropped)))
            let candidate = try body.signed(with: world.keys[0])
            var forgedHistory = before
            try forgedHistory.add(candidate)
            let forgedRoot = try #require(forgedHistory.root(of: candidate.hash))
            if let header = MiningRules.mine(
                template: BlockTemplate(header: cheat.header),
                message: candidate,
                historyRoot: forgedRoot,
                parameters: parameters.parameterCount,
                batchSize: parameters.batchSize
            ) {
                cheat.header = header
                forgedMessage = candidate
            }
        }
        let forged = try #require(forgedMessage)
        world.artefacts.put(forged)
        ChainIntegrationTests.expectWorkRejected(chain, cheat, prefix: "invalid: update")
        #expect(chain.tip.id == chain.genesis.id)
        guard case .invalid(let mismatch) = replay.verify(forged) else {
            Issue.record("forged not invalid")
            return
        }
        #expect(mismatch.field == "update")

        let report = try chain.process(honest)
        guard case .extended = report.outcome else {
            Issue.record("honest block not connected: \(report)")
            return
        }
        #expect(chain.tip.id == honest.id)
    }
}
