import PoUWCore
import PoUWCrypto
import Testing

@testable import PoUWChain

@Suite("Mempool: pending effects, capacity and eviction")
struct MempoolTests {
    let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!

    @Test func heapPopsInEvictionOrder() {
        var heap = FeeRateHeap()
        var rng = SystemRandomNumberGenerator()
        var keys: [FeeRateHeap.Key] = []
        for arrival in 0..<500 {
            let key = FeeRateHeap.Key(
                feeRate: UInt64.random(in: 0..<40, using: &rng),
                arrival: UInt64(arrival),
                id: Hash256.sha256(Array("\(arrival)".utf8))
            )
            keys.append(key)
            heap.push(key)
        }
        var popped: [FeeRateHeap.Key] = []
        while let k = heap.popMin() { popped.append(k) }
        #expect(popped == keys.sorted())
        // Lowest rate first; among equal rates the latest arrival first.
        #expect(
            zip(popped, popped.dropFirst()).allSatisfy { a, b in
                a.feeRate < b.feeRate || (a.feeRate == b.feeRate && a.arrival > b.arrival)
            }
        )
    }

    @Test func aTransactionMaySpendWhatAPooledOnePaysIn() throws {
        let t = try TestChain()
        var pool = Mempool()
        let fresh = try Ed25519.PrivateKey(seed: [UInt8](repeating: 7, count: 32))
        let freshAddress = Address(publicKey: fresh.publicKey)
        let fund = TestChain.transfer(from: 3, to: freshAddress, units: 50_000, sequence: 0)
        let spend = Transaction(
            body: .transfer(Transfer(to: bob, amount: Amount(units: 40_000))),
            signer: fresh.publicKey,
            sequence: 0,
            fee: Amount(units: 1_000)
        ).signed(with: fresh)
        let overdraw = Transaction(
            body: .transfer(Transfer(to: bob, amount: Amount(units: 9_500))),
            signer: fresh.publicKey,
            sequence: 1,
            fee: Amount(units: 1_000)
        ).signed(with: fresh)
        #expect(throws: ChainError.self) { try pool.add(spend, chain: t.chain) }  // nothing to spend yet
        try pool.add(fund, chain: t.chain)
        try pool.add(spend, chain: t.chain)
        #expect(
            throws: ChainError.invalidTransaction(
                id: overdraw.id,
                .insufficientFunds(
                    tx: overdraw.id,
                    account: freshAddress,
                    needed: Amount(units: 10_500),
                    available: Amount(units: 9_000)
                )
            )
        ) { try pool.add(overdraw, chain: t.chain) }
        #expect(pool.count == 2)
        // What the pool selects applies on the tip.
        let selected = pool.selection(limit: 10, chain: t.chain)
        #expect(selected == [fund, spend])
        try t.extend(selected)
        #expect(try t.chain.account(bob).balance.units == 40_000)
        #expect(pool.revalidate(chain: t.chain).count == 2)
        #expect(pool.count == 0)
    }

    @Test func aFullPoolEvictsTheLowestRateAndWhatDependedOnIt() throws {
        let t = try TestChain()
        var pool = Mempool(capacity: 3)
        let a0 = TestChain.transfer(from: 0, to: bob, units: 10, sequence: 0, fee: 100)
        let a1 = TestChain.transfer(from: 0, to: bob, units: 10, sequence: 1, fee: 5_000)
        let b0 = TestChain.transfer(from: 1, to: bob, units: 10, sequence: 0, fee: 3_000)
        try pool.add(a0, chain: t.chain)
        try pool.add(a1, chain: t.chain)
        try pool.add(b0, chain: t.chain)
        // Full: a transaction must beat the lowest rate (a0's).
        let cheap = TestChain.transfer(from: 2, to: bob, units: 10, sequence: 0, fee: 100)
        let cheapRate = Mempool.Entry(transaction: cheap, id: cheap.id, size: cheap.canonicalBytes.count, arrival: 0)
            .feeRate
        let lowestRate = Mempool.Entry(transaction: a0, id: a0.id, size: a0.canonicalBytes.count, arrival: 0).feeRate
        #expect(throws: ChainError.mempoolFull(id: cheap.id, feeRate: cheapRate, lowest: lowestRate)) {
            try pool.add(cheap, chain: t.chain)
        }
        #expect(pool.count == 3)
        // A better one evicts a0, and a1 (sequence 1 of the same signer) cannot apply without it.
        let better = TestChain.transfer(from: 2, to: bob, units: 10, sequence: 0, fee: 2_000)
        try pool.add(better, chain: t.chain)
        #expect(Set(pool.entries.keys) == [b0.id, better.id])
        // a0 can come back (the pool has room); a1 then needs a0, which is the lowest: refused, a0 stays.
        try pool.add(a0, chain: t.chain)
        let rate = { (tx: Transaction) in
            Mempool.Entry(transaction: tx, id: tx.id, size: tx.canonicalBytes.count, arrival: 0).feeRate
        }
        #expect(throws: ChainError.mempoolFull(id: a1.id, feeRate: rate(a1), lowest: rate(a0))) {
            try pool.add(a1, chain: t.chain)
        }
        #expect(Set(pool.entries.keys) == [b0.id, better.id, a0.id])
        #expect(pool.selection(limit: 10, chain: t.chain).count == 3)
        #expect(cheapRate < lowestRate || cheapRate == lowestRate)
    }

    @Test func addNoticesANewTipWithoutRevalidate() throws {
        let t = try TestChain()
        var pool = Mempool()
        let a0 = TestChain.transfer(from: 0, to: bob, units: 10, sequence: 0)
        try pool.add(a0, chain: t.chain)
        try t.extend([a0])
        // The pool was built on the old tip; adding on the new one replays it there first (a0 is mined).
        let a1 = TestChain.transfer(from: 0, to: bob, units: 10, sequence: 1)
        try pool.add(a1, chain: t.chain)
        #expect(Set(pool.entries.keys) == [a1.id])
    }
}
