import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWProtocol
import Testing

@testable import PoUWNode

/// A heard VRF selection proof is checked against the node's chain before it can count, so a peer that sends a
/// forged proof, or somebody else's ticket under its own key, first cannot shut the real proof out.
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
}
