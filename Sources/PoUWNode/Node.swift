import Foundation
public import PoUWChain
public import PoUWCore
public import PoUWCrypto
import PoUWML
public import PoUWProtocol
public import PoUWStore

/// One node: its own data directory with a `Store` (chain, messages, histories, checkpoints, batches), its key,
/// its roles, and a `Transport` to the others. Every node is a full node: it records the task's message history
/// (checking each message as a supervisor does) and accepts a block only after `PoUWWorkValidator` has replayed
/// the iteration behind it.
///
/// Guarantees: every record is committed to the store as it is handled (messages and their history entry in
/// one transaction, blocks through the chain's own transactions), so stopping the process between two calls
/// loses nothing that was handled. Not thread-safe: one caller drives a node (the same code will sit behind a
/// socket loop later).
public final class Node {
    public let name: String
    public let roles: Set<NodeRole>
    public let key: Ed25519.PrivateKey
    public let directory: String
    public let store: Store
    public let protocolStore: ProtocolStore
    public let chain: Blockchain
    public let transport: any Transport
    public let artefacts: NetworkArtefacts
    public internal(set) var statistics = NodeStatistics()
    /// Transactions heard of and not yet in a block, in arrival order.
    public private(set) var mempool: [Transaction] = []
    /// The running task, once joined.
    public private(set) var task: PreparedTask?
    public internal(set) var recorder: HistoryRecorder?
    /// The miner's state, for nodes with the `miner` role.
    public internal(set) var miner: MinerState?
    /// Blocks this node mined.
    public internal(set) var minedBlocks: [Hash256] = []
    /// Random audits and EVIDENCE (Node+Audit.swift).
    public let audit = NodeAudit()
    let tasks = InMemoryTaskCatalog()
    let histories = InMemoryHistories()
    private let replayHolder = ReplayHolder()

    public var nodeKey: NodeKey {
        // An Ed25519 public key is always 32 bytes.
        (try? NodeKey(bytes: key.publicKey.bytes)) ?? { preconditionFailure("Ed25519 key of wrong size") }()
    }
    public var account: Address { Address(publicKey: key.publicKey) }
    public var address: NodeAddress { NodeAddress(name) }

    /// Opens (or creates) the node's store in `directory` and its chain on it.
    public init(
        name: String,
        roles: Set<NodeRole>,
        key: Ed25519.PrivateKey,
        directory: String,
        transport: any Transport,
        parameters: ChainParameters = .local,
        clock: @escaping @Sendable () -> UInt64 = { Blockchain.systemTime() }
    ) throws {
        self.name = name
        self.roles = roles
        self.key = key
        self.directory = directory
        self.transport = transport
        store = try Store.open(at: directory, options: StoreOptions(durability: .fast))
        protocolStore = ProtocolStore(store: store)
        artefacts = NetworkArtefacts(local: protocolStore)
        let holder = replayHolder
        let verifier = BlockVerifier(
            artefacts: artefacts,
            tasks: tasks,
            histories: histories,
            replay: { message in
                guard let replay = holder.replay else { return .unavailable(.task(message.body.taskID)) }
                return replay.verify(message)
            }
        )
        chain = try Blockchain(
            storage: StoreChainStorage(store: store),
            parameters: parameters,
            work: PoUWWorkValidator(verifier: verifier),
            clock: clock,
            threads: 1
        )
    }

    public func has(_ role: NodeRole) -> Bool { roles.contains(role) }

    // MARK: Joining a task

    /// Learns the task (from its PAY_FOR_TASK and the selection): registers its mining facts, starts a history
    /// recorder for `rules`, stores the task's transaction; supervisors and archives store every batch under the
    /// dataset root; miners get a replica with the initial weights from the task seed and store that state.
    public func join(_ task: PreparedTask, rules: TaskRules, checkpointInterval: UInt64) throws {
        self.task = task
        tasks.register(task: task.taskID, task.miningParameters)
        replayHolder.replay = IterationReplay(task: task.definition, artefacts: artefacts, maxRebuild: 4096)
        _ = try store.put(.transaction, task.transaction.canonicalBytes)
        if has(.supervisor) || has(.archive) {
            recorder = try HistoryRecorder(rules: rules, restoringFrom: protocolStore)
            for (index, batch) in task.batches.enumerated() {
                try protocolStore.putBatch(batch.canonicalBytes, datasetRoot: task.datasetRoot, index: UInt64(index))
            }
        } else {
            recorder = HistoryRecorder(rules: rules)
        }
        if let recorder { histories.set(recorder.history) }
        if has(.miner) {
            let trainer = Trainer(
                task: task.definition,
                seed: task.modelSeed,
                mode: .pouw(tau: task.tau),
                threads: 1
            )
            _ = try store.put(.checkpoint, trainer.state.canonicalBytes)
            miner = MinerState(trainer: trainer, checkpointInterval: max(1, checkpointInterval))
        }
        if !mempool.contains(where: { $0.id == task.transaction.id }) { mempool.append(task.transaction) }
    }

    // MARK: Handling what arrives

    /// Handles every envelope waiting in the transport.
    public func drainInbox() {
        while let envelope = transport.receive() { handle(envelope.payload) }
    }

    /// Handles one wire message (undecodable input is counted as a rejection, never a crash).
    public func handle(_ payload: [UInt8]) {
        let message: WireMessage
        do { message = try WireMessage(canonicalBytes: payload) } catch {
            statistics.messagesRejected += 1
            statistics.lastRejection = "undecodable wire message: \(error)"
            return
        }
        switch message {
        case .iteration(let bytes):
            do { receive(try IterationMessage(canonicalBytes: bytes)) } catch {
                statistics.messagesRejected += 1
                statistics.lastRejection = "undecodable iteration message: \(error)"
            }
        case .block(let bytes):
            do { receive(try Block(canonicalBytes: bytes)) } catch {
                statistics.blocksInvalid += 1
                statistics.lastRejection = "undecodable block: \(error)"
            }
        case .transaction(let bytes):
            do { receive(try Transaction(canonicalBytes: bytes)) } catch {
                statistics.lastRejection = "undecodable transaction: \(error)"
            }
        case .checkpoint(let task, let miner, let sequence, let state):
            guard has(.archive) else { return }
            do { try protocolStore.putModelState(state, task: task, miner: miner, sequence: sequence) } catch {
                statistics.lastRejection = "checkpoint not stored: \(error)"
            }
        }
    }

    /// Checks an iteration message as a supervisor does and, if it passes, records it (in the store's history
    /// for supervisors and archives, as a plain object for the others); miners queue peers' messages to apply.
    public func receive(_ message: IterationMessage) {
        guard var recorder else { return }
        let result = recorder.offer(message)
        self.recorder = recorder
        if let rejected = result.rejected {
            statistics.messagesRejected += 1
            statistics.lastRejection = "message \(message.hash.short) refused: \(rejected)"
            noteRefused(message, rejected)  // evidence hook (Node+Audit.swift)
            return
        }
        guard result.recorded.contains(message.hash) else { return }
        do {
            if has(.supervisor) || has(.archive) {
                try protocolStore.record(message)
            } else {
                try protocolStore.put(message)
            }
        } catch {
            statistics.lastRejection = "message \(message.hash.short) not stored: \(error)"
        }
        statistics.messagesRecorded += 1
        histories.set(recorder.history)
        if var miner, message.body.minerKey != nodeKey {
            miner.pendingPeers.append(message)
            self.miner = miner
        }
    }

    /// Stores a transaction and keeps it for the next block template.
    public func receive(_ transaction: Transaction) {
        _ = try? store.put(.transaction, transaction.canonicalBytes)
        if !mempool.contains(where: { $0.id == transaction.id }) { mempool.append(transaction) }
    }

    /// Verifies and connects a block (the chain's work validator replays the iteration behind it).
    @discardableResult
    public func receive(_ block: Block) -> Bool {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { statistics.verifySeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        do {
            let report = try chain.process(block)
            switch report.outcome {
            case .extended, .reorganized:
                statistics.blocksAccepted += 1
                let included = Set(block.transactions.map(\.id))
                mempool.removeAll { included.contains($0.id) }
                auditAfterAccepting(block)  // audit hook (Node+Audit.swift)
                return true
            case .sideChain, .orphan:
                return false
            }
        } catch .invalidBlock(_, .workRejected(let reason)) {
            if reason.hasPrefix("unavailable") {
                statistics.blocksUnavailable += 1
            } else {
                statistics.blocksInvalid += 1
            }
            statistics.lastRejection = "block \(block.id.short): \(reason)"
            if reason.hasPrefix("invalid") { reportInvalidWork(block) }  // evidence hook (Node+Audit.swift)
        } catch .alreadyKnown {
            return false
        } catch {
            statistics.blocksInvalid += 1
            statistics.lastRejection = "block \(block.id.short): \(error)"
        }
        return false
    }

    /// Sends `message` to every other node.
    public func broadcast(_ message: WireMessage) {
        let bytes = message.canonicalBytes
        for peer in transport.peers { try? transport.send(bytes, to: peer) }
    }

    /// Sends `message` to the nodes named.
    public func send(_ message: WireMessage, to peers: [NodeAddress]) {
        let bytes = message.canonicalBytes
        for peer in peers { try? transport.send(bytes, to: peer) }
    }

    /// The transactions a template built now would carry (in arrival order, only those the chain does not hold).
    var transactionsForTemplate: [Transaction] {
        mempool.filter { tx in (try? chain.transaction(tx.id)).map { _ in false } ?? true }
    }
}

/// Lets the chain's work validator, built before the task is known, reach the task's replay.
final class ReplayHolder: @unchecked Sendable {
    // Set once when the node joins a task, before any block of that task can arrive; read by the validator on
    // the same thread that drives the node.
    var replay: IterationReplay?
}
