public import PoUWCore

/// What a client's PAY_FOR_TASK commits to for its workers: how many seats of each role the task's VRF selection
/// fills, how many verifiers are drawn for each of its blocks, and the requirements every ticket's preferences are
/// scored against. The chain records the terms when the PAY_FOR_TASK is mined and judges the TASK_RESULT against
/// them (a claim whose requirements or seat lists differ is refused), so neither the evaluators nor anyone else
/// can change them after the client paid.
///
/// Canonical record 0x78 v1: `miners u16, supervisors u16, evaluators u16, verifiersPerBlock u16, requirements
/// (record 0x72)`. Decoding rejects zero miners or evaluators (nobody could train or sign the result) and any count
/// above `maxSeats`.
public struct TaskTerms: Sendable, Hashable, CanonicalCodable {
    public static let maxSeats: UInt16 = 64

    public let miners: UInt16
    public let supervisors: UInt16
    public let evaluators: UInt16
    /// Verifiers drawn for each block of the task (from the block's hash; `BlockAttestation`).
    public let verifiersPerBlock: UInt16
    public let requirements: TaskRequirements

    /// Why a set of terms is refused.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case noMiners
        case noEvaluators
        case tooManySeats(UInt16)

        public var description: String {
            switch self {
            case .noMiners: "a task needs at least one miner seat"
            case .noEvaluators: "a task needs at least one evaluator seat (they sign its TASK_RESULT)"
            case .tooManySeats(let n): "\(n) seats exceed the limit of \(TaskTerms.maxSeats) per role"
            }
        }
    }

    public init(
        miners: UInt16,
        supervisors: UInt16,
        evaluators: UInt16,
        verifiersPerBlock: UInt16,
        requirements: TaskRequirements
    ) throws(Failure) {
        guard miners > 0 else { throw .noMiners }
        guard evaluators > 0 else { throw .noEvaluators }
        for n in [miners, supervisors, evaluators, verifiersPerBlock] where n > Self.maxSeats {
            throw .tooManySeats(n)
        }
        self.miners = miners
        self.supervisors = supervisors
        self.evaluators = evaluators
        self.verifiersPerBlock = verifiersPerBlock
        self.requirements = requirements
    }

    /// Seats the task's selection fills for `role`. Verifiers take no task seat: they are drawn per block
    /// (`verifiersPerBlock`).
    public func seats(_ role: Role) -> Int {
        switch role {
        case .miner: Int(miners)
        case .supervisor: Int(supervisors)
        case .evaluator: Int(evaluators)
        case .verifier: 0
        }
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .taskTerms, version: 1)
        writer.u16(miners)
        writer.u16(supervisors)
        writer.u16(evaluators)
        writer.u16(verifiersPerBlock)
        requirements.encode(to: &writer)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .taskTerms, versions: 1...1)
        let counts = [try reader.u16(), try reader.u16(), try reader.u16(), try reader.u16()]
        do {
            try self.init(
                miners: counts[0],
                supervisors: counts[1],
                evaluators: counts[2],
                verifiersPerBlock: counts[3],
                requirements: try TaskRequirements(from: &reader)
            )
        } catch let failure as Failure {
            throw CanonicalDecodingError.invalidValue(field: "taskTerms", reason: failure.description)
        }
    }
}
