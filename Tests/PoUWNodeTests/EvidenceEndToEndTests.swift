import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWML
import PoUWProtocol
import Testing

@testable import PoUWNode

/// A chain with `EconomicLedgerRules` (tickets, settlement, slashing) next to a `LocalNetwork`: it carries the
/// network's own PAY_FOR_TASK, a ticket for every selected worker (signed by the nodes' keys) and a settlement,
/// so an EVIDENCE transaction a node builds can be processed by the real chain rules. The nodes' own chain has
/// no tickets yet, which is why this second chain exists (see the report and Docs/protocol.md).
final class EconomyChain {
    static let now = ChainParameters.local.genesisTime + 1_000_000
    let rules: EconomicLedgerRules
    let chain: Blockchain
    private var sequences: [[UInt8]: UInt64] = [:]

    init(checker: any EvidenceChecker & Sendable) throws {
        var parameters = EconomicsParameters.local
        parameters.ticketMaturity = 2
        parameters.ticketExpiry = 50
        parameters.priceWindow = 4
        rules = EconomicLedgerRules(parameters: parameters, checker: checker)
        chain = try Blockchain(
            storage: MemoryChainStorage(),
            parameters: .local,
            work: TargetOnlyWorkValidator(),
            rules: rules,
            clock: { EconomyChain.now }
        )
    }

    func signed(_ body: Transaction.Body, by key: Ed25519.PrivateKey) -> Transaction {
        let sequence = sequences[key.publicKey.bytes, default: 0]
        sequences[key.publicKey.bytes] = sequence + 1
        return Transaction(body: body, signer: key.publicKey, sequence: sequence, fee: Amount(units: 1_000))
            .signed(with: key)
    }

    func block(_ transactions: [Transaction]) throws -> Block {
        let block = BlockAssembler.assemble(
            context: try chain.nextBlockContext(),
            transactions: transactions,
            miner: DevKeys.address(3),
            time: chain.tip.time + chain.parameters.targetSpacing,
            parameters: chain.parameters
        )
        return try #require(BlockAssembler.grindTargetOnly(block))
    }

    func extend(_ transactions: [Transaction] = []) throws {
        try chain.process(try block(transactions))
        let supply = try chain.supply()
        #expect(supply.held == supply.expected, "height \(supply.height): \(supply.held) ≠ \(supply.expected)")
    }

    /// Processing a block with `transactions` is refused with a rule rejection containing `text`; nothing changes.
    func expectRejected(
        _ transactions: [Transaction],
        _ text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    )
        throws
    {
        let before = (chain.tip, try chain.stateHash())
        let candidate = try block(transactions)
        do {
            try chain.process(candidate)
            Issue.record("accepted; expected a rejection containing \"\(text)\"", sourceLocation: sourceLocation)
        } catch .invalidBlock(_, .ruleRejected(_, let reason)) {
            #expect(reason.contains(text), "\(reason)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("wrong error \(error)", sourceLocation: sourceLocation)
        }
        let after = try chain.stateHash()
        #expect(chain.tip == before.0 && after == before.1, sourceLocation: sourceLocation)
    }

    /// One ticket of `role` bought by `key` at the price in force.
    func buy(_ role: TicketRole, by key: Ed25519.PrivateKey) throws -> Transaction {
        let price = try rules.price(at: chain.tip.height + 1, ledger: chain.ledgerView())
        let preferences =
            role == .supervisor
            ? Preferences.storage(
                try StoragePreferences(storageBytes: 1 << 30, bandwidthMbps: 1000, redundancy: .replication(copies: 3))
            )
            : Preferences.compute(
                try ComputePreferences(modelTypes: ["mlp"], gpuCount: 1, gpuMemoryMiB: 8192, maxDatasetBytes: 1 << 30)
            )
        let vrf = try VRF.SecretKey(bytes: SHA256.hash(key.publicKey.bytes + [role.rawValue]).bytes)
        return signed(
            .buyTickets(
                BuyTickets(
                    role: role,
                    count: 1,
                    stake: price,
                    preferences: preferences.canonicalBytes,
                    vrfPublicKey: vrf.publicKey.bytes
                )
            ),
            by: key
        )
    }

    /// Runs the network's task through registration, tickets and settlement; returns each worker's ticket.
    func settle(_ network: LocalNetwork) throws -> [Address: Hash256] {
        let workers = network.miners + network.supervisors + network.evaluators
        // Height 1: the network's PAY_FOR_TASK (the client is dev 0, sequence 0) and funds for every node.
        sequences[network.client.key.publicKey.bytes] = 1
        let funding = (workers + [network.archive]).map {
            signed(
                .transfer(Transfer(to: $0.account, amount: Amount(units: 10 * Amount.unitsPerPAI))),
                by: DevKeys.privateKey(1)
            )
        }
        try extend([network.task.transaction] + funding)
        // Height 2: one ticket per seat.
        var tickets: [Address: Transaction] = [:]
        for node in network.miners { tickets[node.account] = try buy(.miner, by: node.key) }
        for node in network.supervisors { tickets[node.account] = try buy(.supervisor, by: node.key) }
        for node in network.evaluators { tickets[node.account] = try buy(.evaluator, by: node.key) }
        try extend(tickets.values.sorted { $0.id < $1.id })
        try extend()  // the tickets mature at 2 + 2 = 4
        let claim = SettlementClaim(
            miners: network.miners.map {
                .init(ticket: tickets[$0.account]!.id, qualityPPM: 900_000, verifiedIterations: 10)
            },
            supervisors: network.supervisors.map { tickets[$0.account]!.id },
            evaluators: network.evaluators.map { tickets[$0.account]!.id },
            charges: []
        )
        let escrow = try #require(try chain.task(network.task.taskID))
        var owners: [Hash256: Address] = [:]
        for (account, ticket) in tickets { owners[ticket.id] = account }
        var result = TaskResult(
            taskId: network.task.taskID,
            metrics: claim.canonicalBytes,
            payouts: try rules.expectedPayouts(claim, task: escrow, owners: owners).payouts
        )
        let evaluator = try #require(network.evaluators.first)
        result.evaluatorSignatures = [
            EvaluatorSignature(
                publicKey: evaluator.key.publicKey.bytes,
                signature: evaluator.key.sign(result.evaluatorMessage)
            )
        ]
        try extend([signed(.taskResult(result), by: evaluator.key)])
        return tickets.mapValues(\.id)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One miner cheats (it trains with four times the task's learning rate, so none of its iterations replays);
/// honest nodes reject its block, prove the cheat with `ReplayEvidenceChecker`, and send EVIDENCE that the
/// chain's `EconomicLedgerRules` turns into slashing.
@Suite(.serialized) struct EvidenceEndToEndTests {
    static func network(_ directory: String, miners: Int) throws -> LocalNetwork {
        let (json, train, test) = try NodeTestSupport.digits()
        var configuration = NetworkConfiguration()
        configuration.miners = miners
        configuration.supervisors = 1
        configuration.evaluators = 1
        configuration.checkpointInterval = 10
        return try LocalNetwork(
            directory: directory,
            configuration: configuration,
            taskJSON: json,
            train: train,
            test: test
        )
    }

    /// Makes `node` train with a larger learning rate than the task's (same initial state, so its first message
    /// still links): every message it signs claims an update the task's optimizer does not produce.
    static func corrupt(_ node: Node) throws {
        let json = try #require(String(bytes: try NodeTestSupport.digits().json, encoding: .utf8))
        let altered = try TaskDefinition(json: Array(json.replacingOccurrences(of: "0.001", with: "0.004").utf8))
        let state = try #require(node.miner)
        let trainer = try Trainer(task: altered, state: state.trainer.state, threads: 1)
        #expect(trainer.stateHash == state.trainer.stateHash)
        node.miner = MinerState(trainer: trainer, checkpointInterval: state.checkpointInterval)
    }

    /// The block `node` would have mined from `message` had its own replay not refused it: the template it
    /// committed to k messages earlier, with a nonce from the message's interval, if one meets the target.
    static func forgedBlock(_ node: Node, _ message: IterationMessage) throws -> Block? {
        let sequence = message.body.sequence
        let task = try #require(node.task)
        guard sequence >= MiningRules.commitmentDistance,
            var committed = node.miner?.templates[sequence - MiningRules.commitmentDistance],
            committed.header.prev == node.chain.tip.id,
            let root = node.recorder?.history.root,
            let header = MiningRules.mine(
                template: BlockTemplate(header: committed.header),
                message: message,
                historyRoot: root,
                parameters: task.miningParameters.parameterCount,
                batchSize: task.miningParameters.batchSize
            )
        else { return nil }
        committed.header = header
        return committed
    }

    @Test("a cheating miner's block is rejected, proven by replay, and its stake slashed by EVIDENCE")
    func cheatIsRejectedProvenAndSlashed() throws {
        let directory = try NodeTestSupport.temporaryDirectory("evidence")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try Self.network(directory, miners: 2)
        let cheater = network.miners[0]
        let honest = network.nodes.filter { $0 !== cheater }
        let economy = try EconomyChain(checker: network.archive.evidenceChecker)
        let tickets = try economy.settle(network)
        // The cheater also holds a ticket for a later task, so stake stays locked after the slashing and a reused
        // proof meets the evidence rule itself rather than the ledger's "no locked stake" check.
        try economy.extend([try economy.buy(.miner, by: cheater.key)])
        for node in network.nodes where node !== cheater {
            node.audit.iterationsPerBlock = 0  // this test follows the block path; audits have their own test
            node.audit.ticketLookup = { offender, task, role in
                NodeAudit.seatedTicket(in: economy.chain, offender: offender, task: task, role: role)
            }
        }
        cheater.audit.iterationsPerBlock = 0
        try Self.corrupt(cheater)

        var cheat: Block?
        rounds: for _ in 0..<200 {
            for miner in network.miners {
                let step = try miner.mine(
                    blockTime: network.blockTime,
                    startTime: network.network.now / 1_000,
                    archives: [network.archive.address]
                )
                if miner === cheater, step.block == nil, let block = try Self.forgedBlock(cheater, step.message) {
                    cheater.broadcast(.block(block.canonicalBytes))
                    cheat = block
                }
                network.deliver()
                if cheat != nil { break rounds }
            }
            network.network.advance(by: network.configuration.roundMicroseconds)
        }
        let block = try #require(cheat, "the cheater found no block in 200 rounds")

        // Every honest node refused the block as invalid and proved the cheat from it.
        for node in honest {
            #expect(node.statistics.blocksInvalid >= 1, "\(node.name)")
            #expect(node.chain.tip.id != block.id, "\(node.name)")
            let finding = try #require(node.audit.findings.first { $0.source == "block" }, "\(node.name)")
            #expect(finding.evidence.kind == .failedReplay)
            #expect(finding.evidence.offender == cheater.account)
            #expect(finding.evidence.offenderTicket == tickets[cheater.account])
            #expect(finding.transaction != nil, "\(node.name): \(node.statistics.lastEvidence ?? "")")
        }
        let evidenceTx = try #require(network.archive.audit.findings.first?.transaction)
        // Every node heard the archive's EVIDENCE.
        #expect(network.client.mempool.contains { $0.id == evidenceTx.id })

        // The chain's rules, with the replay checker over the archive's artefacts, slash the cheater's stake and
        // share it among the task's honest seat owners.
        let cheaterTicket = try #require(tickets[cheater.account])
        let stake = try #require(try economy.chain.ticket(cheaterTicket)).stake
        let others = tickets.keys.filter { $0 != cheater.account }.sorted()
        let before = try others.map { try economy.chain.account($0).balance.units }
        let lockedBefore = try economy.chain.account(cheater.account).locked.units
        try economy.extend([evidenceTx])
        #expect(try economy.chain.account(cheater.account).locked.units == lockedBefore - stake.units)
        let gained = try zip(others, before).map { try economy.chain.account($0.0).balance.units - $0.1 }
        #expect(gained.reduce(0, +) == stake.units)
        #expect(gained.max()! - gained.min()! <= 1, "\(gained)")
        #expect(try economy.chain.tickets().first { $0.id == tickets[cheater.account] }?.fate == .slashed)

        // The same proof again, from another reporter: already used.
        guard case .evidence(let proof) = evidenceTx.body else { throw TestFailure("not an EVIDENCE transaction") }
        let reporter = DevKeys.privateKey(2)
        try economy.expectRejected([economy.signed(.evidence(proof), by: reporter)], "already used")
        // A false accusation: the honest miner's honest last message.
        let innocent = network.miners[1]
        let message = try #require(innocent.miner?.lastMessage)
        let innocentTicket = try #require(tickets[innocent.account])
        let accusation = PoUWEconomics.Evidence.failedReplay(message, ticket: innocentTicket)
        let stakeOfInnocent = try #require(try economy.chain.ticket(innocentTicket)).stake
        try economy.expectRejected(
            [
                economy.signed(
                    .evidence(
                        PoUWChain.Evidence(
                            kind: accusation.kind.rawValue,
                            offender: innocent.account,
                            taskId: accusation.taskId,
                            slash: stakeOfInnocent,
                            proof: accusation.canonicalBytes
                        )
                    ),
                    by: DevKeys.privateKey(3)
                )
            ],
            "replays exactly"
        )
    }

    @Test("random audits replay earlier iterations, catch a cheater's messages, and a double signature is proven")
    func auditsAndDoubleSignatures() throws {
        let directory = try NodeTestSupport.temporaryDirectory("audit")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try Self.network(directory, miners: 3)
        let cheater = network.miners[0]
        for node in network.nodes { node.audit.iterationsPerBlock = 2 }
        try Self.corrupt(cheater)
        let honest = network.nodes.filter { $0 !== cheater }
        for _ in 0..<200 {
            try network.round()
            if honest.allSatisfy({ $0.statistics.auditsInvalid > 0 }) { break }
        }
        for node in honest {
            let s = node.statistics
            #expect(s.auditsRun == s.auditsValid + s.auditsInvalid + s.auditsUnavailable)
            #expect(s.auditsInvalid > 0, "\(node.name): \(s)")
            #expect(s.auditsValid > 0, "\(node.name): \(s)")
            // No ticket exists on the nodes' chain: the proof is kept, nothing is sent.
            let finding = try #require(node.audit.findings.first { $0.source == "audit" })
            #expect(finding.evidence.offender == cheater.account)
            #expect(finding.transaction == nil)
            #expect(s.evidenceWithoutTicket >= 1 && s.evidenceSent == 0)
            #expect(node.evidenceChecker.check(finding.evidence) == .proven)
        }
        // The same draws on every honest node (the rule depends only on the block and the history).
        let counts = Set(honest.map { $0.statistics.auditsRun })
        #expect(counts.count == 1, "\(counts)")

        // A second message for a slot already recorded, signed by its miner: proven as a double signature.
        let miner = network.miners[1]
        var body = try #require(miner.miner?.lastMessage).body
        body.loss = body.loss.nextUp
        network.archive.receive(try body.signed(with: miner.key))
        let double = try #require(network.archive.audit.findings.first { $0.source == "arrival" })
        #expect(double.evidence.kind == .doubleSignature)
        #expect(double.evidence.offender == miner.account)
        #expect(network.archive.evidenceChecker.check(double.evidence) == .proven)
    }
}
