public import PoUWChain
public import PoUWCore
public import PoUWEconomics
public import PoUWML
public import PoUWProtocol

/// How many seats of each role a client asks for (the seed's task JSON has no worker counts, so the client states
/// them): they go into its PAY_FOR_TASK's `TaskTerms` (`terms(requirements:)`), and the chain and every node take a
/// task's seats from there. `verifiers` is the number drawn for each block of the task.
public struct SeatCounts: Sendable, Hashable {
    public var miners: Int
    public var supervisors: Int
    public var evaluators: Int
    public var verifiers: Int

    public init(miners: Int, supervisors: Int, evaluators: Int, verifiers: Int) {
        self.miners = miners
        self.supervisors = supervisors
        self.evaluators = evaluators
        self.verifiers = verifiers
    }

    public var byRole: [Role: Int] {
        [.miner: miners, .supervisor: supervisors, .evaluator: evaluators, .verifier: verifiers]
    }

    /// The task terms a PAY_FOR_TASK carries for these seats and `requirements`.
    public func terms(requirements: TaskRequirements) throws -> TaskTerms {
        func count(_ n: Int) -> UInt16 { UInt16(clamping: max(0, n)) }
        return try TaskTerms(
            miners: count(miners),
            supervisors: count(supervisors),
            evaluators: count(evaluators),
            verifiersPerBlock: count(verifiers),
            requirements: requirements
        )
    }
}

/// A paid task's selection as every node derives it from chain data (PROTOCOL.md "registration"): the VRF
/// proofs its tickets' holders published, recomputed with economics' `Selection` through the chain's own
/// `EconomicLedgerRules.selectionOutcomes` at the task's registration height, and the `TaskRules` that follow.
///
/// Definitions: requirements and seat counts = the task's PAY_FOR_TASK terms (recorded by the chain; a node also
/// checks that the requirements describe the data it received, `TaskRegistration.requirements(for:)`); verifiers
/// take no task seat (they are drawn per block, `Node.Lifecycle.attestations`); the selected miners' node keys come from
/// the proofs' announcements (a key is accepted only if it hashes to the ticket owner's address); batch
/// assignment = `SeededBatchAssignment(seed: SeededBatchAssignment.seed(selectionBlock: the block that included the
/// PAY_FOR_TASK, taskID:), miners: the selected miners)`, so neither the draw nor the deal can be ground by the client.
/// Guarantees: a pure function of the chain state, the task's data and the proofs; the same inputs give the same
/// seats on every node, and the evaluators' TASK_RESULT carries exactly these proofs so the chain re-checks them.
public struct TaskSelection: Sendable {
    public let taskID: Hash256
    public let registrationHeight: UInt64
    public let selection: SelectionClaim
    public let outcomes: [Role: SelectionOutcome]
    /// Owner account of every ticket that took part.
    public let owners: [Hash256: Address]
    /// Node key of every seat's owner, by ticket.
    public let keys: [Hash256: NodeKey]
    public let rules: TaskRules

    /// The seat tickets of `role`, in seat order.
    public func seats(_ role: Role) -> [Hash256] { outcomes[role]?.seats.map(\.ticket) ?? [] }

    /// The selected miners' keys, in seat order.
    public var minerKeys: [NodeKey] { seats(.miner).compactMap { keys[$0] } }

    /// The seat tickets of `role` owned by `account`.
    public func seats(_ role: Role, of account: Address) -> [Hash256] {
        seats(role).filter { owners[$0] == account }
    }
}

/// Derives a paid task's requirements and selection (see `TaskSelection`).
public enum TaskRegistration {
    /// Why a selection could not be derived.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case notRegistered(Hash256)
        case rules(String)
        case noMiners(Hash256)
        case termsDoNotFitData(Hash256)

        public var description: String {
            switch self {
            case .notRegistered(let id): "task \(id.short) is not registered on this chain (or has no task terms)"
            case .termsDoNotFitData(let id):
                "task \(id.short): the requirements its PAY_FOR_TASK states do not describe its published data"
            case .rules(let reason): "selection: \(reason)"
            case .noMiners(let id): "no miner ticket won a seat in task \(id.short)"
            }
        }
    }

    /// What the task needs from its workers: its model type; the training data's size (per row a label byte and
    /// the binary32 features) for miners to hold and supervisors to store; one GPU if the task asks for one; no bandwidth or
    /// redundancy floor.
    public static func requirements(for task: PreparedTask) throws -> TaskRequirements {
        // Every batch has the task's input size (checked when the task is prepared; fetched batches re-hash to the
        // manifest's hashes), so the size follows from the sample count.
        try requirements(
            definition: task.definition,
            bytes: UInt64(task.sampleCount) * UInt64(1 + 4 * task.definition.inputSize)
        )
    }

    /// `requirements(for:)` from a task's definition and training batches.
    public static func requirements(definition: TaskDefinition, batches: [Batch]) throws -> TaskRequirements {
        // The batches' payload: a label byte and the binary32 features of every row.
        try requirements(
            definition: definition,
            bytes: UInt64(batches.reduce(0) { $0 + $1.rows * (1 + 4 * $1.featureCount) })
        )
    }

    /// `requirements(for:)` from a task's definition and the size of its training data in bytes.
    static func requirements(definition: TaskDefinition, bytes: UInt64) throws -> TaskRequirements {
        let modelType: String =
            switch definition.model {
            case .mlp: "mlp"
            case .cnn: "cnn"
            }
        return try TaskRequirements(
            modelType: modelType,
            datasetBytes: bytes,
            minGPUCount: definition.gpu == true ? 1 : 0,
            minGPUMemoryMiB: 0,
            storageBytes: bytes,
            minBandwidthMbps: 0,
            minFaultsTolerated: 0
        )
    }

    /// Preferences of a node provisioned exactly for `requirements` (match score 1 for its role).
    public static func provisionedPreferences(for role: Role, _ requirements: TaskRequirements) throws -> Preferences {
        switch role.preferenceKind {
        case .storage:
            .storage(
                try StoragePreferences(
                    storageBytes: requirements.storageBytes,
                    bandwidthMbps: max(1, requirements.minBandwidthMbps),
                    redundancy: .replication(copies: 1)
                )
            )
        case .compute:
            .compute(
                try ComputePreferences(
                    modelTypes: [requirements.modelType],
                    gpuCount: requirements.minGPUCount,
                    gpuMemoryMiB: requirements.minGPUMemoryMiB,
                    maxDatasetBytes: requirements.datasetBytes
                )
            )
        }
    }

    /// The selection of `task` from the chain `chain` holds and the published `proofs` (`keys`: the node key
    /// each proof's publisher announced, by ticket), with the seats and requirements of the task's terms.
    public static func select(
        task: PreparedTask,
        proofs: [SelectionClaim.Proof],
        keys announced: [Hash256: NodeKey],
        chain: Blockchain,
        rules economics: EconomicLedgerRules
    ) throws -> TaskSelection {
        guard let escrow = try chain.task(task.taskID), let selectionBlock = try chain.selectionHash(task: task.taskID),
            let terms = try EconomicLedgerRules.terms(task: task.taskID, ledger: chain.ledgerView())
        else { throw Failure.notRegistered(task.taskID) }
        guard try requirements(for: task) == terms.requirements else { throw Failure.termsDoNotFitData(task.taskID) }
        let selection = SelectionClaim(requirements: terms.requirements, proofs: proofs)
        var seats: [Role: Int] = [:]
        for role in Role.allCases { seats[role] = terms.seats(role) }
        let outcomes: [Role: SelectionOutcome]
        do {
            outcomes = try economics.selectionOutcomes(
                selection,
                seats: seats,
                taskId: task.taskID,
                registrationHeight: escrow.height,
                ledger: chain.ledgerView()
            )
        } catch { throw Failure.rules("\(error)") }
        var owners: [Hash256: Address] = [:]
        var keys: [Hash256: NodeKey] = [:]
        for proof in selection.proofs {
            guard let record = try chain.ticket(proof.ticket) else { continue }
            owners[proof.ticket] = record.owner
            if let key = announced[proof.ticket], (try? TaskSettlement.account(of: key)) == record.owner {
                keys[proof.ticket] = key
            }
        }
        let miners = (outcomes[.miner]?.seats ?? []).compactMap { keys[$0.ticket] }
        guard !miners.isEmpty else { throw Failure.noMiners(task.taskID) }
        let rules = try TaskRules(
            taskID: task.taskID,
            miners: Set(miners),
            assignment: SeededBatchAssignment(
                seed: SeededBatchAssignment.seed(selectionBlock: selectionBlock, taskID: task.taskID),
                miners: miners,
                batchCount: task.batchHashes.count
            ),
            batchHashes: task.batchHashes,
            datasetRoot: task.datasetRoot,
            parameterCount: UInt32(task.miningParameters.parameterCount),
            tau: task.tau
        )
        return TaskSelection(
            taskID: task.taskID,
            registrationHeight: escrow.height,
            selection: selection,
            outcomes: outcomes,
            owners: owners,
            keys: keys,
            rules: rules
        )
    }

    /// The rules of a filler task: its one miner, everything else as for a paid task.
    public static func fillerRules(_ task: PreparedTask) throws -> TaskRules {
        let miners = task.filler.map { [$0.miner] } ?? []
        return try TaskRules(
            taskID: task.taskID,
            miners: Set(miners),
            assignment: SeededBatchAssignment(seed: task.taskID, miners: miners, batchCount: task.batchHashes.count),
            batchHashes: task.batchHashes,
            datasetRoot: task.datasetRoot,
            parameterCount: UInt32(task.miningParameters.parameterCount),
            tau: task.tau
        )
    }
}
