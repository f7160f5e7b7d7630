import PoUWCore
import PoUWCrypto
import PoUWEconomics
import Testing

@testable import PoUWChain

/// The VRF selection of a task is seeded by the id of the block that included its PAY_FOR_TASK, so a client
/// cannot grind its task id to steer which tickets win.
@Suite("VRF selection seeded by the including block")
struct SelectionSeedTests {
    @Test(
        "the same task in blocks on two forks draws different VRF inputs; proofs over the other block or the task id alone are rejected"
    )
    func seedIsTheIncludingBlock() throws {
        let storage = MemoryChainStorage()
        let e = try EconomicChain(storage: storage)
        let miner = try e.buy(.miner, by: 1)
        let evaluator = try e.buy(.evaluator, by: 2)
        let supervisor = try e.buy(.supervisor, by: 3)
        let verifierTicket = try e.buy(.verifier, by: 0)
        try e.extend([miner, evaluator, supervisor, verifierTicket])  // height 1; mature from 4
        while e.chain.tip.height < 3 { try e.extend() }
        let fork = e.chain.tip.id
        let task = e.payForTask(by: 0, escrow: 1_000_003)
        #expect(try e.chain.selectionHash(task: task.id) == nil)

        // Branch A: the task at height 4.
        let a = try e.extend([task])
        #expect(try e.chain.selectionHash(task: task.id) == a.id)
        // Branch B: the same PAY_FOR_TASK in another block at height 4, one more block on top: B wins.
        let b = try e.t.block([task], parent: fork, extra: [0xb1])
        try e.chain.process(b)
        #expect(e.chain.tip.id == a.id)
        let bNext = try e.t.block(parent: b.id, extra: [0xb2])
        try e.chain.process(bNext)
        #expect(e.chain.tip.id == bNext.id)
        #expect(a.id != b.id)
        #expect(try e.chain.selectionHash(task: task.id) == b.id)  // the reorg undid A's record
        #expect(try e.chain.task(task.id)?.height == 4)

        // Same task id, same role, different including block: different VRF input.
        for role in Role.allCases {
            let onA = EconomicLedgerRules.selectionContext(selectionHash: a.id, task: task.id, role: role)
            let onB = EconomicLedgerRules.selectionContext(selectionHash: b.id, task: task.id, role: role)
            #expect(onA.alpha != onB.alpha)
            #expect(onB.alpha == SelectionContext(selectionHash: b.id, taskId: task.id, role: role).alpha)
        }
        let holders = [(miner, 1), (evaluator, 2), (supervisor, 3), (verifierTicket, 0)]
        let overA = try EconomicChain.selection(task: task.id, selectionHash: a.id, holders)
        let overB = try e.selection(task: task.id, holders)
        let overTaskId = try EconomicChain.selection(task: task.id, selectionHash: task.id, holders)
        // Every ticket's VRF output differs between the two blocks, and a proof over A does not verify on B.
        let vrf = ECVRFVerifier()
        for (pa, pb) in zip(overA.proofs, overB.proofs) {
            let record = try #require(try e.chain.ticket(pa.ticket))
            let role = try #require(Role(rawValue: record.role.rawValue))
            let alphaA = EconomicLedgerRules.selectionContext(selectionHash: a.id, task: task.id, role: role).alpha
            let alphaB = EconomicLedgerRules.selectionContext(selectionHash: b.id, task: task.id, role: role).alpha
            let betaA = try #require(vrf.verifiedOutput(publicKey: record.vrfPublicKey, alpha: alphaA, proof: pa.proof))
            let betaB = try #require(vrf.verifiedOutput(publicKey: record.vrfPublicKey, alpha: alphaB, proof: pb.proof))
            #expect(betaA != betaB)
            #expect(vrf.verifiedOutput(publicKey: record.vrfPublicKey, alpha: alphaB, proof: pa.proof) == nil)
        }
        // On B's chain the proofs over A seat nobody.
        let outcomes = try e.rules.selectionOutcomes(
            overA,
            seats: [.miner: 1, .supervisor: 1, .evaluator: 1, .verifier: 1],
            taskId: task.id,
            registrationHeight: 4,
            ledger: e.chain.ledgerView()
        )
        #expect(outcomes.values.allSatisfy { $0.seats.isEmpty })

        func claim(_ selection: SelectionClaim) -> SettlementClaim {
            SettlementClaim(
                miners: [.init(ticket: miner.id, qualityPPM: 900_000, verifiedIterations: 12)],
                supervisors: [supervisor.id],
                evaluators: [evaluator.id],
                selection: selection,
                attestations: []
            )
        }
        // The old alpha (task id standing in for the block hash) and the other fork's block are both rejected.
        for wrong in [overTaskId, overA] {
            try e.expectRuleRejected(
                [try e.result(task: task.id, claim: claim(wrong), evaluatorKeys: [2], by: 2)],
                signers: [2],
                "VRF proof does not verify"
            )
        }
        try e.extend([try e.result(task: task.id, claim: claim(overB), evaluatorKeys: [2], by: 2)])
        // Verifiers take no task seat (they are drawn per block): the three seat tickets are used.
        #expect(try e.chain.tickets().filter { $0.usedIn == task.id }.count == 3)

        // A replay from the blocks re-derives the recorded selection hash.
        let report = try ChainVerifier.reindex(source: storage, rules: e.rules)
        #expect(report.ok && report.replayedStateHash == report.storedStateHash, "\(report.failure ?? "")")
    }
}
