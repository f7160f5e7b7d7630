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
    /// Transactions heard of and not yet in a block, in arrival order (changed only by `pool` and `unpool`).
    public private(set) var mempool: [Transaction] = []
    /// The ids of `mempool`'s transactions: an id is a hash of the whole encoding, so it is computed once per
    /// transaction pooled instead of once per pooled transaction for every transaction heard.
    private var pooledIDs: Set<Hash256> = []
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
    /// How missing artefacts are fetched and lost messages recovered (Node+Fetch.swift).
    public var fetchPolicy = FetchPolicy()
    var fetchState = FetchState()
    let unavailableLog: UnavailableLog
    /// Signed history checkpoints sent and received (Node+HistoryCheckpoints.swift).
    public let checkpoints = CheckpointExchange()
    /// Paid tasks' data: manifests, withheld test batches, batches being fetched (Node+TaskData.swift).
    public internal(set) var taskData = TaskDataState()
    /// The end of paid tasks: announcements, stopped training, evaluations (Node+EndOfTraining.swift).
    public internal(set) var endOfTraining = EndOfTrainingState()
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
        let log = UnavailableLog()
        unavailableLog = log
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
            work: RecordingWorkValidator(verifier: verifier, log: log),
            rules: economics,
            clock: clock,
            threads: 1
        )
    }

    public func has(_ role: NodeRole) -> Bool { roles.contains(role) }

    // MARK: Joining a task

    /// Learns a task (a paid task once its selection is derived, or a filler): registers its mining facts and
    /// its replay, starts a history recorder for `rules`, stores the task's transaction; supervisors and archives
    /// store every batch under the dataset root (fetching them by hash for a task rebuilt from its manifest). Joining a task twice does nothing.
    func join(_ task: PreparedTask, rules: TaskRules) throws {
        guard joined[task.taskID] == nil else { return }
        joined[task.taskID] = task
        try artefacts.hold(task, persist: has(.supervisor) || has(.archive))
        tasks.register(task: task.taskID, task.miningParameters)
        // A block's replay never rebuilds the state before from earlier iterations: the block's miner stored that
        // state (a checkpoint at every block), so a node lacking it fetches it by hash (`unavailable` → `want`)
        // instead of re-running the miner's whole chain since the last state it holds.
        replayHolder.set(
            IterationReplay(task: task.definition, artefacts: artefacts, maxRebuild: 0),
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
        try joinedWithoutData(task)  // Node+TaskData.swift
        recorders[task.taskID] = recorder
        histories.set(recorder.canonical)
        if task.filler == nil && !has(.miner) { self.task = task }
    }

    /// Makes `task` (already joined) the one this miner trains: a replica with the initial weights from the task
    /// seed, its state stored.
    func startMining(_ task: PreparedTask) throws {
        let trainer = Trainer(task: task.definition, seed: task.modelSeed, mode: .pouw(tau: task.tau), threads: 1)
        _ = try store.put(.checkpoint, trainer.state.canonicalBytes)
        self.task = task
        miner = MinerState(trainer: trainer, checkpointInterval: max(1, checkpointInterval))
        prefetchAssignedBatches(from: 0)  // Node+TaskData.swift
    }

    // MARK: Handling what arrives

    /// Handles every envelope waiting in the transport.
    public func drainInbox() {
        while let envelope = transport.receive() { handle(envelope.payload, from: envelope.from) }
    }

    /// Handles one wire message from `peer` (`nil`: handed in locally). Undecodable input is counted as a
    /// rejection, never a crash.
    public func handle(_ payload: [UInt8], from peer: NodeAddress? = nil) {
        let message: WireMessage
        do { message = try WireMessage(canonicalBytes: payload) } catch {
            statistics.undecodable += 1
            refuseMessage("undecodable wire message: \(error)")
            return
        }
        switch message {
        case .iteration(let bytes):
            do { receive(try IterationMessage(canonicalBytes: bytes), from: peer) } catch {
                statistics.undecodable += 1
                refuseMessage("undecodable iteration message: \(error)")
            }
        case .block(let bytes):
            do { receive(try Block(canonicalBytes: bytes), from: peer) } catch {
                statistics.undecodable += 1
                statistics.blocksInvalid += 1
                statistics.lastRejection = "undecodable block: \(error)"
            }
        case .transaction(let bytes):
            do { receive(try Transaction(canonicalBytes: bytes), from: peer) } catch {
                statistics.undecodable += 1
                statistics.lastRejection = "undecodable transaction: \(error)"
            }
        case .checkpoint(let task, let miner, let sequence, let state):
            guard has(.archive) else { return }
            do { try protocolStore.putModelState(state, task: task, miner: miner, sequence: sequence) } catch {
                statistics.lastRejection = "checkpoint not stored: \(error)"
            }
        case .selectionProof(let task, let ticket, let proof, let owner):
            let known = lifecycle.proofs[task]?[ticket] != nil
            receiveSelectionProof(task: task, ticket: ticket, proof: proof, owner: owner)
            if !known, lifecycle.proofs[task]?[ticket] != nil, peer != nil { relay(message, except: peer) }
        case .getObjects(let request, let hashes):
            if let peer { serve(request: request, hashes: hashes, to: peer) }
        case .objects(let request, let items):
            receiveObjects(request: request, items: items, from: peer)
        case .tip(let id, let height):
            receiveTip(id: id, height: height, from: peer)
        case .historyCheckpoint(let bytes):
            receiveHistoryCheckpoint(bytes)  // Node+HistoryCheckpoints.swift
        case .attestation(let bytes):
            if receiveAttestation(bytes), peer != nil { relay(message, except: peer) }
        case .taskManifest(let bytes):
            if receiveManifest(bytes, from: peer), peer != nil { relay(message, except: peer) }  // Node+TaskData
        case .endOfTraining(let bytes):
            if receiveEndOfTraining(bytes, from: peer), peer != nil { relay(message, except: peer) }
        case .evaluatorVote(let bytes):
            if receiveEvaluatorVote(bytes), peer != nil { relay(message, except: peer) }  // Node+EndOfTraining
        }
    }

    /// Counts a refused wire or iteration message and keeps why.
    func refuseMessage(_ reason: String) {
        statistics.messagesRejected += 1
        statistics.lastRejection = reason
        statistics.lastMessageRejection = reason
    }

    /// Checks an iteration message as a supervisor does and, if it passes, records it (in the store's history
    /// for supervisors and archives, as a plain object for the others); miners queue peers' messages to apply.
    public func receive(_ message: IterationMessage) { receive(message, from: nil) }

    /// As `receive(_:)`, from `peer`. A message that waits for earlier ones is kept (stored as a plain object)
    /// and what it waits for is fetched from `peer`; every message its arrival lets the recorder record is
    /// stored and, for a miner of the task, queued to apply, in the order recorded.
    func receive(_ message: IterationMessage, from peer: NodeAddress?) {
        guard var recorder = recorders[message.body.taskID] else {
            refuseMessage("message \(message.hash.short) refused: unknown task \(message.body.taskID.short)")
            return
        }
        let result = recorder.offer(message)
        recorders[message.body.taskID] = recorder
        if let rejected = result.rejected {
            // A second copy (gossiped and fetched) is not a refusal.
            if case .duplicate = rejected { return }
            refuseMessage("message \(message.hash.short) refused: \(rejected)")
            noteRefused(message, rejected)  // evidence hook (Node+Audit.swift)
            return
        }
        if result.deferred {
            _ = try? protocolStore.put(message)
            wantDependencies(of: message, from: peer)
            flushRequests()
            return
        }
        for hash in result.recorded {
            guard let recorded = hash == message.hash ? message : try? protocolStore.iterationMessage(for: hash)
            else { continue }
            // The recorder checked its signature: the store remembers that, so verifying a block on it does not.
            do {
                if has(.supervisor) || has(.archive) {
                    try protocolStore.record(recorded, signatureVerified: true)
                } else {
                    try protocolStore.put(recorded, signatureVerified: true)
                }
            } catch {
                statistics.lastRejection = "message \(recorded.hash.short) not stored: \(error)"
            }
            statistics.messagesRecorded += 1
            if var miner, recorded.body.taskID == task?.taskID, recorded.body.minerKey != nodeKey {
                miner.pendingPeers.append(recorded)
                self.miner = miner
            }
        }
        histories.set(recorder.canonical)
        shareCheckpoints(task: message.body.taskID, recorded: result.recorded)  // Node+HistoryCheckpoints.swift
    }

    /// Stores a transaction and keeps it for the next block template; a filler descriptor is checked and its
    /// filler joined instead (it is never mined).
    public func receive(_ transaction: Transaction) { receive(transaction, from: nil) }

    /// As `receive(_:)`, from `peer`: a transaction (or filler descriptor) new to this node is passed on to the
    /// other peers; one already pooled or mined is ignored.
    func receive(_ transaction: Transaction, from peer: NodeAddress?) {
        if FillerTask.isDescriptor(transaction) {
            let known = joined[transaction.id] != nil
            learnFiller(transaction)
            if !known, joined[transaction.id] != nil, peer != nil {
                relay(.transaction(transaction.canonicalBytes), except: peer)
            }
            return
        }
        let id = transaction.id
        guard !pooledIDs.contains(id), (try? chain.transaction(id)) == nil else { return }
        // Nothing is pooled, stored or passed on that no block could ever carry: a coinbase (it travels inside its
        // block), a transaction that breaks a stateless rule (size, fields, a signature), one whose slot is
        // spent; and the pool is bounded.
        if transaction.isCoinbase { return refuse(transaction, "a coinbase travels only inside its block") }
        do {
            try TransactionChecks.check(
                transaction,
                encodedSize: transaction.canonicalBytes.count,
                parameters: chain.parameters
            )
        } catch {
            return refuse(transaction, "\(error)")
        }
        if (try? isSpent(transaction)) == true { return }  // a late copy of what is mined: nothing to do
        guard mempool.count < Self.mempoolLimit else {
            return refuse(transaction, "the pool holds \(Self.mempoolLimit) transactions already")
        }
        _ = try? store.put(.transaction, transaction.canonicalBytes)
        pool(transaction)
        if peer != nil { relay(.transaction(transaction.canonicalBytes), except: peer) }
    }

    /// Most transactions a node pools (what arrives beyond is refused until blocks take some).
    public static let mempoolLimit = 4096

    /// Appends `transaction` to the pool.
    func pool(_ transaction: Transaction) {
        mempool.append(transaction)
        pooledIDs.insert(transaction.id)
    }

    /// Removes the pooled transactions `drop` picks; the others keep their order.
    func unpool(where drop: (Transaction) -> Bool) {
        var kept: [Transaction] = []
        kept.reserveCapacity(mempool.count)
        for transaction in mempool {
            if drop(transaction) { pooledIDs.remove(transaction.id) } else { kept.append(transaction) }
        }
        mempool = kept
    }

    private func refuse(_ transaction: Transaction, _ reason: String) {
        statistics.transactionsRefused += 1
        statistics.lastRejection = "transaction \(transaction.id.short) refused: \(reason)"
    }

    /// Verifies and connects a block (the chain's work validator replays the iteration behind it).
    @discardableResult
    public func receive(_ block: Block) -> Bool { receive(block, from: nil) }

    /// As `receive(_:)`, from `peer`. A block whose verification lacks an artefact waits in the pending queue
    /// while the artefact is fetched (`ticks`: how long it has waited); a block with an unknown parent is held
    /// by the chain as an orphan while the parent is fetched by id; an accepted block is passed on.
    @discardableResult
    func receive(_ block: Block, from peer: NodeAddress?, ticks: Int = 0) -> Bool {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { statistics.verifySeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        _ = unavailableLog.drain()
        do {
            let report = try chain.process(block)
            switch report.outcome {
            case .extended, .reorganized:
                statistics.blocksAccepted += 1
                let included = Set(block.transactions.map(\.id))
                unpool { included.contains($0.id) }
                dropSpentTransactions()
                advanceLifecycle()
                auditAfterAccepting(block)  // audit hook (Node+Audit.swift)
                if peer != nil { relay(.block(block.canonicalBytes), except: peer) }
                return true
            case .orphan(_, let parent):
                want(parent, .block, from: peer)
                flushRequests()
                return false
            case .sideChain:
                return false
            }
        } catch .invalidBlock(_, .workRejected(let reason)) {
            if let missing = unavailableLog.drain().first(where: { $0.id == block.id }) {
                deferBlock(block, from: peer, ticks: ticks)
                want(missing.artefact, from: peer, message: block.header.msgHash)
                want(block.header.prev, .block, from: peer)
                flushRequests()
                statistics.lastRejection = "block \(block.id.short) waits for \(missing.artefact)"
            } else {
                statistics.blocksInvalid += 1
                statistics.lastRejection = "block \(block.id.short): \(reason)"
                if reason.hasPrefix("invalid") { reportInvalidWork(block) }  // evidence hook (Node+Audit.swift)
            }
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
