public import PoUWCore

/// What a TASK_RESULT claims about who took part in a task, by ticket: the chain resolves each ticket to its
/// owner, checks the ticket's use (role, maturity, expiry, single use) and recomputes the payout table from it.
///
/// Canonical record 0x76 v1: `miners (count; ticket 32 B, qualityPPM u32, verifiedIterations u64 each),
/// supervisors (count; ticket 32 B each), evaluators (count; ticket 32 B each), verifier charges (count;
/// verifier ticket 32 B, miner ticket 32 B, blocksChecked u64 each)`. Counts are limited to `maxSeats` per list.
/// Version 2 appends the `SelectionClaim` (requirements and every taking-part ticket's VRF proof); a claim without
/// a selection encodes as v1, byte for byte as before. Miner, supervisor and evaluator seats are listed in seat
/// (draw) order; in v1/v2 verifier seats are the distinct verifier tickets of `charges` in order of first appearance.
///
/// Version 3 (verifiers drawn per block): `miners, supervisors, evaluators` as in v1, then the `SelectionClaim`
/// (required), then the block attestations (count ≤ `maxAttestations`; each a `BlockAttestation` body without
/// its task, which is the TASK_RESULT's), in strictly ascending (block id, ticket id) order — so one ticket cannot
/// attest one block twice in a decodable claim. A v3 claim has no `charges`: the chain derives what each miner pays
/// from the attestations (`EconomicLedgerRules.verifierCharges`).
public struct SettlementClaim: Sendable, Hashable, CanonicalCodable {
    public static let maxSeats = 256
    /// Attestations one claim can carry (≈ 243 bytes each; the TASK_RESULT's metrics are capped at
    /// `TransactionLimits.metricsBytes`).
    public static let maxAttestations = 640

    /// A miner seat and what the evaluators measured for it.
    public struct MinerSeat: Sendable, Hashable {
        public let ticket: Hash256
        public let qualityPPM: UInt32
        public let verifiedIterations: UInt64

        public init(ticket: Hash256, qualityPPM: UInt32, verifiedIterations: UInt64) {
            self.ticket = ticket
            self.qualityPPM = qualityPPM
            self.verifiedIterations = verifiedIterations
        }
    }

    /// Blocks of the miner seat `minerTicket` that the verifier seat `verifierTicket` checked.
    public struct Charge: Sendable, Hashable {
        public let verifierTicket: Hash256
        public let minerTicket: Hash256
        public let blocksChecked: UInt64

        public init(verifierTicket: Hash256, minerTicket: Hash256, blocksChecked: UInt64) {
            self.verifierTicket = verifierTicket
            self.minerTicket = minerTicket
            self.blocksChecked = blocksChecked
        }
    }

    public let miners: [MinerSeat]
    public let supervisors: [Hash256]
    public let evaluators: [Hash256]
    public let charges: [Charge]
    /// The VRF selection the seats come from (v2, v3); `nil` for a v1 claim.
    public let selection: SelectionClaim?
    /// The drawn verifiers' attestations (v3), ascending (block, ticket); `nil` for v1/v2. Their `task` is not
    /// encoded: decoded attestations carry `Hash256.zero` until bound with `attestations(task:)`.
    public let attestations: [BlockAttestation]?

    public init(
        miners: [MinerSeat],
        supervisors: [Hash256],
        evaluators: [Hash256],
        charges: [Charge],
        selection: SelectionClaim? = nil
    ) {
        self.miners = miners
        self.supervisors = supervisors
        self.evaluators = evaluators
        self.charges = charges
        self.selection = selection
        self.attestations = nil
    }

    /// A v3 claim: seats, the selection and the block attestations (sorted by (block, ticket); a repeated
    /// (block, ticket) pair is kept, so the chain can refuse it).
    public init(
        miners: [MinerSeat],
        supervisors: [Hash256],
        evaluators: [Hash256],
        selection: SelectionClaim,
        attestations: [BlockAttestation]
    ) {
        self.miners = miners
        self.supervisors = supervisors
        self.evaluators = evaluators
        self.charges = []
        self.selection = selection
        self.attestations = attestations.sorted { ($0.block, $0.ticket) < ($1.block, $1.ticket) }
    }

    /// The attestations bound to the TASK_RESULT's task (empty for v1/v2).
    public func attestations(task: Hash256) -> [BlockAttestation] {
        (attestations ?? []).map {
            BlockAttestation(
                task: task,
                block: $0.block,
                ticket: $0.ticket,
                verdict: $0.verdict,
                proof: $0.proof,
                signer: $0.signer,
                signature: $0.signature
            )
        }
    }

    /// The canonical version this claim encodes as.
    public var version: UInt8 { attestations != nil ? 3 : selection == nil ? 1 : 2 }

    /// The seat tickets of `role`, in seat order (verifiers: distinct verifier tickets of `charges`).
    public func seatTickets(_ role: Role) -> [Hash256] {
        seats.filter { $0.role == role }.map(\.ticket)
    }

    /// Every seat as (ticket, role), in claim order; verifier tickets once each.
    public var seats: [(ticket: Hash256, role: Role)] {
        var verifiers: [Hash256] = []
        for c in charges where !verifiers.contains(c.verifierTicket) { verifiers.append(c.verifierTicket) }
        return miners.map { ($0.ticket, Role.miner) } + supervisors.map { ($0, Role.supervisor) }
            + evaluators.map { ($0, Role.evaluator) } + verifiers.map { ($0, Role.verifier) }
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .settlementClaim, version: version)
        writer.length(miners.count)
        for m in miners {
            writer.hash(m.ticket)
            writer.u32(m.qualityPPM)
            writer.u64(m.verifiedIterations)
        }
        writer.length(supervisors.count)
        for s in supervisors { writer.hash(s) }
        writer.length(evaluators.count)
        for e in evaluators { writer.hash(e) }
        if let attestations, let selection {
            selection.encode(to: &writer)
            writer.length(attestations.count)
            for a in attestations { a.encodeBody(to: &writer) }
            return
        }
        writer.length(charges.count)
        for c in charges {
            writer.hash(c.verifierTicket)
            writer.hash(c.minerTicket)
            writer.u64(c.blocksChecked)
        }
        selection?.encode(to: &writer)
    }

    public init(from reader: inout ByteReader) throws {
        let version = try reader.header(tag: .settlementClaim, versions: 1...3)
        var miners: [MinerSeat] = []
        for _ in 0..<(try reader.length(field: "claim.miners", limit: Self.maxSeats)) {
            miners.append(
                MinerSeat(ticket: try reader.hash(), qualityPPM: try reader.u32(), verifiedIterations: try reader.u64())
            )
        }
        var supervisors: [Hash256] = []
        for _ in 0..<(try reader.length(field: "claim.supervisors", limit: Self.maxSeats)) {
            supervisors.append(try reader.hash())
        }
        var evaluators: [Hash256] = []
        for _ in 0..<(try reader.length(field: "claim.evaluators", limit: Self.maxSeats)) {
            evaluators.append(try reader.hash())
        }
        if version == 3 {
            let selection = try SelectionClaim(from: &reader)
            var attestations: [BlockAttestation] = []
            for _ in 0..<(try reader.length(field: "claim.attestations", limit: Self.maxAttestations)) {
                let a = try BlockAttestation.decodeBody(task: .zero, from: &reader)
                if let last = attestations.last, !((last.block, last.ticket) < (a.block, a.ticket)) {
                    throw CanonicalDecodingError.invalidValue(
                        field: "claim.attestations",
                        reason: "not in ascending (block, ticket) order, or ticket \(a.ticket.short) attests block "
                            + "\(a.block.short) twice"
                    )
                }
                attestations.append(a)
            }
            self.init(
                miners: miners,
                supervisors: supervisors,
                evaluators: evaluators,
                selection: selection,
                attestations: attestations
            )
            return
        }
        var charges: [Charge] = []
        for _ in 0..<(try reader.length(field: "claim.charges", limit: Self.maxSeats)) {
            charges.append(
                Charge(
                    verifierTicket: try reader.hash(),
                    minerTicket: try reader.hash(),
                    blocksChecked: try reader.u64()
                )
            )
        }
        self.init(
            miners: miners,
            supervisors: supervisors,
            evaluators: evaluators,
            charges: charges,
            selection: version == 2 ? try SelectionClaim(from: &reader) : nil
        )
    }
}
