import Foundation
import PoUWChain
import PoUWCore
import PoUWEconomics
import PoUWProtocol
import Testing

@testable import PoUWNode

/// Supervisors broadcast signed checkpoints of each miner's canonical log; honest ones agree byte for byte on what
/// they sign; a supervisor that signs two roots for one size is proven an equivocator by the other nodes and its
/// seated stake is slashed on the chain.
@Suite(.serialized) struct CheckpointExchangeTests {
    /// Two miners, two supervisors, the replay evidence checker on every chain, checkpoints every 4 messages.
    static func network(_ directory: String) throws -> LocalNetwork {
        let artefacts = LateArtefacts()
        let (json, train, test) = try NodeTestSupport.digits()
        var configuration = NetworkConfiguration()
        configuration.miners = 2
        configuration.supervisors = 2
        configuration.evaluators = 1
        configuration.checkpointInterval = 10
        let network = try LocalNetwork(
            directory: directory,
            configuration: configuration,
            taskJSON: json,
            train: train,
            test: test,
            filler: try NodeTestSupport.filler(),
            evidenceChecker: ReplayEvidenceChecker(artefacts: artefacts)
        )
        artefacts.bind(network.archive.artefacts)
        for node in network.nodes {
            node.audit.iterationsPerBlock = 0
            node.checkpoints.interval = 4
        }
        return network
    }

    /// Runs rounds until every node but `cheater` proved it an equivocator on the paid task (at most 200).
    static func awaitFindings(_ network: LocalNetwork, against cheater: Node) throws {
        let others = network.nodes.filter { $0 !== cheater }
        for _ in 0..<200 {
            try network.round()
            let proven = others.allSatisfy { node in
                node.audit.findings.contains {
                    $0.source == "checkpoint" && $0.evidence.taskId == network.task.taskID
                }
            }
            if proven { return }
        }
    }

    @Test("honest supervisors sign the same per-miner states; an equivocating supervisor is reported and slashed")
    func equivocatingSupervisorIsSlashed() throws {
        let directory = try NodeTestSupport.temporaryDirectory("checkpoints")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try Self.network(directory)
        let cheater = network.supervisors[0]
        let honestSupervisor = network.supervisors[1]
        cheater.checkpoints.conduct = .equivocate
        let sentBefore = (cheater.checkpoints.sent, honestSupervisor.checkpoints.sent)
        let others = network.nodes.filter { $0 !== cheater }

        // Train until every other node has proven the equivocation on the paid task.
        try Self.awaitFindings(network, against: cheater)
        for node in others {
            let finding = try #require(
                node.audit.findings.first { $0.source == "checkpoint" && $0.evidence.taskId == network.task.taskID },
                "\(node.name): \(node.checkpoints.lastEvent ?? "no event")"
            )
            #expect(finding.evidence.kind == .equivocatingCheckpoint)
            #expect(finding.evidence.offender == cheater.account)
            #expect(node.checkpoints.refused == 0, "\(node.name)")
        }

        // The honest supervisor's checkpoints all match every node's own logs, and the cheater's honest ones are
        // byte-for-byte the same statements (task, miner, size, root) as the honest supervisor's.
        let archive = network.archive.checkpoints
        var compared = 0
        for (signer, bySize) in archive.known where signer.supervisor == honestSupervisor.nodeKey {
            let twin = CheckpointExchange.Signer(task: signer.task, supervisor: cheater.nodeKey, miner: signer.miner)
            for (size, checkpoint) in bySize {
                let recorder = try #require(network.archive.recorders[signer.task])
                #expect(checkpoint.matches(recorder.canonical) != false)
                guard let other = archive.known[twin]?[size] else { continue }
                // The archive keeps the first checkpoint it saw per size; the cheater sends its honest one first.
                #expect(other.root == checkpoint.root && other.size == checkpoint.size && other.miner == signer.miner)
                compared += 1
            }
        }
        #expect(compared > 0)
        // From the moment it cheats, the cheater sends two statements for every one the honest supervisor sends.
        let honestSent = honestSupervisor.checkpoints.sent - sentBefore.1
        #expect(honestSent > 0)
        #expect(cheater.checkpoints.sent - sentBefore.0 == 2 * honestSent)
        #expect(network.archive.checkpoints.disagreeing > 0)  // the forged statements disagree with its logs
        // Every valid signature counted; the archive stored them (latest for a miner of the paid task).
        // (For a selected miner whose log already reached a checkpoint size when the findings were complete.)
        let stored = try network.selectedMiners.compactMap { miner in
            try network.archive.protocolStore.latestHistoryCheckpoint(
                task: network.task.taskID,
                supervisor: honestSupervisor.nodeKey,
                miner: miner
            )
        }
        #expect(!stored.isEmpty && stored.allSatisfy(\.hasValidSignature))

        // Settlement seats the tickets; the waiting EVIDENCE is sent and mined: the cheater's stake is slashed.
        let evaluation = try network.evaluate()
        let result = try #require(evaluation.result)
        #expect(try network.confirm(result, limit: 200))
        let seated = try #require(
            NodeAudit.seatedTicket(
                in: network.archive.chain,
                offender: cheater.account,
                task: network.task.taskID,
                role: .supervisor
            )
        )
        var slashed = false
        for _ in 0..<300 where !slashed {
            try network.round()
            let fate = try network.archive.chain.tickets().first { $0.id == seated.ticket }?.fate
            slashed = fate == .slashed
        }
        #expect(slashed, "no EVIDENCE reached the chain: \(network.archive.statistics.lastEvidence ?? "")")
        let supply = try network.archive.chain.supply()
        #expect(supply.held == supply.expected)
        // The honest supervisor is never accused.
        #expect(
            NodeAudit.seatedTicket(
                in: network.archive.chain,
                offender: honestSupervisor.account,
                task: network.task.taskID,
                role: .supervisor
            ) != nil
        )
    }

    @Test("a supervisor showing different nodes different roots is caught: contradicting checkpoints are relayed")
    func splitViewSupervisorIsCaught() throws {
        let directory = try NodeTestSupport.temporaryDirectory("split-view")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try Self.network(directory)
        let cheater = network.supervisors[1]
        cheater.checkpoints.conduct = .splitView
        try Self.awaitFindings(network, against: cheater)
        let others = network.nodes.filter { $0 !== cheater }
        for node in others {
            let finding = node.audit.findings.first {
                $0.source == "checkpoint" && $0.evidence.taskId == network.task.taskID
            }
            #expect(finding?.evidence.offender == cheater.account, "\(node.name): \(node.checkpoints.lastEvent ?? "")")
        }
        // The nodes that got the forged statements relayed them; the honest supervisor's are never relayed.
        #expect(others.contains { $0.checkpoints.relayed > 0 })
        let honest = network.supervisors[0]
        #expect(others.allSatisfy { $0.audit.findings.allSatisfy { $0.evidence.offender != honest.account } })
    }
}
