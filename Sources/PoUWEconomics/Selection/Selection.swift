public import PoUWCore

/// One ticket's published VRF result for a selection: the ticket, its VRF output (beta) and proof.
public struct SelectionEntry: Sendable, Hashable {
    public let ticket: Ticket
    public let beta: [UInt8]
    public let proof: [UInt8]

    public init(ticket: Ticket, beta: [UInt8], proof: [UInt8]) {
        self.ticket = ticket
        self.beta = beta
        self.proof = proof
    }
}

/// A seat won: which ticket, which of its lots, and the draw that won it.
public struct Seat: Sendable, Hashable {
    public let ticket: Hash256
    public let owner: Address
    public let lot: UInt32
    public let draw: Hash256

    public init(ticket: Hash256, owner: Address, lot: UInt32, draw: Hash256) {
        self.ticket = ticket
        self.owner = owner
        self.lot = lot
        self.draw = draw
    }
}

/// Why an entry took no part in a selection.
public enum SelectionExclusion: Error, Sendable, Hashable {
    case ticket(TicketRejection)
    /// The proof did not verify, or its output is not the published beta.
    case invalidProof(ticket: Hash256)
    /// The same ticket appeared twice.
    case duplicateEntry(ticket: Hash256)
    /// The ticket's preferences fail a hard constraint of the task (score 0).
    case noMatch(ticket: Hash256)
}

extension SelectionExclusion: CustomStringConvertible {
    /// True if the exclusion is about `ticket`.
    public func names(_ ticket: Hash256) -> Bool {
        switch self {
        case .ticket(let rejection): rejection.description.contains(ticket.short)
        case .invalidProof(let t), .duplicateEntry(let t), .noMatch(let t): t == ticket
        }
    }

    public var description: String {
        switch self {
        case .ticket(let rejection): rejection.description
        case .invalidProof(let t): "ticket \(t.short): VRF proof does not verify"
        case .duplicateEntry(let t): "ticket \(t.short) named twice"
        case .noMatch(let t): "ticket \(t.short): preferences do not meet the task's requirements"
        }
    }
}

/// A ticket's part in a selection, for `pouw-inspect task` and audits.
public struct SelectionCandidate: Sendable, Hashable {
    public let ticket: Hash256
    public let score: MatchScore
    /// Lots whose ratio the score admits.
    public let eligibleLots: UInt32
}

/// The outcome of a selection: the seats in draw order, every candidate's score, and every exclusion.
public struct SelectionOutcome: Sendable, Hashable {
    public let context: SelectionContext
    public let seats: [Seat]
    public let candidates: [SelectionCandidate]
    public let excluded: [SelectionExclusion]
}

/// A claimed selection that does not match the recomputation.
public enum SelectionCheckError: Error, Sendable, Hashable {
    case seatsDiffer(expected: [Seat], claimed: [Seat])
}

/// Stake-weighted VRF selection of workers for a task (and of verifiers for a block).
///
/// Rule. For each entry (ticket of the context's role, live at `height`, proof valid, not a duplicate):
/// 1. Lot draws: lot 0 draws `beta` itself; lot j ≥ 1 draws `SHA-256("PoUW/lot/v1" ‖ beta ‖ u32le j)`.
///    The ratio of a draw is its first 8 bytes big-endian / 2⁶⁴.
/// 2. A lot is eligible iff `ratio < score`, where `score = MatchScore.of(preferences, requirements)`.
/// 3. Eligible lots are sorted by (draw, ticket id, lot) ascending; the first `seats` fill the seats. A ticket
///    with several lots may win several seats.
///
/// Why lots: every lot's draw is an independent uniform value (the VRF output is pseudorandom and unique per
/// ticket), so the seat distribution depends only on how many lots of each score take part, not on how they
/// are grouped into tickets. Splitting a stake into many tickets gains nothing (and with `lots =
/// floor(stake/price)`, `Σ floor(sᵢ/p) ≤ floor(Σ sᵢ/p)` means it can only lose); the same stake in one ticket
/// is worth exactly as much, up to `maxLotsPerTicket`.
public enum Selection {
    static let lotDomain = Array("PoUW/lot/v1".utf8)

    /// The draw of lot `lot` of a ticket whose VRF output is `beta` (32 bytes).
    public static func draw(beta: [UInt8], lot: UInt32) -> Hash256 {
        if lot == 0, let direct = Hash256(bytes: beta) { return direct }
        var writer = ByteWriter(capacity: 48)
        writer.raw(lotDomain)
        writer.raw(beta)
        writer.u32(lot)
        return Hash256.sha256(writer.bytes)
    }

    /// Runs the selection. `usedTickets` are tickets already used elsewhere (they are excluded as double use).
    public static func select(
        context: SelectionContext,
        requirements: TaskRequirements,
        seats: Int,
        entries: [SelectionEntry],
        height: UInt64,
        usedTickets: Set<Hash256>,
        parameters: EconomicsParameters,
        verifier: some VRFVerifying
    ) -> SelectionOutcome {
        let alpha = context.alpha
        var seen = Set<Hash256>()
        var excluded: [SelectionExclusion] = []
        var candidates: [SelectionCandidate] = []
        var lots: [Seat] = []
        for entry in entries.sorted(by: { $0.ticket.id < $1.ticket.id }) {
            let ticket = entry.ticket
            guard seen.insert(ticket.id).inserted else {
                excluded.append(.duplicateEntry(ticket: ticket.id))
                continue
            }
            do {
                try TicketRules.checkUse(
                    ticket,
                    role: context.role,
                    at: height,
                    usedTickets: usedTickets,
                    parameters: parameters
                )
            } catch {
                excluded.append(.ticket(error))
                continue
            }
            guard entry.beta.count == 32,
                verifier.verifiedOutput(publicKey: ticket.vrfPublicKey, alpha: alpha, proof: entry.proof)
                    == entry.beta
            else {
                excluded.append(.invalidProof(ticket: ticket.id))
                continue
            }
            let score = MatchScore.of(ticket.preferences, for: requirements)
            guard score.q32 > 0 else {
                excluded.append(.noMatch(ticket: ticket.id))
                continue
            }
            let eligible = eligibleLots(ticket: ticket, beta: entry.beta, score: score)
            lots.append(contentsOf: eligible)
            candidates.append(
                SelectionCandidate(ticket: ticket.id, score: score, eligibleLots: UInt32(eligible.count))
            )
        }
        return SelectionOutcome(
            context: context,
            seats: fill(seats: seats, from: lots),
            candidates: candidates,
            excluded: excluded
        )
    }

    /// Steps 1–2 for one ticket whose VRF output has been verified: its eligible lots with their draws.
    public static func eligibleLots(ticket: Ticket, beta: [UInt8], score: MatchScore) -> [Seat] {
        var out: [Seat] = []
        for lot in 0..<ticket.lots {
            let value = draw(beta: beta, lot: lot)
            if score.admits(ratioQ64: value.w0) {
                out.append(Seat(ticket: ticket.id, owner: ticket.owner, lot: lot, draw: value))
            }
        }
        return out
    }

    /// Step 3: the first `seats` eligible lots in (draw, ticket, lot) order.
    public static func fill(seats: Int, from lots: [Seat]) -> [Seat] {
        Array(lots.sorted { ($0.draw, $0.ticket, $0.lot) < ($1.draw, $1.ticket, $1.lot) }.prefix(max(0, seats)))
    }

    /// Re-checks a claimed seat list against the entries: anyone holding the chain data can run this.
    public static func check(
        claimed: [Seat],
        context: SelectionContext,
        requirements: TaskRequirements,
        seats: Int,
        entries: [SelectionEntry],
        height: UInt64,
        usedTickets: Set<Hash256>,
        parameters: EconomicsParameters,
        verifier: some VRFVerifying
    ) throws(SelectionCheckError) {
        let expected = select(
            context: context,
            requirements: requirements,
            seats: seats,
            entries: entries,
            height: height,
            usedTickets: usedTickets,
            parameters: parameters,
            verifier: verifier
        ).seats
        if expected != claimed { throw .seatsDiffer(expected: expected, claimed: claimed) }
    }
}
