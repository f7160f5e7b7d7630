import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWML
import PoUWProtocol
import Synchronization
import Testing

@testable import PoUWNode

/// An artefact source bound after the network exists: every node's chain judges EVIDENCE with a
/// `ReplayEvidenceChecker` over the archive's artefacts (which reach every node's store).
final class LateArtefacts: ArtefactSource {
    private let source = Mutex<(any ArtefactSource)?>(nil)

    func bind(_ artefacts: any ArtefactSource) { source.withLock { $0 = artefacts } }

    func bytes(for hash: Hash256) throws -> [UInt8]? { try source.withLock { $0 }?.bytes(for: hash) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One miner cheats (it trains with four times the task's learning rate, so none of its iterations replays);
/// honest nodes reject its block, prove the cheat with `ReplayEvidenceChecker`, and send EVIDENCE that the
/// chain's `EconomicLedgerRules` turns into slashing.
@Suite(.serialized) struct EvidenceEndToEndTests {
    static func network(
        _ directory: String,
        miners: Int,
        checker: any EvidenceChecker & Sendable = UnavailableEvidenceChecker()
    ) throws -> LocalNetwork {
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
            test: test,
            filler: try NodeTestSupport.filler(),
            evidenceChecker: checker
        )
    }

    /// Makes `node` train with 4× the task's learning rate (`Node.startCheating`; same state, so its first
    /// message still links): every message it signs claims an update the task's optimizer does not produce.
    static func corrupt(_ node: Node) throws {
        let before = try #require(node.miner).trainer.stateHash
        try node.startCheating(learningRateFactor: 4)
        #expect(try #require(node.miner).trainer.stateHash == before)
    }

    @Test("a cheating miner's block is rejected, proven by replay, and its stake slashed on the nodes' chain")
    func cheatIsRejectedProvenAndSlashed() throws {
        let directory = try NodeTestSupport.temporaryDirectory("evidence")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let artefacts = LateArtefacts()
        let network = try Self.network(directory, miners: 2, checker: ReplayEvidenceChecker(artefacts: artefacts))
        artefacts.bind(network.archive.artefacts)
        let chain = network.archive.chain
        let cheater = try #require(network.miners.first { $0.task?.taskID == network.task.taskID })
        let honest = network.nodes.filter { $0 !== cheater }
        for node in network.nodes { node.audit.iterationsPerBlock = 0 }  // the block path; audits: next test
        try Self.corrupt(cheater)

        var cheat: Block?
        rounds: for _ in 0..<200 {
            for miner in network.miners {
                let step = try miner.mine(
                    blockTime: network.blockTime,
                    startTime: network.network.now / 1_000,
                    archives: [network.archive.address]
                )
                if miner === cheater, step.message.body.taskID == network.task.taskID, step.block == nil,
                    let block = cheater.forgedBlock(from: step.message)
                {
                    cheater.broadcast(.block(block.canonicalBytes))
                    cheat = block
                }
                network.deliver()
                if cheat != nil { break rounds }
            }
            network.network.advance(by: network.configuration.roundMicroseconds)
        }
        let block = try #require(cheat, "the cheater found no block in 200 rounds")

        // Every honest node refused the block as invalid and proved the cheat. The task is not settled, so no
        // ticket holds a seat yet: the proof waits.
        for node in honest {
            #expect(node.statistics.blocksInvalid >= 1, "\(node.name)")
            #expect(node.chain.tip.id != block.id, "\(node.name)")
            let finding = try #require(node.audit.findings.first { $0.source == "block" }, "\(node.name)")
            #expect(finding.evidence.kind == .failedReplay)
            #expect(finding.evidence.offender == cheater.account)
            #expect(finding.transaction == nil)
        }

        // Settlement seats the tickets; the next accepted block sends the waiting EVIDENCE, which a later block
        // carries: the cheater's seated ticket is slashed on every node's chain.
        let evaluation = try network.evaluate()
        let result = try #require(evaluation.result)
        // The evaluator holds the proof too: the cheater's seat earns nothing from the fee.
        let cheaterScore = try #require(evaluation.scores.first { $0.miner == cheater.nodeKey })
        #expect(cheaterScore.provenCheat)
        let cheaterClaim = try #require(evaluation.claim?.miners.first { $0.ticket == cheaterScore.ticket })
        #expect(cheaterClaim.qualityPPM == 0 && cheaterClaim.verifiedIterations == 0)
        #expect(evaluation.scores.filter(\.provenCheat).count == 1)
        #expect(try network.confirm(result, limit: 200))
        let seated = try #require(
            NodeAudit.seatedTicket(in: chain, offender: cheater.account, task: network.task.taskID, role: .miner)
        )
        let lockedBefore = try chain.account(cheater.account).locked
        var slashed = false
        for _ in 0..<300 where !slashed {
            try network.round()
            let fate = try chain.tickets().first { $0.id == seated.ticket }?.fate
            slashed = fate == .slashed
        }
        #expect(slashed, "no EVIDENCE reached the chain: \(network.archive.statistics.lastEvidence ?? "")")
        let lockedAfter = try chain.account(cheater.account).locked
        #expect(lockedAfter.units == lockedBefore.units - seated.stake.units)
        let supply = try chain.supply()
        #expect(supply.held == supply.expected)
        for node in honest { #expect(node.statistics.evidenceSent >= 1, "\(node.name)") }
        // One EVIDENCE was mined; every other node's copy of the same cheat is dead and left its pool.
        try network.round()
        for node in network.nodes {
            let pending = node.mempool.count { if case .evidence = $0.body { true } else { false } }
            #expect(pending == 0, "\(node.name) still holds \(pending) EVIDENCE")
        }
        let sent: [Transaction] = honest.flatMap { $0.audit.findings.compactMap(\.transaction) }
        let evidenceTx = try #require(sent.first { (try? chain.transaction($0.id)) != nil })
        guard case .evidence(let proof) = evidenceTx.body else { throw TestFailure("not an EVIDENCE transaction") }

        // The rules on the chain's state: the same proof again is refused, and so is a false accusation.
        let rules = network.archive.economics
        let height = chain.tip.height + 1
        func reason(_ evidence: PoUWChain.Evidence) -> String {
            let key = DevKeys.privateKey(2)
            let body = Transaction.Body.evidence(evidence)
            let tx = Transaction(body: body, signer: key.publicKey, sequence: 0, fee: .zero).signed(with: key)
            do {
                _ = try rules.checkEvidence(tx, evidence, height: height, ledger: chain.ledgerView())
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(reason(proof).contains("already used"), "\(reason(proof))")
        let innocent = try #require(network.miners.first { $0 !== cheater })
        var innocentMessage: IterationMessage?
        for hash in try network.archive.protocolStore.recordedHistory(task: network.task.taskID).messages {
            if let m = try network.archive.protocolStore.message(hash), m.body.minerKey == innocent.nodeKey {
                innocentMessage = m
            }
        }
        let message = try #require(innocentMessage)
        let ticket = try #require(
            NodeAudit.seatedTicket(in: chain, offender: innocent.account, task: network.task.taskID, role: .miner)
        )
        let accusation = PoUWEconomics.Evidence.failedReplay(message, ticket: ticket.ticket)
        let falseAccusation = PoUWChain.Evidence(
            kind: accusation.kind.rawValue,
            offender: innocent.account,
            taskId: accusation.taskId,
            slash: ticket.stake,
            proof: accusation.canonicalBytes
        )
        #expect(reason(falseAccusation).contains("replays exactly"), "\(reason(falseAccusation))")
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
