import Foundation
public import PoUWChain
public import PoUWCore
public import PoUWCrypto
public import PoUWEconomics
import PoUWML
public import PoUWProtocol
public import PoUWStore
import Synchronization

/// One node: its own data directory with a `Store` (chain, messages, histories, checkpoints, batches), its key,
/// its roles, and a `Transport` to the others. Every node is a full node: it records the task's message history
/// (checking each message as a supervisor does) and accepts a block only after `PoUWWorkValidator` has replayed
/// the iteration behind it.
///
/// Guarantees: every record is committed to the store as it is handled (messages and their history entry in
/// one transaction, blocks through the chain's own transactions), so stopping the process between two calls
/// loses nothing that was handled. Not thread-safe: one caller drives a node (the same code will sit behind a
/// socket loop later). The chain runs `EconomicLedgerRules` (tickets, price, VRF-checked settlements, slashing)
/// with the injected evidence checker; the task lifecycle (fillers, tickets, selection) is in `Node+Lifecycle`.
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
    /// The chain's economic rules (also used to price tickets and build settlements).
    public let economics: EconomicLedgerRules
    public internal(set) var statistics = NodeStatistics()
    /// Transactions heard of and not yet in a block, in arrival order.
    public internal(set) var mempool: [Transaction] = []
    /// The task this node works on: a miner's current task (filler or paid), else the last paid task joined.
    public internal(set) var task: PreparedTask?
    /// Every task joined (fillers and paid), by id.
    public internal(set) var joined: [Hash256: PreparedTask] = [:]
    /// The history recorder of every joined task.
    public internal(set) var recorders: [Hash256: HistoryRecorder] = [:]
    /// The current task's recorder.
    public internal(set) var recorder: HistoryRecorder? {
        get { task.flatMap { recorders[$0.taskID] } }
        set { if let id = task?.taskID { recorders[id] = newValue } }
    }
    /// Tickets, selections and fillers (see `Node+Lifecycle`).
    public internal(set) var lifecycle = Lifecycle()
    /// A miner stores its full state every this many messages (and at every block).
    public var checkpointInterval: UInt64 = 100
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
        evidenceChecker: (any EvidenceChecker & Sendable)? = nil,
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
                guard let replay = holder.replay(message.body.taskID) else {
                    return .unavailable(.task(message.body.taskID))
                }
                return replay.verify(message)
            }
        )
        // EVIDENCE is judged by replaying from this node's own artefacts unless the caller injects a checker.
        economics = EconomicLedgerRules(
            parameters: .preset(for: parameters),
            checker: evidenceChecker ?? ReplayEvidenceChecker(artefacts: artefacts)
        )
        chain = try Blockchain(
            storage: StoreChainStorage(store: store),
            parameters: parameters,
            work: PoUWWorkValidator(verifier: verifier),
            rules: economics,
            clock: clock,
            threads: 1
        )
    }

    public func has(_ role: NodeRole) -> Bool { roles.contains(role) }

    // MARK: Joining a task

    /// Learns a task (a paid task once its selection is derived, or a filler): registers its mining facts and
    /// its replay, starts a history recorder for `rules`, stores the task's transaction; supervisors and archives
    /// store every batch under the dataset root. Joining a task twice does nothing.
    func join(_ task: PreparedTask, rules: TaskRules) throws {
        guard joined[task.taskID] == nil else { return }
        joined[task.taskID] = task
        tasks.register(task: task.taskID, task.miningParameters)
        replayHolder.set(
            IterationReplay(task: task.definition, artefacts: artefacts, maxRebuild: 4096),
            for: task.taskID
        )
        _ = try store.put(.transaction, task.transaction.canonicalBytes)
        let recorder: HistoryRecorder
        if has(.supervisor) || has(.archive) {
            recorder = try HistoryRecorder(rules: rules, restoringFrom: protocolStore)
            for (index, batch) in task.batches.enumerated() {
                try protocolStore.putBatch(batch.canonicalBytes, datasetRoot: task.datasetRoot, index: UInt64(index))
            }
        } else {
            recorder = HistoryRecorder(rules: rules)
        }
        recorders[task.taskID] = recorder
        histories.set(recorder.history)
        if task.filler == nil && !has(.miner) { self.task = task }
    }

    /// Makes `task` (already joined) the one this miner trains: a replica with the initial weights from the task
    /// seed, its state stored.
    func startMining(_ task: PreparedTask) throws {
        let trainer = Trainer(task: task.definition, seed: task.modelSeed, mode: .pouw(tau: task.tau), threads: 1)
        _ = try store.put(.checkpoint, trainer.state.canonicalBytes)
        self.task = task
        miner = MinerState(trainer: trainer, checkpointInterval: max(1, checkpointInterval))
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
        case .selectionProof(let task, let ticket, let proof, let owner):
            receiveSelectionProof(task: task, ticket: ticket, proof: proof, owner: owner)
        case .attestation(let bytes):
            receiveAttestation(bytes)
        }
    }

    /// Checks an iteration message as a supervisor does and, if it passes, records it (in the store's history
    /// for supervisors and archives, as a plain object for the others); miners queue peers' messages to apply.
    public func receive(_ message: IterationMessage) {
        guard var recorder = recorders[message.body.taskID] else {
            statistics.messagesRejected += 1
            statistics.lastRejection =
                "message \(message.hash.short) refused: unknown task \(message.body.taskID.short)"
            return
        }
        let result = recorder.offer(message)
        recorders[message.body.taskID] = recorder
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
        if var miner, message.body.taskID == task?.taskID, message.body.minerKey != nodeKey {
            miner.pendingPeers.append(message)
            self.miner = miner
        }
    }

    /// Stores a transaction and keeps it for the next block template; a filler descriptor is checked and its
    /// filler joined instead (it is never mined).
    public func receive(_ transaction: Transaction) {
        if FillerTask.isDescriptor(transaction) {
            learnFiller(transaction)
            return
        }
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
                dropSpentTransactions()
                advanceLifecycle()
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

    /// The transactions a template built now would carry: those of the mempool that apply on the tip under the
    /// chain's rules (a signer's in sequence order), so a template never carries a transaction that would make
    /// its block invalid.
    var transactionsForTemplate: [Transaction] {
        var pool = Mempool()
        for tx in mempool where (try? chain.transaction(tx.id)) == nil { try? pool.add(tx, chain: chain) }
        return pool.selection(limit: 1_000, chain: chain)
    }
}

/// Lets the chain's work validator, built before the tasks are known, reach each task's replay.
final class ReplayHolder: Sendable {
    private let replays = Mutex<[Hash256: IterationReplay]>([:])

    func set(_ replay: IterationReplay, for task: Hash256) { replays.withLock { $0[task] = replay } }
    func replay(_ task: Hash256) -> IterationReplay? { replays.withLock { $0[task] } }
}
