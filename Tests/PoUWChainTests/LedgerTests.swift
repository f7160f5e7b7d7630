import PoUWCore
import PoUWCrypto
import Testing

@testable import PoUWChain

@Suite("Ledger: tasks, tickets, results, evidence; mempool")
struct LedgerTests {
    let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!
    static let vrfKey: [UInt8] = [0x02] + [UInt8](repeating: 0x5a, count: 32)

    func signed(_ body: Transaction.Body, by i: Int, sequence: UInt64, fee: UInt64 = 1_000) -> Transaction {
        Transaction(body: body, signer: TestChain.key(i).publicKey, sequence: sequence, fee: Amount(units: fee))
            .signed(with: TestChain.key(i))
    }

    @Test func taskLifecycleMovesEscrowAndConservesSupply() throws {
        let t = try TestChain(rules: BasicLedgerRules(evidenceVerifier: { $0.proof == [1, 2, 3] ? nil : "bad proof" }))
        let pay = signed(
            .payForTask(
                PayForTask(
                    taskDefinition: Array("mlp 784-100-10".utf8),
                    datasetRoot: Hash256.sha256([1]),
                    testSetRoot: Hash256.sha256([2]),
                    escrow: Amount(units: 1_000_000)
                )
            ),
            by: 0,
            sequence: 0
        )
        let tickets = signed(
            .buyTickets(
                BuyTickets(
                    role: .miner,
                    count: 2,
                    stake: Amount(units: 50_000),
                    preferences: [1, 0],
                    vrfPublicKey: Self.vrfKey
                )
            ),
            by: 1,
            sequence: 0
        )
        try t.extend([pay, tickets])
        let task = try #require(try t.chain.task(pay.id))
        #expect(task.escrow.units == 1_000_000 && !task.settled && task.client == TestChain.address(0))
        #expect(try t.chain.account(TestChain.address(1)).locked.units == 50_000)
        #expect(try t.chain.ticket(tickets.id)?.count == 2)
        var supply = try t.chain.supply()
        #expect(supply.escrowed == 1_000_000 && supply.held == supply.expected)

        // Evaluator 2 signs metrics and a payout table of 600,000 to bob; 400,000 is refunded to the client.
        var result = TaskResult(
            taskId: pay.id,
            metrics: Array("acc=0.97".utf8),
            payouts: [Payout(to: bob, amount: Amount(units: 600_000))]
        )
        let evaluator = TestChain.key(2)
        result.evaluatorSignatures = [
            EvaluatorSignature(publicKey: evaluator.publicKey.bytes, signature: evaluator.sign(result.evaluatorMessage))
        ]
        let clientBefore = try t.chain.account(TestChain.address(0)).balance.units
        let settle = signed(.taskResult(result), by: 2, sequence: 0)
        try t.extend([settle])
        #expect(try t.chain.account(bob).balance.units == 600_000)
        #expect(try t.chain.account(TestChain.address(0)).balance.units == clientBefore + 400_000)
        #expect(try t.chain.task(pay.id)?.settled == true)
        // Settling twice is refused.
        let again = signed(.taskResult(result), by: 2, sequence: 1)
        let b = try t.block([again])
        try t.expectRejected(b, ChainError.invalidBlock(id: b.id, .taskAlreadySettled(tx: again.id, task: pay.id)))

        // Evidence against account 1: a bad proof is refused, a good one burns the slashed stake.
        let bad = signed(
            .evidence(
                Evidence(
                    kind: 1,
                    offender: TestChain.address(1),
                    taskId: pay.id,
                    slash: Amount(units: 20_000),
                    proof: [9]
                )
            ),
            by: 3,
            sequence: 0
        )
        let badBlock = try t.block([bad])
        try t.expectRejected(
            badBlock,
            ChainError.invalidBlock(id: badBlock.id, .ruleRejected(tx: bad.id, reason: "bad proof"))
        )
        let good = signed(
            .evidence(
                Evidence(
                    kind: 1,
                    offender: TestChain.address(1),
                    taskId: pay.id,
                    slash: Amount(units: 20_000),
                    proof: [1, 2, 3]
                )
            ),
            by: 3,
            sequence: 0
        )
        try t.extend([good])
        #expect(try t.chain.account(TestChain.address(1)).locked.units == 30_000)
        supply = try t.chain.supply()
        #expect(supply.burned == 20_000 && supply.escrowed == 0 && supply.held == supply.expected)
        // Slashing more than is locked is refused.
        let greedy = signed(
            .evidence(
                Evidence(
                    kind: 1,
                    offender: TestChain.address(1),
                    taskId: pay.id,
                    slash: Amount(units: 30_001),
                    proof: [1, 2, 3]
                )
            ),
            by: 3,
            sequence: 1
        )
        let gb = try t.block([greedy])
        #expect(
            throws: ChainError.invalidBlock(
                id: gb.id,
                .insufficientLockedStake(
                    tx: greedy.id,
                    account: TestChain.address(1),
                    needed: Amount(units: 30_001),
                    locked: Amount(units: 30_000)
                )
            )
        ) { try t.chain.process(gb) }
    }

    @Test func evidenceWithoutVerifierIsRejected() throws {
        let t = try TestChain()
        let e = signed(
            .evidence(Evidence(kind: 1, offender: bob, taskId: .zero, slash: Amount(units: 1), proof: [1])),
            by: 0,
            sequence: 0
        )
        let b = try t.block([e])
        #expect(throws: ChainError.self) { try t.chain.process(b) }
        // offender has no stake: the stake check fires first; give it some and the rule check fires.
        let stake = signed(
            .buyTickets(
                BuyTickets(
                    role: .verifier,
                    count: 1,
                    stake: Amount(units: 10),
                    preferences: [],
                    vrfPublicKey: Self.vrfKey
                )
            ),
            by: 1,
            sequence: 0
        )
        try t.extend([stake])
        let e2 = signed(
            .evidence(
                Evidence(kind: 1, offender: TestChain.address(1), taskId: .zero, slash: Amount(units: 1), proof: [1])
            ),
            by: 0,
            sequence: 0
        )
        let b2 = try t.block([e2])
        #expect(
            throws: ChainError.invalidBlock(
                id: b2.id,
                .ruleRejected(tx: e2.id, reason: "no evidence verifier is installed")
            )
        ) { try t.chain.process(b2) }
    }

    @Test func badEvaluatorSignatureAndUnknownTask() throws {
        let t = try TestChain()
        var result = TaskResult(taskId: Hash256.sha256([7]), metrics: [1], payouts: [])
        let evaluator = TestChain.key(2)
        result.evaluatorSignatures = [
            EvaluatorSignature(publicKey: evaluator.publicKey.bytes, signature: evaluator.sign(result.evaluatorMessage))
        ]
        let unknown = signed(.taskResult(result), by: 2, sequence: 0)
        let b = try t.block([unknown])
        try t.expectRejected(b, ChainError.invalidBlock(id: b.id, .unknownTask(tx: unknown.id, task: result.taskId)))
        result.metrics = [2]  // the evaluator's signature no longer covers the metrics
        let forged = signed(.taskResult(result), by: 2, sequence: 0)
        let b2 = try t.block([forged])
        try t.expectRejected(b2, ChainError.invalidBlock(id: b2.id, .badEvaluatorSignature(tx: forged.id, index: 0)))
    }

    @Test func formRules() throws {
        let zero = signed(.transfer(Transfer(to: bob, amount: .zero)), by: 0, sequence: 0)
        #expect(throws: ValidationError.invalidField(tx: zero.id, field: "transfer.amount", reason: "must be positive"))
        {
            try TransactionChecks.check(zero, encodedSize: 100, parameters: .local)
        }
        let badVRF = signed(
            .buyTickets(
                BuyTickets(
                    role: .miner,
                    count: 1,
                    stake: Amount(units: 1),
                    preferences: [],
                    vrfPublicKey: [UInt8](repeating: 4, count: 33)
                )
            ),
            by: 0,
            sequence: 0
        )
        #expect(throws: ValidationError.self) {
            try TransactionChecks.check(badVRF, encodedSize: 100, parameters: .local)
        }
        let emptyTask = signed(
            .payForTask(
                PayForTask(taskDefinition: [], datasetRoot: .zero, testSetRoot: .zero, escrow: Amount(units: 1))
            ),
            by: 0,
            sequence: 0
        )
        #expect(throws: ValidationError.self) {
            try TransactionChecks.check(emptyTask, encodedSize: 100, parameters: .local)
        }
    }

    @Test func mempoolOrdersByFeeRateAndEvictsAfterBlocksAndReorgs() throws {
        let t = try TestChain()
        var pool = Mempool()
        let low = TestChain.transfer(from: 0, to: bob, units: 10, sequence: 0, fee: 100)
        let high = TestChain.transfer(from: 1, to: bob, units: 10, sequence: 0, fee: 9_000)
        let next = TestChain.transfer(from: 0, to: bob, units: 10, sequence: 1, fee: 50_000)
        try pool.add(low, chain: t.chain)
        try pool.add(high, chain: t.chain)
        try pool.add(next, chain: t.chain)
        #expect(throws: ChainError.duplicateTransaction(id: low.id)) { try pool.add(low, chain: t.chain) }
        let replay = TestChain.transfer(from: 0, to: bob, units: 11, sequence: 0, fee: 100)
        #expect(
            throws: ChainError.invalidTransaction(id: replay.id, .badSequence(tx: replay.id, expected: 2, found: 0))
        ) {
            try pool.add(replay, chain: t.chain)
        }
        #expect(pool.byFeeRate().map(\.id) == [next.id, high.id, low.id])
        // Selection keeps a signer's sequence order even though `next` pays most.
        let selection = pool.selection(limit: 10, chain: t.chain)
        #expect(selection.firstIndex(of: low)! < selection.firstIndex(of: next)!)
        #expect(selection.count == 3)

        // Mine `low` and `high` in a block: they are evicted, `next` stays.
        let genesis = t.chain.tip.id
        let mined = try t.extend([low, high])
        let evicted = pool.revalidate(chain: t.chain)
        #expect(Set(evicted) == [low.id, high.id])
        #expect(pool.entries.keys.sorted() == [next.id])

        // A heavier branch without them: after the reorg, the disconnected transactions come back.
        let b1 = try t.block(parent: genesis, miner: bob)
        try t.chain.process(b1)
        let b2 = try t.block(parent: b1.id, miner: bob)
        let report = try t.chain.process(b2)
        guard case .reorganized(_, let disconnected, _) = report.outcome else {
            Issue.record("no reorg")
            return
        }
        #expect(disconnected == [mined.id])
        pool.revalidate(chain: t.chain, returning: mined.transactions)
        #expect(Set(pool.entries.keys) == [low.id, high.id, next.id])
    }
}
