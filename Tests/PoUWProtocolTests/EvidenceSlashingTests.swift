import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWProtocol
import Testing

/// `ReplayEvidenceChecker` installed in `EconomicLedgerRules` on the chain `DemoEconomyBuilder` grows (a settled
/// task with a miner ticket of dev 1, an evaluator of dev 2, a supervisor of dev 3, a verifier of dev 0, and a
/// second miner ticket of dev 1): the self-contained kinds slash real stakes through chain validation.
@Suite("EVIDENCE slashes through EconomicLedgerRules with the replay checker")
struct EvidenceSlashingTests {
    static let now = ChainParameters.local.genesisTime + 1_000_000
    /// Coinbase recipient of the test's own blocks (no dev account), so balance changes are the slashing's.
    static let coinbase = Address(bytes: [UInt8](repeating: 0x99, count: 20))!

    final class World {
        let rules = EconomicLedgerRules(
            parameters: .local,
            checker: ReplayEvidenceChecker(artefacts: MemoryArtefacts())
        )
        let chain: Blockchain
        let outcome: DemoEconomyBuilder.Outcome

        init() throws {
            chain = try Blockchain(
                storage: MemoryChainStorage(),
                parameters: .local,
                work: TargetOnlyWorkValidator(),
                rules: rules,
                clock: { EvidenceSlashingTests.now }
            )
            outcome = try DemoEconomyBuilder.run(chain, rules: rules)
        }

        var minerTicket: Hash256 { outcome.tickets[0] }
        var supervisorTicket: Hash256 { outcome.tickets[2] }

        func transaction(_ evidence: PoUWEconomics.Evidence, slash: Amount, by i: Int) throws -> Transaction {
            let key = DevKeys.privateKey(i)
            return Transaction(
                body: .evidence(
                    PoUWChain.Evidence(
                        kind: evidence.kind.rawValue,
                        offender: evidence.offender,
                        taskId: evidence.taskId,
                        slash: slash,
                        proof: evidence.canonicalBytes
                    )
                ),
                signer: key.publicKey,
                sequence: try chain.account(DevKeys.address(i)).sequence,
                fee: .zero
            )
            .signed(with: key)
        }

        func block(_ transactions: [Transaction]) throws -> Block {
            let block = BlockAssembler.assemble(
                context: try chain.nextBlockContext(),
                transactions: transactions,
                miner: EvidenceSlashingTests.coinbase,
                time: chain.tip.time + chain.parameters.targetSpacing,
                parameters: chain.parameters
            )
            return try #require(BlockAssembler.grindTargetOnly(block))
        }

        func balances() throws -> [Int: UInt64] {
            var out: [Int: UInt64] = [:]
            for i in 0..<DevKeys.count { out[i] = try chain.account(DevKeys.address(i)).balance.units }
            return out
        }

        /// Processes a block with `transactions`; returns each dev account's balance gain.
        func apply(_ transactions: [Transaction]) throws -> [Int: UInt64] {
            let before = try balances()
            try chain.process(try block(transactions))
            let supply = try chain.supply()
            #expect(supply.held == supply.expected)
            return try balances().reduce(into: [:]) { $0[$1.key] = $1.value - before[$1.key, default: 0] }
        }

        func expectRejected(
            _ transaction: Transaction,
            _ text: String,
            at location: SourceLocation = #_sourceLocation
        )
            throws
        {
            let candidate = try block([transaction])
            let before = (chain.tip, try chain.stateHash())
            do {
                try chain.process(candidate)
                Issue.record("accepted; expected \"\(text)\"", sourceLocation: location)
            } catch .invalidBlock(_, .ruleRejected(_, let reason)) {
                #expect(reason.contains(text), "\(reason)", sourceLocation: location)
            } catch {
                Issue.record("wrong error \(error)", sourceLocation: location)
            }
            let after = try chain.stateHash()
            #expect(chain.tip == before.0 && after == before.1, sourceLocation: location)
        }
    }

    /// A message of dev 1 for the demo task at `sequence`, with `loss`.
    static func message(_ world: World, sequence: UInt64, loss: Float) throws -> IterationMessage {
        let key = DevKeys.privateKey(1)
        var body = Samples.body(sequence: sequence, previous: Samples.h("previous"))
        body.taskID = world.outcome.task
        body.minerKey = NodeKey(key.publicKey)
        body.loss = loss
        return try body.signed(with: key)
    }

    @Test("a double signature and an equivocating checkpoint slash; reuse and a false accusation are refused")
    func slashing() throws {
        let world = try World()
        let chain = world.chain

        // Dev 1 signed two messages for sequence 6 of the task: its 2-lot miner ticket is slashed and shared by
        // the evaluator (dev 2), the supervisor (dev 3) and the verifier (dev 0).
        let stake = try #require(try chain.ticket(world.minerTicket)).stake
        let proof = try DoubleSignatureProof(
            try Self.message(world, sequence: 6, loss: 1),
            try Self.message(world, sequence: 6, loss: 2)
        )
        let evidence = PoUWEconomics.Evidence.doubleSignature(proof, ticket: world.minerTicket)
        #expect(evidence.offender == DevKeys.address(1))
        let lockedBefore = try chain.account(DevKeys.address(1)).locked
        let gains = try world.apply([try world.transaction(evidence, slash: stake, by: 2)])
        #expect(try chain.account(DevKeys.address(1)).locked.units == lockedBefore.units - stake.units)
        #expect(gains[1] == 0)
        let shares = [gains[0]!, gains[2]!, gains[3]!]
        #expect(shares.reduce(0, +) == stake.units)
        #expect(shares.max()! - shares.min()! <= 1, "\(shares)")

        // The same proof again (dev 1 still has a second ticket's stake locked, so the ledger lets the rule
        // speak): already used.
        let remaining = try chain.account(DevKeys.address(1)).locked
        #expect(remaining.units > 0)
        try world.expectRejected(try world.transaction(evidence, slash: remaining, by: 3), "already used")

        // A false accusation against the supervisor: two of its messages for different slots.
        let supervisorKey = DevKeys.privateKey(3)
        func supervisorMessage(_ sequence: UInt64) throws -> IterationMessage {
            var body = Samples.body(sequence: sequence, previous: Samples.h("previous"))
            body.taskID = world.outcome.task
            body.minerKey = NodeKey(supervisorKey.publicKey)
            return try body.signed(with: supervisorKey)
        }
        let (a, b) = (try supervisorMessage(3), try supervisorMessage(4))
        var writer = ByteWriter()
        writer.header(tag: .doubleSignatureProof, version: 1)
        let ordered = a.hash.bytes.lexicographicallyPrecedes(b.hash.bytes) ? [a, b] : [b, a]
        for m in ordered { writer.lengthPrefixed(m.canonicalBytes) }
        let supervisorStake = try #require(try chain.ticket(world.supervisorTicket)).stake
        let accusation = PoUWEconomics.Evidence(
            kind: .doubleSignature,
            taskId: world.outcome.task,
            offender: DevKeys.address(3),
            offenderTicket: world.supervisorTicket,
            payload: writer.bytes
        )
        try world.expectRejected(
            try world.transaction(accusation, slash: supervisorStake, by: 0),
            "not proven: the messages are for different slots"
        )

        // The supervisor (dev 3) signed two different roots for size 2 of a miner's log: slashed.
        let h1 = try MessageHistory(taskID: world.outcome.task, messages: [Samples.h("a"), Samples.h("b")])
        let h2 = try MessageHistory(taskID: world.outcome.task, messages: [Samples.h("a"), Samples.h("x")])
        let equivocation = try EquivocationProof(
            HistoryCheckpoint(log: h1, miner: Samples.key(1), time: 1, key: supervisorKey),
            HistoryCheckpoint(log: h2, miner: Samples.key(1), time: 2, key: supervisorKey),
            history: nil
        )
        let supervisorLocked = try chain.account(DevKeys.address(3)).locked
        _ = try world.apply([
            try world.transaction(
                .equivocatingCheckpoint(equivocation, ticket: world.supervisorTicket),
                slash: supervisorStake,
                by: 0
            )
        ])
        #expect(try chain.account(DevKeys.address(3)).locked.units == supervisorLocked.units - supervisorStake.units)
        #expect(try chain.tickets().first { $0.id == world.supervisorTicket }?.fate == .slashed)
    }
}
