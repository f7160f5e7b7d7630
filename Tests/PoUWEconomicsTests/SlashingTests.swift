import PoUWCore
import PoUWEconomics
import Testing

/// Decides evidence from a fixed table of replay results, as the protocol's replay would.
struct ReplayTable: EvidenceChecker {
    let cheats: Set<Hash256>

    func check(_ evidence: Evidence) -> EvidenceVerdict {
        cheats.contains(Hash256.sha256(evidence.payload)) ? .proven : .notProven(reason: "iteration replays correctly")
    }
}

@Suite("Punishment: evidence and slashing")
struct SlashingTests {
    let evidence = Evidence(
        kind: .failedReplay,
        taskId: hashOf("task 7"),
        offender: address(3),
        offenderTicket: hashOf("carol"),
        payload: Array("message 0xabc, iteration 12".utf8)
    )
    var checker: ReplayTable { ReplayTable(cheats: [Hash256.sha256(evidence.payload)]) }
    let honest = [address(2), address(1), address(20), address(30), address(2)]

    @Test("worked example: 1 000 000 007 units shared by 4 honest accounts, leftover units to the lowest")
    func confiscate() throws {
        let outcome = try SlashingRules.confiscate(
            evidence,
            usedEvidence: [],
            offenderTicketStake: units(1_000_000_007),
            honestParticipants: honest,
            checker: checker
        )
        #expect(outcome.shares.map(\.account) == [address(1), address(2), address(20), address(30)])
        #expect(
            outcome.shares.map(\.amount) == [
                units(250_000_002), units(250_000_002), units(250_000_002), units(250_000_001),
            ]
        )
        #expect(outcome.burned == .zero)
        #expect(outcome.evidenceId == evidence.id)
    }

    @Test("property: shares + burn = confiscated stake")
    func conservation() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<1000 {
            let stake = rng.next() >> (rng.next() % 64) | 1
            let people = (0..<Int(rng.next() % 8)).map { _ in address(UInt8(10 + rng.next() % 20)) }
            let outcome = try SlashingRules.confiscate(
                evidence,
                usedEvidence: [],
                offenderTicketStake: Amount(units: stake),
                honestParticipants: people,
                checker: checker
            )
            let shared = outcome.shares.reduce(UInt128(0)) { $0 + UInt128($1.amount.units) }
            #expect(shared + UInt128(outcome.burned.units) == UInt128(stake))
            #expect(people.isEmpty == (outcome.burned.units == stake))
        }
    }

    @Test("rejections: reused evidence, false accusation, nothing left to slash, offender listed as honest")
    func rejections() {
        #expect(throws: SlashingRejection.evidenceReused(evidence.id)) {
            try SlashingRules.confiscate(
                evidence,
                usedEvidence: [evidence.id],
                offenderTicketStake: units(5),
                honestParticipants: honest,
                checker: checker
            )
        }
        let falseAccusation = Evidence(
            kind: .failedReplay,
            taskId: evidence.taskId,
            offender: address(2),
            offenderTicket: hashOf("bob"),
            payload: Array("message 0xdef, iteration 3".utf8)
        )
        #expect(throws: SlashingRejection.notProven(reason: "iteration replays correctly")) {
            try SlashingRules.confiscate(
                falseAccusation,
                usedEvidence: [],
                offenderTicketStake: units(5),
                honestParticipants: [address(1)],
                checker: checker
            )
        }
        #expect(throws: SlashingRejection.nothingToSlash(ticket: hashOf("carol"))) {
            try SlashingRules.confiscate(
                evidence,
                usedEvidence: [],
                offenderTicketStake: .zero,
                honestParticipants: honest,
                checker: checker
            )
        }
        #expect(throws: SlashingRejection.offenderListedAsHonest(address(3))) {
            try SlashingRules.confiscate(
                evidence,
                usedEvidence: [],
                offenderTicketStake: units(5),
                honestParticipants: honest + [address(3)],
                checker: checker
            )
        }
    }

    @Test("evidence identity is its canonical hash; the encoding round-trips and rejects unknown kinds")
    func identity() throws {
        #expect(try Evidence(canonicalBytes: evidence.canonicalBytes) == evidence)
        #expect(evidence.id == Hash256.sha256(evidence.canonicalBytes))
        let other = Evidence(
            kind: .doubleSignature,
            taskId: evidence.taskId,
            offender: evidence.offender,
            offenderTicket: evidence.offenderTicket,
            payload: evidence.payload
        )
        #expect(other.id != evidence.id)
        var bytes = evidence.canonicalBytes
        bytes[2] = 7
        #expect(throws: CanonicalDecodingError.invalidValue(field: "evidence.kind", reason: "unknown kind 7")) {
            try Evidence(canonicalBytes: bytes)
        }
    }
}
