public import PoUWCore

/// The VRF selection a TASK_RESULT's seats come from: the task's requirements (what every ticket's preferences
/// were scored against) and the VRF proof of every ticket that took part, seated or not. With the chain's ticket
/// records this is everything `Selection.select` needs, so anyone can recompute the seats from chain data.
///
/// Encoded inside `SettlementClaim` v2: `requirements (record 0x72), proofs (count ≤ maxProofs; ticket 32 B,
/// proof length-prefixed ≤ maxProofBytes each)`, proofs in ascending ticket order, no ticket twice.
public struct SelectionClaim: Sendable, Hashable {
    public static let maxProofs = 1024
    public static let maxProofBytes = 128

    /// One ticket's VRF proof for the task's selection context of the ticket's role.
    public struct Proof: Sendable, Hashable {
        public let ticket: Hash256
        public let proof: [UInt8]

        public init(ticket: Hash256, proof: [UInt8]) {
            self.ticket = ticket
            self.proof = proof
        }
    }

    public let requirements: TaskRequirements
    /// Ascending ticket order, each ticket once.
    public let proofs: [Proof]

    /// Sorts `proofs` by ticket and keeps the first proof of each ticket.
    public init(requirements: TaskRequirements, proofs: [Proof]) {
        self.requirements = requirements
        var seen = Set<Hash256>()
        self.proofs = proofs.sorted { $0.ticket < $1.ticket }.filter { seen.insert($0.ticket).inserted }
    }

    func encode(to writer: inout ByteWriter) {
        requirements.encode(to: &writer)
        writer.length(proofs.count)
        for p in proofs {
            writer.hash(p.ticket)
            writer.lengthPrefixed(p.proof)
        }
    }

    init(from reader: inout ByteReader) throws {
        let requirements = try TaskRequirements(from: &reader)
        var proofs: [Proof] = []
        for _ in 0..<(try reader.length(field: "claim.proofs", limit: Self.maxProofs)) {
            let ticket = try reader.hash()
            if let last = proofs.last, !(last.ticket < ticket) {
                throw CanonicalDecodingError.invalidValue(
                    field: "claim.proofs",
                    reason: "not in ascending ticket order"
                )
            }
            proofs.append(
                Proof(ticket: ticket, proof: try reader.lengthPrefixed(field: "claim.proof", limit: Self.maxProofBytes))
            )
        }
        self.requirements = requirements
        self.proofs = proofs
    }
}
