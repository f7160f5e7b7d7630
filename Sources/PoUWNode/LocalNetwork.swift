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
    /// One-way latency of every link, microseconds (no jitter or loss: every node sees the same message order).
    public var latencyMicroseconds: UInt64 = 1_000
    /// The client's escrow and fee.
    public var escrow = Amount(units: 1_000 * Amount.unitsPerPAI)
    public var fee = Amount(units: Amount.unitsPerPAI / 100)

    public init() {}
}

/// A whole PoUW network in one process (the `pouw demo` and the end-to-end tests): a client, miners,
/// supervisors, evaluators and an archival node, each with its own data directory under `directory`, connected by
/// PoUWProtocol's seeded `SimulatedNetwork` on a virtual clock.
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
    /// Selected miners' keys (in selection order).
    public let selectedMiners: [NodeKey]

    public var nodes: [Node] { [client] + miners + supervisors + evaluators + [archive] }

    /// The key of node `name` for run seed `seed`: Ed25519 from SHA-256("pouw/demo-node/" name "/" seed).
    public static func key(name: String, seed: UInt64) throws -> Ed25519.PrivateKey {
        try Ed25519.PrivateKey(seed: SHA256.hash(Array("pouw/demo-node/\(name)/\(seed)".utf8)).bytes)
    }

    /// Builds the nodes, prepares and submits the client's task, selects workers and lets everyone join.
    public init(
        directory: String,
        configuration: NetworkConfiguration,
        taskJSON: [UInt8],
        train: Dataset,
        test: Dataset
    ) throws {
        self.directory = directory
        self.configuration = configuration
        var conditions = LinkConditions.perfect
        conditions.latency = configuration.latencyMicroseconds
        network = SimulatedNetwork(seed: configuration.seed, conditions: conditions)
        let parameters = ChainParameters.local
        let network = self.network
        let clock: @Sendable () -> UInt64 = { parameters.genesisTime + network.now / 1_000_000 + 60 }
        func node(_ name: String, _ roles: Set<NodeRole>, key: Ed25519.PrivateKey? = nil) throws -> Node {
            try Node(
                name: name,
                roles: roles,
                key: key ?? Self.key(name: name, seed: configuration.seed),
                directory: directory + "/" + name,
                transport: network.attach(NodeAddress(name)),
                parameters: parameters,
                clock: clock
            )
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

        let clientAccount = try client.chain.account(client.account)
        let task = try PreparedTask(
            json: taskJSON,
            train: train,
            test: test,
            dataSeed: configuration.seed,
            client: client.key,
            sequence: clientAccount.sequence,
            escrow: configuration.escrow,
            fee: configuration.fee,
            miners: miners.count
        )
        self.task = task
        // Worker selection: deterministic from the task seed among the nodes that offer each role (v1 rule).
        selectedMiners = WorkerSelection.select(
            seed: task.taskID,
            role: .miner,
            candidates: miners.map(\.nodeKey),
            count: miners.count
        )
        let rules = try TaskRules(
            taskID: task.taskID,
            miners: Set(selectedMiners),
            assignment: SeededBatchAssignment(
                seed: task.taskID,
                miners: selectedMiners,
                batchCount: task.batches.count
            ),
            batchHashes: task.batchHashes,
            datasetRoot: task.datasetRoot,
            parameterCount: UInt32(task.miningParameters.parameterCount),
            tau: task.tau
        )
        let all = [client] + miners + supervisors + evaluators + [archive]
        for a in all {
            for b in all where b !== a { a.artefacts.connect(b.protocolStore) }
        }
        client.broadcast(.transaction(task.transaction.canonicalBytes))
        deliver()
        for n in all {
            try n.join(task, rules: rules, checkpointInterval: configuration.checkpointInterval)
        }
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
            let step = try miner.mine(blockTime: blockTime, startTime: network.now / 1_000, archives: archives)
            steps.append(step)
            deliver()
        }
        network.advance(by: configuration.roundMicroseconds)
        rounds += 1
        return steps
    }

    /// The evaluators' result: scores of every miner's final model, the payout table and the TASK_RESULT,
    /// broadcast to every node.
    public struct Evaluation: Sendable {
        public let scores: [TaskSettlement.Score]
        public let table: PayoutTable
        public let result: Transaction?
    }

    /// Stops training: every miner stores its final state, the evaluators test every final model on the test
    /// set, settle the fee and broadcast the signed TASK_RESULT.
    public func evaluate() throws -> Evaluation {
        var finals = [NodeKey: Hash256]()
        var iterations = [NodeKey: UInt64]()
        for miner in miners {
            if let hash = try miner.finalCheckpoint(archives: [archive.address]) { finals[miner.nodeKey] = hash }
            iterations[miner.nodeKey] = miner.miner?.sequence ?? 0
        }
        deliver()
        guard let evaluator = evaluators.first else {
            return Evaluation(scores: [], table: PayoutTable(escrow: .zero, lines: []), result: nil)
        }
        let scores = try TaskSettlement.evaluate(
            task: task,
            finalStates: finals,
            iterations: iterations,
            artefacts: evaluator.artefacts
        )
        let table = try TaskSettlement.payoutTable(
            task: task,
            client: client.account,
            scores: scores,
            supervisors: supervisors.map(\.account),
            evaluators: evaluators.map(\.account)
        )
        let sequence = try evaluator.chain.account(evaluator.account).sequence
        let result = TaskSettlement.result(
            task: task,
            client: client.account,
            scores: scores,
            table: table,
            evaluators: evaluators.map(\.key),
            sequence: sequence
        )
        if let result {
            evaluator.receive(result)
            evaluator.broadcast(.transaction(result.canonicalBytes))
            deliver()
        }
        return Evaluation(scores: scores, table: table, result: result)
    }

    /// Keeps the miners iterating until `transaction` is in a block on the archive's chain (at most `limit`
    /// rounds); true if it was included.
    public func confirm(_ transaction: Transaction, limit: Int) throws -> Bool {
        for _ in 0..<limit {
            if (try? archive.chain.transaction(transaction.id)).map({ _ in true }) ?? false { return true }
            try round()
        }
        return (try? archive.chain.transaction(transaction.id)).map({ _ in true }) ?? false
    }
}
