import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWProtocol
import Testing

@testable import PoUWNode

/// A heard VRF selection proof, and a heard block attestation, is checked against the node's chain before it can
/// count, so a peer that sends a forged one, or somebody else's ticket under its own key, first cannot shut the
/// owner's out.
@Suite(.serialized) struct SelectionProofTests {
    @Test func proofsAreCheckedAgainstTheChainAsTheSelectionChecksThem() throws {
        let directory = try NodeTestSupport.temporaryDirectory("proofs")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try NodeRejectionTests.network(directory)
        let task = network.task.taskID
        let archive = network.archive
        let selection = try #require(archive.lifecycle.selections[task])
        let ticket = try #require(selection.seats(.miner).first)
        let proof = try #require(archive.lifecycle.proofs[task]?[ticket]).proof
        let owner = try #require(archive.lifecycle.proofOwners[task]?[ticket])
        let stranger = try NodeKey(bytes: LocalNetwork.key(name: "stranger", seed: 7).publicKey.bytes)

        #expect(archive.checkSelectionProof(task: task, ticket: ticket, proof: proof, owner: owner) == .valid)
        var forged = proof
        forged[forged.count / 2] ^= 0x01
        guard
            case .invalid(let vrf) = archive.checkSelectionProof(
                task: task,
                ticket: ticket,
                proof: forged,
                owner: owner
            )
        else {
            Issue.record("a forged proof passed")
            return
        }
        #expect(vrf.contains("VRF"))
        guard
            case .invalid(let key) = archive.checkSelectionProof(
                task: task,
                ticket: ticket,
                proof: proof,
                owner: stranger
            )
        else {
            Issue.record("another key's announcement passed")
            return
        }
        #expect(key.contains("does not own"))
        let unknownTicket = Hash256.sha256(Array("no such ticket".utf8))
        #expect(
            archive.checkSelectionProof(task: task, ticket: unknownTicket, proof: proof, owner: owner)
                == .invalid("ticket \(unknownTicket.short) is not on chain")
        )
        // A task not registered on this chain yet: nothing to check against.
        let unregistered = Hash256.sha256(Array("a task to come".utf8))
        #expect(archive.checkSelectionProof(task: unregistered, ticket: ticket, proof: proof, owner: owner) == .notYet)

        // Heard before the registration: kept as candidates (bounded per ticket), not as proofs, not relayed.
        let before = archive.statistics.proofsRefused
        for i in 0..<6 {
            var bytes = proof
            bytes[0] ^= UInt8(i)
            archive.handle(
                WireMessage.selectionProof(task: unregistered, ticket: ticket, proof: bytes, owner: owner)
                    .canonicalBytes,
                from: network.miners[0].address
            )
        }
        #expect(archive.lifecycle.proofs[unregistered] == nil)
        #expect(archive.lifecycle.proofCandidates[unregistered]?[ticket]?.count == Node.proofCandidatesPerTicket)
        // Checked once the selection is derived: none of them verifies for that task, so none counts.
        archive.settleProofCandidates(task: unregistered)
        #expect(archive.lifecycle.proofs[unregistered] == nil)
        #expect(archive.lifecycle.proofCandidates[unregistered] == nil)
        #expect(archive.statistics.proofsRefused == before + Node.proofCandidatesPerTicket)
    }

    @Test func anAttestationCountsOnlyFromTheOwnerOfItsVerifierTicket() throws {
        let directory = try NodeTestSupport.temporaryDirectory("attest")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try NodeRejectionTests.network(directory)
        let task = network.task.taskID
        let archive = network.archive
        var heard: BlockAttestation?
        for _ in 0..<80 where heard == nil {
            try network.round()
            heard = archive.lifecycle.attestations[task]?.values.lazy.flatMap(\.values).first
        }
        let real = try #require(heard)
        let stranger = try LocalNetwork.key(name: "stranger", seed: 8)
        // The same ticket and block, validly signed, but by a key that does not own the ticket.
        let forged = BlockAttestation.sign(
            task: task,
            block: Hash256.sha256(Array("a block to come".utf8)),
            ticket: real.ticket,
            proof: real.proof,
            key: stranger
        )
        #expect(forged.hasValidSignature)
        let refusedBefore = archive.statistics.attestationsRefused
        #expect(!archive.receiveAttestation(forged.canonicalBytes))
        #expect(archive.statistics.lastRejection?.contains("not a verifier ticket of its signer") == true)
        #expect(archive.statistics.attestationsRefused == refusedBefore + 1)
        #expect(archive.lifecycle.attestations[task]?[forged.block] == nil)
        // The owner's own attestation for that block is then kept.
        let owner = try #require(network.nodes.first { $0.key.publicKey.bytes == real.signer })
        let genuine = BlockAttestation.sign(
            task: task,
            block: forged.block,
            ticket: real.ticket,
            proof: real.proof,
            key: owner.key
        )
        #expect(archive.receiveAttestation(genuine.canonicalBytes))
        #expect(archive.lifecycle.attestations[task]?[forged.block]?[real.ticket] == genuine)
    }

    @Test func aValidProofHeardBeforeTheRegistrationIsKeptAsACandidateAndCountsAtTheSelection() throws {
        let directory = try NodeTestSupport.temporaryDirectory("proof-candidates")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try NodeRejectionTests.network(directory)
        let task = network.task.taskID
        let archive = network.archive
        // The archive heard every proof after the registration and derived the selection from them.
        let reference = try #require(archive.lifecycle.selections[task])
        let proofs = try #require(archive.lifecycle.proofs[task])
        let owners = try #require(archive.lifecycle.proofOwners[task])
        #expect(proofs.count == reference.selection.proofs.count && proofs.count > 1)

        // A node joins with an empty chain: it hears every proof before it has the task's registration.
        let simulated = network.network
        let late = try Self.lateNode(joining: network, directory: directory)
        let first = try #require(proofs.keys.min())
        for (ticket, proof) in proofs.sorted(by: { $0.key < $1.key }) {
            let owner = try #require(owners[ticket])
            late.handle(
                WireMessage.selectionProof(task: task, ticket: ticket, proof: proof.proof, owner: owner).canonicalBytes,
                from: archive.address
            )
            #expect(late.checkSelectionProof(task: task, ticket: ticket, proof: proof.proof, owner: owner) == .notYet)
        }
        // Forged copies of the first ticket's proof heard after the real one fill its other places (and the real
        // one is no longer the first in byte order): they cannot shut it out.
        for i in 1...Node.proofCandidatesPerTicket {
            var forged = try #require(proofs[first]).proof
            forged[0] ^= UInt8(i)
            late.handle(
                WireMessage.selectionProof(task: task, ticket: first, proof: forged, owner: try #require(owners[first]))
                    .canonicalBytes,
                from: archive.address
            )
        }
        // Kept as candidates only: nothing accepted, refused or passed on yet.
        #expect(late.lifecycle.proofs[task] == nil)
        #expect(late.lifecycle.proofCandidates[task]?.count == proofs.count)
        #expect(late.lifecycle.proofCandidates[task]?[first]?.count == Node.proofCandidatesPerTicket)
        #expect(late.statistics.proofsRefused == 0)
        #expect(simulated.inFlight == 0)
        #expect(late.receiveManifest(network.task.manifest.canonicalBytes))

        // It catches up block by block from the archive (fetching what each replay lacks); past the block after
        // the registration it derives the selection from the candidates.
        try Self.catchUp(late, in: network, through: archive.chain.tip.height)
        #expect(late.lifecycle.failures[task] == nil, "\(late.lifecycle.failures[task] ?? "")")
        let derived = try #require(late.lifecycle.selections[task])
        #expect(derived.selection == reference.selection)
        for role in Role.allCases { #expect(derived.seats(role) == reference.seats(role), "\(role)") }
        #expect(late.lifecycle.proofs[task] == proofs)
        #expect(late.lifecycle.proofCandidates[task] == nil)
        #expect(late.statistics.proofsRefused == 0)
    }

    /// A verifier joining `network` with an empty chain (a clock a minute ahead of the network's), provisioned as
    /// the archive is.
    static func lateNode(joining network: LocalNetwork, directory: String) throws -> Node {
        let simulated = network.network
        let late = try Node(
            name: "late",
            roles: [.verifier],
            key: LocalNetwork.key(name: "late", seed: 0),
            directory: directory + "/late",
            transport: simulated.attach(NodeAddress("late")),
            clock: { ChainParameters.local.genesisTime + simulated.now / 1_000_000 + 60 }
        )
        try late.provision(
            fillerSource: NodeTestSupport.filler(),
            tickets: [:],
            seats: network.archive.lifecycle.seats
        )
        return late
    }

    /// `late` catches up block by block from the archive through height `last` (fetching what each replay lacks).
    static func catchUp(_ late: Node, in network: LocalNetwork, through last: UInt64) throws {
        let archive = network.archive
        let simulated = network.network
        for height in 1...last {
            let block = try #require(try archive.chain.block(atHeight: height))
            late.handle(WireMessage.block(block.canonicalBytes).canonicalBytes, from: archive.address)
            for _ in 0..<40 where late.chain.tip.height < height {
                while simulated.inFlight > 0 {
                    simulated.deliverNext()
                    for node in network.nodes + [late] { node.drainInbox() }
                }
                if late.chain.tip.height >= height { break }
                simulated.advance(by: network.configuration.roundMicroseconds)
                late.tick(now: simulated.now)
            }
            try #require(late.chain.tip.id == block.id, "\(height): \(late.statistics.lastRejection ?? "")")
        }
    }
}
