import PoUWCore
import PoUWCrypto
import PoUWEconomics
import Testing

@Suite("VRF selection")
struct SelectionTests {
    let params = EconomicsParameters.local
    let context = SelectionContext(selectionHash: hashOf("block 120"), taskId: hashOf("task 7"), role: .miner)

    /// Four miner tickets with real ECVRF-P256 proofs over the context's alpha.
    func fourTickets() throws -> [SelectionEntry] {
        let specs: [(String, UInt8, UInt32, Preferences)] = [
            ("alice", 1, 1, computePreferences(["mlp"], maxDataset: 100 << 20)),
            ("bob", 2, 3, computePreferences(["cnn", "mlp"])),
            ("carol", 3, 1, computePreferences(["cnn", "mlp", "resnet", "rnn"], gpus: 2, memoryMiB: 16_384)),
            ("dave", 4, 2, computePreferences(["cnn"])),  // cannot train an MLP: score 0
        ]
        return try specs.map { name, n, lots, prefs in
            let key = try vrfKey(name)
            let t = ticket(name, owner: address(n), lots: lots, preferences: prefs, vrfKey: key.publicKey.bytes)
            let (beta, proof) = prove(key, alpha: context.alpha)
            return SelectionEntry(ticket: t, beta: beta, proof: proof)
        }
    }

    func run(
        _ entries: [SelectionEntry],
        seats: Int = 2,
        height: UInt64 = 120,
        used: Set<Hash256> = []
    )
        -> SelectionOutcome
    {
        Selection.select(
            context: context,
            requirements: mnistRequirements(),
            seats: seats,
            entries: entries,
            height: height,
            usedTickets: used,
            parameters: params,
            verifier: ECVRFVerifier()
        )
    }

    @Test("alpha is domain ‖ selection hash ‖ task id ‖ role; block verifiers draw over (block hash, task, verifier)")
    func alpha() {
        #expect(context.alpha.count == 14 + 32 + 32 + 1)
        #expect(Array(context.alpha.prefix(14)) == Array("PoUW/select/v1".utf8))
        #expect(context.alpha.last == Role.miner.rawValue)
        let verifiers = SelectionContext.blockVerifiers(blockHash: hashOf("b"), taskId: hashOf("t"))
        #expect(
            verifiers.role == .verifier && verifiers.taskId == hashOf("t") && verifiers.selectionHash == hashOf("b")
        )
        #expect(
            verifiers.alpha != SelectionContext(selectionHash: hashOf("b"), taskId: hashOf("b"), role: .miner).alpha
        )
    }

    @Test("reproducible: same inputs, same seats, in any entry order; anyone can re-check")
    func reproducible() throws {
        let entries = try fourTickets()
        let first = run(entries)
        try #require(first.seats.count == 2)
        #expect(run(entries.reversed()).seats == first.seats)
        #expect(first.excluded == [.noMatch(ticket: hashOf("dave"))])
        try Selection.check(
            claimed: first.seats,
            context: context,
            requirements: mnistRequirements(),
            seats: 2,
            entries: entries,
            height: 120,
            usedTickets: [],
            parameters: params,
            verifier: ECVRFVerifier()
        )
        // A claim that swaps in a seat for a losing lot is rejected.
        var forged = first.seats
        forged[1] = Seat(ticket: hashOf("dave"), owner: address(4), lot: 0, draw: .zero)
        #expect(throws: SelectionCheckError.self) {
            try Selection.check(
                claimed: forged,
                context: context,
                requirements: mnistRequirements(),
                seats: 2,
                entries: entries,
                height: 120,
                usedTickets: [],
                parameters: params,
                verifier: ECVRFVerifier()
            )
        }
        // Seats are ordered by draw, and the draw of lot 0 is beta itself.
        #expect(first.seats.map(\.draw) == first.seats.map(\.draw).sorted())
        for seat in first.seats {
            let entry = entries.first { $0.ticket.id == seat.ticket }!
            #expect(seat.draw == Selection.draw(beta: entry.beta, lot: seat.lot))
            if seat.lot == 0 { #expect(seat.draw.bytes == entry.beta) }
        }
    }

    @Test("worked example (Docs/economics.md): 4 tickets, 2 seats")
    func workedExample() throws {
        let outcome = run(try fourTickets())
        // alice 1 lot, score 0.666666, ratio 0.498 → eligible; bob 3 lots, score 0.349609, ratios 0.322, 0.793,
        // 0.263 → lots 0 and 2 eligible; carol score 0.141276, ratio 0.793 → not; dave cannot train an MLP.
        #expect(outcome.candidates.map(\.eligibleLots) == [1, 0, 2])  // ticket id order: alice, carol, bob
        #expect(outcome.seats.map(\.ticket) == [hashOf("bob"), hashOf("bob")])
        #expect(outcome.seats.map(\.lot) == [2, 0])
        #expect(outcome.seats.map(\.draw.short) == ["433c440ec6d1", "528114447ecd"])
        #expect(outcome.excluded == [.noMatch(ticket: hashOf("dave"))])
    }

    @Test("a holder cannot change its output: a different beta or a forged proof is excluded")
    func grinding() throws {
        var entries = try fourTickets()
        let alice = entries[0]
        entries[0] = SelectionEntry(ticket: alice.ticket, beta: [UInt8](repeating: 0, count: 32), proof: alice.proof)
        #expect(run(entries).excluded.contains(.invalidProof(ticket: alice.ticket.id)))
        var badProof = alice.proof
        badProof[0] ^= 1
        entries[0] = SelectionEntry(ticket: alice.ticket, beta: alice.beta, proof: badProof)
        #expect(run(entries).excluded.contains(.invalidProof(ticket: alice.ticket.id)))
        // A proof for another task does not verify for this one.
        let key = try vrfKey("alice")
        let other = SelectionContext(selectionHash: hashOf("block 120"), taskId: hashOf("task 8"), role: .miner)
        let (beta, proof) = prove(key, alpha: other.alpha)
        entries[0] = SelectionEntry(ticket: alice.ticket, beta: beta, proof: proof)
        #expect(run(entries).excluded.contains(.invalidProof(ticket: alice.ticket.id)))
    }

    @Test("immature, expired, used, duplicate and wrong-role tickets take no seat")
    func exclusions() throws {
        let entries = try fourTickets()
        let alice = entries[0].ticket.id
        #expect(run(entries, height: 5).seats.isEmpty)  // all bought at 0, mature at 8
        #expect(run(entries, height: 8 + 4096).seats.isEmpty)  // all expired
        let withUsed = run(entries, used: [alice])
        #expect(withUsed.excluded.contains(.ticket(.doubleUse(ticket: alice))))
        #expect(!withUsed.seats.contains { $0.ticket == alice })
        #expect(run(entries + [entries[1]]).excluded.contains(.duplicateEntry(ticket: entries[1].ticket.id)))
        let supervisorContext = SelectionContext(
            selectionHash: context.selectionHash,
            taskId: context.taskId,
            role: .supervisor
        )
        let outcome = Selection.select(
            context: supervisorContext,
            requirements: mnistRequirements(),
            seats: 2,
            entries: entries,
            height: 120,
            usedTickets: [],
            parameters: params,
            verifier: ECVRFVerifier()
        )
        #expect(outcome.seats.isEmpty && outcome.excluded.count == 4)
    }

    @Test("Sybil: one 8-lot ticket, eight 1-lot tickets and two 4-lot tickets win the same expected seats")
    func sybil() {
        // 20 honest 1-lot tickets plus an attacker holding 8 lots' worth of stake; 5 seats; 10 000 trials each.
        // Betas are uniform (the VRF as a random oracle), drawn from a fixed-seed PRNG.
        let trials = 10_000
        let seats = 5
        let honest = (0..<20).map { ticket("honest \($0)", owner: address(UInt8($0 + 10))) }
        func meanSeats(attackerLots: [UInt32], score: MatchScore, seed: UInt64) -> Double {
            var rng = SplitMix64(seed: seed)
            let attacker = attackerLots.enumerated().map {
                ticket("sybil \($0.offset)", owner: address(1), lots: $0.element)
            }
            var total = 0
            for _ in 0..<trials {
                var lots: [Seat] = []
                for t in honest + attacker {
                    lots += Selection.eligibleLots(ticket: t, beta: rng.bytes(32), score: score)
                }
                total += Selection.fill(seats: seats, from: lots).filter { $0.owner == address(1) }.count
            }
            return Double(total) / Double(trials)
        }
        let full = MatchScore(q32: MatchScore.one)
        let one = meanSeats(attackerLots: [8], score: full, seed: 1)
        let eight = meanSeats(attackerLots: Array(repeating: 1, count: 8), score: full, seed: 2)
        let two = meanSeats(attackerLots: [4, 4], score: full, seed: 3)
        // Exact value: 5 seats drawn from 28 equally likely lots, 8 of them the attacker's: 5 × 8 / 28.
        // Standard error over 10 000 trials ≈ 0.0093; allow 5 of them.
        let expected = 5.0 * 8 / 28
        for observed in [one, eight, two] { #expect(abs(observed - expected) < 0.047) }
        // With a match score of 1/2 every lot is eligible with probability 1/2, independently: still no gain.
        let half = MatchScore(q32: MatchScore.one / 2)
        let oneHalf = meanSeats(attackerLots: [8], score: half, seed: 4)
        let eightHalf = meanSeats(attackerLots: Array(repeating: 1, count: 8), score: half, seed: 5)
        #expect(abs(oneHalf - eightHalf) < 0.066)
        // The test has power: under a one-draw-per-ticket rule the single ticket would average 5/21 ≈ 0.24 seats.
        #expect(one > 1.2)
    }

    @Test("splitting a stake never adds lots: Σ floor(sᵢ / p) ≤ floor(Σ sᵢ / p)")
    func splittingLots() throws {
        var rng = SplitMix64(seed: 9)
        let price = Amount(units: 1_000_003)
        for _ in 0..<500 {
            let parts = (0..<Int(rng.next() % 6 + 1)).map { _ in price.units + rng.next() % (price.units * 3) }
            let split = try parts.map { part in
                try TicketRules.purchase(
                    id: .zero,
                    owner: address(1),
                    role: .miner,
                    stake: Amount(units: part),
                    preferences: computePreferences(),
                    vrfPublicKey: testVRFPublicKey,
                    height: 0,
                    price: price,
                    parameters: params
                ).lots
            }
            let whole = parts.reduce(0, +) / price.units
            #expect(UInt64(split.reduce(0, +)) <= whole)
        }
    }
}
