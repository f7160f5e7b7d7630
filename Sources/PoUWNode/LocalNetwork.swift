import Foundation
public import PoUWChain
public import PoUWCore
public import PoUWCrypto
public import PoUWEconomics
public import PoUWML
public import PoUWProtocol

/// How a local network is laid out and paced.
public struct NetworkConfiguration: Sendable, Hashable {
    public var miners = 3
    public var supervisors = 2
    public var evaluators = 1
    /// Seeds the node keys, the batch plan and the simulated network.
    public var seed: UInt64 = 0
    /// A miner stores its full state every this many messages (and at every block).
    public var checkpointInterval: UInt64 = 100
    /// Virtual time one round (one iteration of every miner) takes, microseconds; blocks carry this clock.
    public var roundMicroseconds: UInt64 = 250_000
    /// One-way latency of every link, microseconds.
    public var latencyMicroseconds: UInt64 = 1_000
    /// Extra uniform delay of each message in `0...jitter` microseconds (reorders messages by itself).
    public var jitterMicroseconds: UInt64 = 0
    /// Probability (per million) that a message on a link is lost.
    public var lossPerMillion: UInt32 = 0
    /// Probability (per million) that a message is held back `reorderDelayMicroseconds`, overtaken by later ones.
    public var reorderPerMillion: UInt32 = 0
    public var reorderDelayMicroseconds: UInt64 = 10_000
    /// The client's escrow and fee.
    public var escrow = Amount(units: 1_000 * Amount.unitsPerPAI)
    public var fee = Amount(units: Amount.unitsPerPAI / 100)
    /// What the client transfers to each worker node at the start, to pay for its tickets.
    public var workerFunding = Amount(units: 10 * Amount.unitsPerPAI)
    /// Verifiers drawn for each block of the task (the archive holds the one verifier ticket).
    public var verifiers = 1
    /// Rounds the bootstrap (fillers, tickets, registration, selection) may take before `LocalNetwork` gives up.
    public var bootstrapLimit = 3_000

    public init() {}

    /// The conditions of every link (the defaults: perfect links of 1 ms, so every node sees the same order).
    public var linkConditions: LinkConditions {
        LinkConditions(
            latency: latencyMicroseconds,
            jitter: jitterMicroseconds,
            lossPerMillion: lossPerMillion,
            reorderPerMillion: reorderPerMillion,
            reorderDelay: reorderDelayMicroseconds
        )
    }
}

/// A whole PoUW network in one process (the `pouw demo` and the end-to-end tests): a client, miners,
/// supervisors, evaluators and an archival node, each with its own data directory under `directory`, connected by
/// PoUWProtocol's seeded `SimulatedNetwork` on a virtual clock.
///
/// The lifecycle runs on chain (PROTOCOL.md "Lifecycle", Docs/demo.md): the client funds every worker node with a
/// TRANSFER; miners train fillers (`FillerTask`) so blocks get mined; every worker node buys its tickets
/// (BUY_TICKETS); once they are mature the client pays (PAY_FOR_TASK); every node publishes its VRF proofs and
/// derives the selection and the task's rules from chain data (`TaskSelection`); the selected miners switch from
/// their fillers to the task. `LocalNetwork` only paces rounds, delivers messages and plays the client.
///
/// Rounds: every miner in turn runs one iteration (`Node.mine`); after each, the network delivers what was sent
/// and every node handles it (records the message; verifies a block by replay before accepting it). With the
/// same inputs and number of rounds the run is bit-for-bit reproducible.
///
/// Guarantees: every node commits what it handles as it goes (see `Node`), so stopping between rounds loses
/// nothing already handled; the archival node (`archive/`) records every message, batch, checkpoint and block.
public final class LocalNetwork {
    public let directory: String
    public let configuration: NetworkConfiguration
    public let network: SimulatedNetwork
    public let task: PreparedTask
    public let client: Node
    public let miners: [Node]
    public let supervisors: [Node]
    public let evaluators: [Node]
    public let archive: Node
    public private(set) var rounds = 0
    /// Miners that cheat (`startCheating`): each round, a block forged from a cheater's message is broadcast.
    public private(set) var cheaters: [Node] = []
    /// Blocks forged by cheaters and broadcast so far.
    public private(set) var forgedBlocks = 0
    /// Rounds spent before the paid task started (fillers, tickets, registration, selection).
    public private(set) var bootstrapRounds = 0
    /// Whether the client has sent its PAY_FOR_TASK.
    public private(set) var paid = false

    public var nodes: [Node] { [client] + miners + supervisors + evaluators + [archive] }

    /// The task's selection as the archive derived it from chain data.
    public var selection: TaskSelection? { archive.lifecycle.selections[task.taskID] }

    /// The first height at which one of the task's seat tickets has expired: the TASK_RESULT must be in a block
    /// before it (the chain refuses expired seat tickets and has returned their stakes).
    public var seatExpiryHeight: UInt64? {
        guard let selection else { return nil }
        let parameters = archive.economics.parameters
        let heights = Role.allCases.flatMap { selection.seats($0) }.compactMap { ticket in
            (try? archive.chain.ticket(ticket))?.map {
                $0.height + UInt64(parameters.ticketMaturity) + UInt64(parameters.ticketExpiry)
            }
        }
        return heights.min()
    }

    /// True when training must stop so that the TASK_RESULT can still be mined before `seatExpiryHeight`
    /// (`margin` blocks of room for the evaluation and its confirmation).
    public func mustSettle(margin: UInt64 = 100) -> Bool {
        guard let expiry = seatExpiryHeight else { return false }
        return archive.chain.tip.height + margin >= expiry
    }

    /// Selected miners' keys (in seat order).
    public var selectedMiners: [NodeKey] { selection?.minerKeys ?? [] }

    /// The key of node `name` for run seed `seed`: Ed25519 from SHA-256("pouw/demo-node/" name "/" seed).
    public static func key(name: String, seed: UInt64) throws -> Ed25519.PrivateKey {
        try Ed25519.PrivateKey(seed: SHA256.hash(Array("pouw/demo-node/\(name)/\(seed)".utf8)).bytes)
    }

    /// Builds the nodes, funds the workers, prepares the client's task, publishes its data and runs the bootstrap
    /// until the selected miners train the task (see the type's documentation). `filler` is the bundled model and
    /// data fillers train; `evidenceChecker` judges EVIDENCE in every node's chain (`EconomicLedgerRules`); by
    /// default each node replays with its own artefacts (`ReplayEvidenceChecker`).
    public init(
        directory: String,
        configuration: NetworkConfiguration,
        taskJSON: [UInt8],
        train: Dataset,
        test: Dataset,
        filler: FillerTask.Source,
        evidenceChecker: (any EvidenceChecker & Sendable)? = nil
    ) throws {
        self.directory = directory
        self.configuration = configuration
        network = SimulatedNetwork(seed: configuration.seed, conditions: configuration.linkConditions)
        let parameters = ChainParameters.local
        let network = self.network
        let clock: @Sendable () -> UInt64 = { parameters.genesisTime + network.now / 1_000_000 + 60 }
        func node(_ name: String, _ roles: Set<NodeRole>, key: Ed25519.PrivateKey? = nil) throws -> Node {
            let node = try Node(
                name: name,
                roles: roles,
                key: key ?? Self.key(name: name, seed: configuration.seed),
                directory: directory + "/" + name,
                transport: network.attach(NodeAddress(name)),
                parameters: parameters,
                evidenceChecker: evidenceChecker,
                clock: clock
            )
            node.checkpointInterval = configuration.checkpointInterval
            return node
        }
        // The client pays with the first local development account (funded at genesis).
        client = try node("client", [.client], key: DevKeys.privateKey(0))
        miners = try (1...max(1, configuration.miners)).map { try node("miner-\($0)", [.miner, .verifier]) }
        supervisors = try (1...max(1, configuration.supervisors)).map {
            try node("supervisor-\($0)", [.supervisor, .verifier])
        }
        evaluators = try (1...max(1, configuration.evaluators)).map {
            try node("evaluator-\($0)", [.evaluator, .verifier])
        }
        archive = try node("archive", [.archive, .verifier])
        let workers = miners + supervisors + evaluators + [archive]

        // The seat counts the client asks for in its PAY_FOR_TASK (verifiers: drawn per block).
        let seats = SeatCounts(
            miners: miners.count,
            supervisors: supervisors.count,
            evaluators: evaluators.count,
            verifiers: configuration.verifiers
        )
        // The client funds each worker (sequences 0…n−1), then pays for the task with the next sequence.
        let clientAccount = try client.chain.account(client.account)
        let task = try PreparedTask(
            json: taskJSON,
            train: train,
            test: test,
            dataSeed: configuration.seed,
            client: client.key,
            sequence: clientAccount.sequence + UInt64(workers.count),
            escrow: configuration.escrow,
            fee: configuration.fee,
            miners: miners.count,
            seats: seats
        )
        self.task = task
        // Operators provision their nodes for this kind of task (match score 1).
        let requirements = try TaskRegistration.requirements(for: task)
        func plan(_ roles: [Role]) throws -> [Role: Preferences] {
            var out: [Role: Preferences] = [:]
            for role in roles { out[role] = try TaskRegistration.provisionedPreferences(for: role, requirements) }
            return out
        }
        try client.provision(fillerSource: filler, tickets: [:], seats: seats)
        for n in miners { try n.provision(fillerSource: filler, tickets: try plan([.miner]), seats: seats) }
        for n in supervisors { try n.provision(fillerSource: filler, tickets: try plan([.supervisor]), seats: seats) }
        for n in evaluators { try n.provision(fillerSource: filler, tickets: try plan([.evaluator]), seats: seats) }
        try archive.provision(fillerSource: filler, tickets: try plan([.verifier]), seats: seats)

        for (i, worker) in workers.enumerated() {
            let transfer = Transaction(
                body: .transfer(Transfer(to: worker.account, amount: configuration.workerFunding, memo: [])),
                signer: client.key.publicKey,
                sequence: clientAccount.sequence + UInt64(i),
                fee: .zero
            )
            .signed(with: client.key)
            client.receive(transfer)
            client.broadcast(.transaction(transfer.canonicalBytes))
        }
        deliver()
        // The client publishes the task's manifest and serves its batches by hash; nothing happens until it pays.
        try client.publish(task)
        deliver()
        try bootstrap()
    }

    /// Runs rounds until the selected miners train the paid task: the client pays once every worker's ticket is
    /// on chain and mature at the next block.
    func bootstrap() throws {
        while rounds < configuration.bootstrapLimit {
            if let selection,
                selection.minerKeys.allSatisfy({ key in
                    miners.first { $0.nodeKey == key }?.task?.taskID == task.taskID
                })
            {
                bootstrapRounds = rounds
                return
            }
            if let failure = archive.lifecycle.failures[task.taskID] { throw Failure.selection(failure) }
            try payWhenReady()
            try round()
        }
        throw Failure.bootstrap(rounds)
    }

    /// Why the network could not start the task.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case selection(String)
        case bootstrap(Int)
        /// The seated evaluator broadcast no TASK_RESULT: why.
        case evaluation(String)

        public var description: String {
            switch self {
            case .selection(let reason): "the task's selection failed: \(reason)"
            case .bootstrap(let rounds): "the task had not started after \(rounds) rounds"
            case .evaluation(let reason): "evaluation: \(reason)"
            }
        }
    }

    /// The client's policy: pay once every worker node's tickets are on chain and live at the next block.
    func payWhenReady() throws {
        guard !paid else { return }
        let chain = client.chain
        let tickets = try chain.tickets()
        let expected = (miners + supervisors + evaluators + [archive]).map { $0.lifecycle.ticketPlan.count }
            .reduce(0, +)
        let maturity = UInt64(client.economics.parameters.ticketMaturity)
        guard tickets.count >= expected, tickets.allSatisfy({ $0.record.height + maturity <= chain.tip.height + 1 })
        else { return }
        paid = true
        client.receive(task.transaction)
        client.broadcast(.transaction(task.transaction.canonicalBytes))
        deliver()
    }

    /// Delivers everything in flight and lets every node handle it.
    public func deliver() {
        while network.inFlight > 0 {
            network.deliverNext()
            for n in nodes { n.drainInbox() }
        }
    }

    /// Unix seconds of the virtual clock (what block templates carry).
    public var blockTime: UInt64 { ChainParameters.local.genesisTime + network.now / 1_000_000 }

    /// One round: every miner runs one iteration, and what it sends is delivered before the next one runs.
    @discardableResult
    public func round() throws -> [MiningStep] {
        var steps = [MiningStep]()
        let archives = [archive.address]
        for miner in miners {
            let step: MiningStep
            do {
                step = try miner.mine(blockTime: blockTime, startTime: network.now / 1_000, archives: archives)
            } catch Node.MiningFailure.batchUnavailable {
                // Its batch is on the way (asked by hash); it trains it in a later round.
                deliver()
                continue
            }
            steps.append(step)
            if step.block == nil, cheaters.contains(where: { $0 === miner }),
                let forged = miner.forgedBlock(from: step.message)
            {
                miner.broadcast(.block(forged.canonicalBytes))
                forgedBlocks += 1
            }
            deliver()
        }
        network.advance(by: configuration.roundMicroseconds)
        tick()
        rounds += 1
        return steps
    }

    /// Lets every node see the clock (`Node.tick`: retries, tip announcements, re-sent transactions) and
    /// delivers what that sends.
    func tick() {
        for n in nodes { n.tick(now: network.now) }
        deliver()
    }

    /// Whether every node has the archive's tip and no block waiting for artefacts.
    public var synchronized: Bool {
        let tip = archive.chain.tip.id
        return nodes.allSatisfy { $0.chain.tip.id == tip && $0.pendingBlockCount == 0 }
    }

    /// Without mining, lets time pass a round at a time (ticks: tip announcements, fetches) until `synchronized`,
    /// at most `limit` rounds of time; true if synchronized.
    @discardableResult
    public func synchronize(limit: Int = 40) -> Bool {
        for _ in 0..<limit {
            if synchronized { return true }
            network.advance(by: configuration.roundMicroseconds)
            tick()
        }
        return synchronized
    }

    /// Makes the first `count` miners training the paid task cheat (`Node.startCheating`, 4× the learning rate)
    /// from now on; returns them.
    @discardableResult
    public func startCheating(miners count: Int) throws -> [Node] {
        let training = miners.filter { m in m.task?.taskID == task.taskID && !cheaters.contains { $0 === m } }
        for miner in training.prefix(count) {
            try miner.startCheating(learningRateFactor: 4)
            cheaters.append(miner)
        }
        return Array(training.prefix(count))
    }

    /// After settlement: runs rounds until every cheater's seated ticket is slashed on the archive's chain (the
    /// honest nodes' waiting EVIDENCE is sent once the seats are recorded), at most `limit` rounds; true if all
    /// were slashed.
    public func awaitSlashing(limit: Int) throws -> Bool {
        func allSlashed() throws -> Bool {
            let tickets = try archive.chain.tickets()
            return cheaters.allSatisfy { cheater in
                tickets.contains {
                    $0.record.owner == cheater.account && $0.record.role == .miner && $0.usedIn == task.taskID
                        && $0.fate == .slashed
                }
            }
        }
        for _ in 0..<limit {
            if try allSlashed() { return true }
            try round()
        }
        return try allSlashed()
    }

    /// The evaluators' result: scores of every selected miner's final model, the claim with its payout table and
    /// the TASK_RESULT, broadcast to every node.
    public struct Evaluation: Sendable {
        public let scores: [TaskSettlement.Score]
        public let claim: SettlementClaim?
        public let table: PayoutTable
        public let result: Transaction?

        /// No evaluation: nothing scored, claimed or sent (the evaluator gave no TASK_RESULT).
        public static let none = Evaluation(
            scores: [],
            claim: nil,
            table: PayoutTable(escrow: .zero, lines: []),
            result: nil
        )
    }

    /// Blocks below the tip whose attestations a claim leaves out when the evaluator's peers do not agree on its
    /// tip (`EndOfTrainingState.unsettledDepth`): the lossy demo at 1,733 rounds proposed a claim naming a block
    /// the next reorganization removed, and the TASK_RESULT was refused for good.
    public static let unsettledDepth = EndOfTrainingState.unsettledDepth

    /// Ends training the way it ends over TCP: the client calls `Node.endTraining` (reveals the test set,
    /// broadcasts its signed announcement); then the driver only delivers messages and lets time pass (ticks),
    /// while each node acts by itself — miners stop and announce their last messages, the seated evaluator fetches
    /// what it lacks, evaluates and broadcasts the TASK_RESULT (`Node+EndOfTraining`) — until that TASK_RESULT is
    /// broadcast, at most `limit` rounds of time (then it throws `Failure.evaluation` with what the evaluator
    /// waits for). No round is mined meanwhile.
    public func evaluate(limit: Int = 200) throws -> Evaluation {
        try client.endTraining(task: task.taskID)
        deliver()
        let seated = evaluators.filter { node in
            !(node.lifecycle.selections[task.taskID]?.seats(.evaluator, of: node.account).isEmpty ?? true)
        }
        guard !seated.isEmpty else {
            return .none
        }
        for _ in 0...limit {
            for evaluator in seated {
                let state = evaluator.endOfTraining.evaluations[task.taskID]
                if let proposal = state?.proposal, let result = state?.result {
                    return Evaluation(
                        scores: proposal.scores,
                        claim: proposal.claim,
                        table: proposal.table,
                        result: result
                    )
                }
                if let failure = state?.failure { throw Failure.evaluation("\(evaluator.name): \(failure)") }
            }
            network.advance(by: configuration.roundMicroseconds)
            tick()
        }
        let waiting = seated.map {
            "\($0.name): \($0.endOfTraining.evaluations[task.taskID]?.waitingFor ?? "no announcement")"
        }
        throw Failure.evaluation("no TASK_RESULT after \(limit) rounds (\(waiting.joined(separator: "; ")))")
    }

    /// Keeps the miners iterating until `transaction` is in a block on the archive's chain and every node shares
    /// the archive's tip (at most `limit` rounds); true if it was included. Two miners may include it in blocks of
    /// the same height that different nodes saw first: time alone (`synchronize`) never resolves such a tie, the
    /// next block does, so the miners iterate until the nodes agree.
    public func confirm(_ transaction: Transaction, limit: Int) throws -> Bool {
        func included() -> Bool { (try? archive.chain.transaction(transaction.id)).map({ _ in true }) ?? false }
        for _ in 0..<limit {
            if included(), synchronize(limit: 8) { return true }
            try round()
        }
        return included()
    }
}
