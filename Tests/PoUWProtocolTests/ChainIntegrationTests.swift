import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWProtocol
import Testing

/// PoUWWorkValidator installed in a real `Blockchain`: a block mined from an iteration message connects; the
/// cheats the validator catches are rejected with a named reason and leave the chain as it was.
@Suite struct ChainIntegrationTests {
    struct Mined {
        let block: Block
        let messages: [IterationMessage]
    }

    /// Assembles a block on the tip and mines it from a fresh 9-message chain whose message 3 committed to its
    /// template (trying successive times until one of the 3 allowed nonces meets the local target).
    static func mine(
        on chain: Blockchain,
        artefacts: MemoryArtefacts,
        histories: InMemoryHistories,
        minerSeed: UInt8 = 7
    ) throws -> Mined {
        let context = try chain.nextBlockContext()
        for extra in UInt64(0)..<64 {
            let block = BlockAssembler.assemble(
                context: context,
                transactions: [],
                miner: Address(publicKey: Samples.signer(minerSeed).publicKey),
                time: context.medianTimePast + 1 + extra,
                parameters: chain.parameters
            )
            let template = BlockTemplate(header: block.header)
            var messages: [IterationMessage] = []
            for sequence in UInt64(0)..<9 {
                messages.append(
                    Samples.message(
                        sequence: sequence,
                        previous: messages.last?.hash ?? .zero,
                        miner: minerSeed,
                        commitment: sequence == 3 ? template.commitment : .zero,
                        peers: []
                    )
                )
            }
            var history = histories.canonicalHistory(task: Samples.task) ?? CanonicalHistory(taskID: Samples.task)
            for message in messages { try history.add(message) }
            guard
                let root = history.root(of: messages[8].hash),
                let header = MiningRules.mine(
                    template: template,
                    message: messages[8],
                    historyRoot: root,
                    parameters: BlockVerifierTests.mining.parameterCount,
                    batchSize: BlockVerifierTests.mining.batchSize
                )
            else { continue }
            for message in messages { artefacts.put(message) }
            histories.set(history)
            var mined = block
            mined.header = header
            return Mined(block: mined, messages: messages)
        }
        throw ChainError.notFound("no nonce in 64 templates")
    }

    static func expectWorkRejected(_ chain: Blockchain, _ block: Block, prefix: String) {
        do {
            _ = try chain.process(block)
            Issue.record("block accepted")
        } catch ChainError.invalidBlock(_, .workRejected(let reason)) {
            #expect(reason.hasPrefix(prefix), "\(reason)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func minedBlockConnectsAndCheatsAreRejected() throws {
        let artefacts = MemoryArtefacts()
        let tasks = InMemoryTaskCatalog()
        tasks.register(task: Samples.task, BlockVerifierTests.mining)
        let histories = InMemoryHistories()
        let verifier = BlockVerifier(artefacts: artefacts, tasks: tasks, histories: histories, replay: nil)
        let chain = try Blockchain(
            storage: MemoryChainStorage(),
            parameters: .local,
            work: PoUWWorkValidator(verifier: verifier)
        )
        let first = try Self.mine(on: chain, artefacts: artefacts, histories: histories)
        let report = try chain.process(first.block)
        guard case .extended(let tip) = report.outcome else {
            Issue.record("not extended: \(report)")
            return
        }
        #expect(tip.id == first.block.id)

        // A nonce outside the interval (re-ground until it meets the target, as a cheater would).
        let honest = try Self.mine(on: chain, artefacts: artefacts, histories: histories, minerSeed: 8)
        var ground = honest.block
        let interval = NonceInterval(message: honest.messages[8].body, parameters: 101_770, batchSize: 32)
        let target = try CompactTarget.decode(ground.header.bits)
        var j: UInt64 = 1_000
        repeat {
            ground.header.nonce = Wide.add(interval.base, j)
            j += 1
        } while UInt256(ground.header.id) > target
        Self.expectWorkRejected(chain, ground, prefix: "invalid: nonce")
        #expect(chain.tip.id == first.block.id)

        // A template the miner never committed to: another time, with a nonce from the message's own interval.
        var regrown = honest.block
        var mined: BlockHeader?
        while mined == nil {
            regrown.header.time += 1
            mined = MiningRules.mine(
                template: BlockTemplate(header: regrown.header),
                message: honest.messages[8],
                historyRoot: regrown.header.historyRoot,
                parameters: 101_770,
                batchSize: 32
            )
        }
        regrown.header = try #require(mined)
        Self.expectWorkRejected(chain, regrown, prefix: "invalid: zeroNonceCommitment")
        #expect(chain.tip.id == first.block.id)

        // The honest block still connects.
        _ = try chain.process(honest.block)
        #expect(chain.tip.id == honest.block.id)
    }
}
