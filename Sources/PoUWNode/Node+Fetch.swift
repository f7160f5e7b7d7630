import PoUWChain
public import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWProtocol
import PoUWStore
import Synchronization

/// How a node fetches what it lacks and repeats what its peers may have lost. Times are microseconds of the
/// clock the driver passes to `Node.tick(now:)` (the simulated network's virtual clock, or wall time over TCP).
public struct FetchPolicy: Sendable, Hashable {
    /// A hash asked for and not received within this long is asked for again (from the next peer).
    public var timeout: UInt64 = 100_000
    /// Asks for one hash before the node gives up on it (counted in `FetchStatistics.gaveUp`).
    public var maxAttempts = 8
    /// Blocks kept waiting for artefacts; beyond it the oldest is dropped (counted in `blocksUnavailable`).
    public var maxPendingBlocks = 64
    /// Ticks a block may wait for its artefacts before the node gives up on it (counted in `blocksUnavailable`).
    public var maxBlockTicks = 40
    /// Most bytes of objects one answer carries; asked objects beyond it are left out (the asker asks again).
    public var answerBudget = 16 << 20
    /// How often the node announces its best tip to its peers.
    public var tipInterval: UInt64 = 1_000_000
    /// How often the node re-sends its own pending transactions and its selection proofs of open selections.
    public var reannounceInterval: UInt64 = 2_000_000
    /// With a missing model state, the states before this many earlier messages of the same miner are asked for
    /// too (once, from the same peer), for a replay that may rebuild from the nearest one a peer holds. 0 by
    /// default: a node's block replay does not rebuild (the block's miner checkpoints the exact state before).
    public var stateCandidates = 0

    public init() {}
}

/// What a node's fetching and re-announcing did.
public struct FetchStatistics: Sendable, Hashable, Codable {
    /// `getObjects` messages sent, and the hashes they asked for (first asks and retransmissions).
    public var requestsSent = 0
    public var hashesRequested = 0
    /// Hashes asked for again: the answer did not come in time, or a peer answered without it.
    public var retransmissions = 0
    /// Objects received that re-hashed to a hash this node asked for, and stored or handled.
    public var objectsReceived = 0
    /// Items received that matched nothing asked (wrong bytes, unasked, an answer from the wrong peer) or did not
    /// decode as what was asked for; dropped.
    public var objectsRejected = 0
    /// Hashes given up after `FetchPolicy.maxAttempts` asks.
    public var gaveUp = 0
    /// `getObjects` this node answered, and the objects it sent.
    public var requestsServed = 0
    public var objectsServed = 0
    /// Block arrivals whose verification lacked an artefact and waited for it, and those of them accepted on a
    /// retry (the others were accepted when another copy arrived, or given up: `NodeStatistics.blocksUnavailable`).
    public var blocksDeferred = 0
    public var blocksRecovered = 0
    /// Blocks fetched by id: the missing parent of an orphan, a tip announced by a peer.
    public var blocksRequested = 0
    /// Tip announcements sent; own transactions and selection proofs sent again.
    public var tipsAnnounced = 0
    public var reannounced = 0
    /// Blocks, transactions, filler descriptors and selection proofs passed on to the other peers on first receipt.
    public var relayed = 0

    public init() {}
}

/// A node's fetch bookkeeping: the hashes it wants (with whom it asked and when), the requests in flight, and
/// the blocks waiting for artefacts. Bounded: at most `FetchPolicy.maxPendingBlocks` blocks; wanted hashes are
/// given up after `maxAttempts` asks; requests in flight are forgotten after four timeouts.
struct FetchState {
    enum Want: Sendable, Hashable {
        case message, modelState, batch, task, block
    }

    struct Wanted {
        var want: Want
        var hint: NodeAddress?
        /// Asked once only, from `hint` (a candidate that may exist nowhere).
        var optional: Bool
        var attempts = 0
        var askedAt: UInt64 = 0
        var asked: NodeAddress?
        var due = true
    }

    struct Outstanding {
        var peer: NodeAddress
        var hashes: [Hash256]
        var sentAt: UInt64
    }

    struct Pending {
        var block: Block
        var from: NodeAddress?
        var ticks: Int
    }

    var wanted: [Hash256: Wanted] = [:]
    var outstanding: [UInt64: Outstanding] = [:]
    var nextRequest: UInt64 = 1
    var pending: [Hash256: Pending] = [:]
    var pendingOrder: [Hash256] = []
    var now: UInt64 = 0
    var lastTip: UInt64?
    var lastReannounce: UInt64 = 0
    var retrying = false
    /// Task transactions fetched by id (a filler descriptor whose anchor was unknown is kept to be joined later),
    /// so a task is fetched once; bounded by `maxKeptTasks`.
    var fetchedTasks: [Hash256: Transaction] = [:]
    static let maxKeptTasks = 256
    var statistics = FetchStatistics()
}

/// Records the `unavailable` verdicts of the chain's work checks, so the node knows which artefact to fetch.
final class UnavailableLog: Sendable {
    private let entries = Mutex<[(id: Hash256, artefact: Artefact)]>([])

    func append(_ id: Hash256, _ artefact: Artefact) { entries.withLock { $0.append((id, artefact)) } }

    func drain() -> [(id: Hash256, artefact: Artefact)] {
        entries.withLock { entries in
            defer { entries = [] }
            return entries
        }
    }
}

/// `PoUWWorkValidator` that also logs which artefact an `unavailable` verdict lacked.
struct RecordingWorkValidator: WorkValidator {
    let verifier: BlockVerifier
    let log: UnavailableLog

    func validateWork(header: BlockHeader, id: Hash256, target: UInt256) throws(ValidationError) {
        let verdict = verifier.verify(header: header, id: id, target: target)
        if case .unavailable(let artefact) = verdict { log.append(id, artefact) }
        guard verdict.isValid else { throw .workRejected(reason: verdict.description) }
    }
}

extension Node {
    /// What fetching and re-announcing did so far.
    public var fetchStatistics: FetchStatistics { fetchState.statistics }

    /// Blocks waiting for artefacts right now.
    public var pendingBlockCount: Int { fetchState.pending.count }

    /// Hashes asked for and not yet received.
    public var wantedCount: Int { fetchState.wanted.count }

    // MARK: the clock

    /// Called by the driver as time passes (each round in `LocalNetwork`; a timer over TCP): asks again for what
    /// timed out, gives up on what was asked too often, retries and ages the waiting blocks, announces the tip
    /// every `tipInterval` and re-sends this node's own pending transactions and open proofs every
    /// `reannounceInterval`. Never blocks.
    public func tick(now: UInt64) {
        fetchState.now = max(fetchState.now, now)
        let now = fetchState.now
        for hash in fetchState.wanted.keys.sorted() {
            guard var wanted = fetchState.wanted[hash], !wanted.due, now >= wanted.askedAt + fetchPolicy.timeout
            else { continue }
            wanted.due = true
            fetchState.wanted[hash] = wanted
        }
        for id in fetchState.outstanding.keys.sorted() {
            if let request = fetchState.outstanding[id], now >= request.sentAt + 4 * fetchPolicy.timeout {
                fetchState.outstanding[id] = nil
            }
        }
        for id in fetchState.pendingOrder {
            fetchState.pending[id]?.ticks += 1
            if let pending = fetchState.pending[id], pending.ticks > fetchPolicy.maxBlockTicks {
                dropPending(id, reason: "still unavailable after \(pending.ticks) ticks")
            }
        }
        retryPendingBlocks()
        if fetchState.lastTip.map({ now >= $0 + fetchPolicy.tipInterval }) ?? true {
            fetchState.lastTip = now
            let tip = chain.tip
            broadcast(.tip(id: tip.id, height: tip.height))
            fetchState.statistics.tipsAnnounced += 1
        }
        if now >= fetchState.lastReannounce + fetchPolicy.reannounceInterval {
            fetchState.lastReannounce = now
            reannounce()
            reannounceManifests()  // Node+TaskData.swift
        }
        wantTaskData()  // Node+TaskData.swift
        if !audit.deferred.isEmpty { retryDeferredAudits() }  // Node+Audit.swift
        tickEndOfTraining()  // Node+EndOfTraining.swift
        flushRequests()
    }

    /// Re-sends what only this node can vouch for: its own transactions not yet mined, and its selection proofs
    /// for tasks whose selection is still open.
    func reannounce() {
        let own = key.publicKey.bytes
        for transaction in mempool where transaction.authorization?.signer == own {
            guard (try? chain.transaction(transaction.id)) == nil else { continue }
            broadcast(.transaction(transaction.canonicalBytes))
            fetchState.statistics.reannounced += 1
        }
        for (task, owners) in lifecycle.proofOwners.sorted(by: { $0.key < $1.key })
        where lifecycle.selections[task] == nil {
            for (ticket, owner) in owners.sorted(by: { $0.key < $1.key }) where owner == nodeKey {
                guard let proof = lifecycle.proofs[task]?[ticket] else { continue }
                broadcast(.selectionProof(task: task, ticket: ticket, proof: proof.proof, owner: owner))
                fetchState.statistics.reannounced += 1
            }
        }
    }

    // MARK: asking

    /// Whether this node already holds what `hash` names.
    func holds(_ hash: Hash256, _ want: FetchState.Want) -> Bool {
        switch want {
        case .block:
            fetchState.pending[hash] != nil || (try? chain.indexRecord(hash)) != nil || chain.orphanIds.contains(hash)
        case .task: joined[hash] != nil
        case .message, .modelState: (try? store.contains(hash)) ?? false
        case .batch: artefacts.holds(hash)
        }
    }

    /// Adds `hash` to what this node wants (unless held or already wanted); sent by the next `flushRequests`.
    func want(_ hash: Hash256, _ want: FetchState.Want, from hint: NodeAddress?, optional: Bool = false) {
        guard hash != .zero, fetchState.wanted[hash] == nil, !holds(hash, want) else { return }
        fetchState.wanted[hash] = FetchState.Wanted(want: want, hint: hint, optional: optional)
        if want == .block { fetchState.statistics.blocksRequested += 1 }
    }

    /// Wants the artefact a verification lacked. A missing model state also wants the states before earlier
    /// messages of the same miner chain (`FetchPolicy.stateCandidates`), since the replay can rebuild from any.
    func want(_ artefact: Artefact, from hint: NodeAddress?, message: Hash256?) {
        switch artefact {
        case .message(let hash): want(hash, .message, from: hint)
        case .batch(let hash): want(hash, .batch, from: hint)
        case .task(let id):
            // A task is fetched once: a descriptor kept is joined again (its anchor may have arrived since); a
            // paid task's PAY_FOR_TASK is joined by the lifecycle, not by fetching.
            if let kept = fetchState.fetchedTasks[id] {
                if FillerTask.isDescriptor(kept) { learnFiller(kept) }
            } else {
                want(id, .task, from: hint)
            }
        case .modelState(let hash):
            want(hash, .modelState, from: hint)
            guard let message else { return }
            var current = try? protocolStore.iterationMessage(for: message)
            var count = 0
            while let body = current?.body, body.sequence > 0, count < fetchPolicy.stateCandidates,
                let previous = try? protocolStore.iterationMessage(for: body.previousMessage)
            {
                want(previous.body.stateHashBefore, .modelState, from: hint, optional: true)
                current = previous
                count += 1
            }
        case .history:
            // More messages (fetched as they are referenced) or another ordering resolve it; the block is
            // retried every tick.
            break
        }
    }

    /// Wants what `message` waits for before it can be recorded: its miner's previous message and the peer
    /// messages it applied, those this node does not hold.
    func wantDependencies(of message: IterationMessage, from hint: NodeAddress?) {
        let body = message.body
        if body.sequence > 0 { want(body.previousMessage, .message, from: hint) }
        for hash in body.appliedPeerMessages { want(hash, .message, from: hint) }
    }

    /// Sends every due wanted hash in `getObjects` requests, grouped by peer: the first ask goes to the hint
    /// (the peer whose message referenced it), each later one to the next peer in address order.
    func flushRequests() {
        let peers = transport.peers
        guard !peers.isEmpty else { return }
        var batches: [NodeAddress: [Hash256]] = [:]
        for hash in fetchState.wanted.keys.sorted() {
            guard var wanted = fetchState.wanted[hash], wanted.due else { continue }
            if wanted.attempts >= (wanted.optional ? 1 : fetchPolicy.maxAttempts) {
                fetchState.wanted[hash] = nil
                if !wanted.optional { fetchState.statistics.gaveUp += 1 }
                continue
            }
            var order = peers
            if let hint = wanted.hint, let index = order.firstIndex(of: hint) {
                order.remove(at: index)
                order.insert(hint, at: 0)
            }
            let peer = order[wanted.attempts % order.count]
            if wanted.attempts > 0 { fetchState.statistics.retransmissions += 1 }
            wanted.attempts += 1
            wanted.askedAt = fetchState.now
            wanted.asked = peer
            wanted.due = false
            fetchState.wanted[hash] = wanted
            batches[peer, default: []].append(hash)
        }
        for peer in batches.keys.sorted() {
            let hashes = batches[peer] ?? []
            for start in stride(from: 0, to: hashes.count, by: WireMessage.maxRequestHashes) {
                let chunk = Array(hashes[start..<min(hashes.count, start + WireMessage.maxRequestHashes)])
                let request = fetchState.nextRequest
                fetchState.nextRequest += 1
                fetchState.outstanding[request] = FetchState.Outstanding(
                    peer: peer,
                    hashes: chunk,
                    sentAt: fetchState.now
                )
                send(.getObjects(request: request, hashes: chunk), to: [peer])
                fetchState.statistics.requestsSent += 1
                fetchState.statistics.hashesRequested += chunk.count
            }
        }
    }

    // MARK: answering

    /// Answers a peer's `getObjects` with the asked objects this node holds (its store, or a block by id), up to
    /// `answerBudget` bytes; a hash it does not hold is left out.
    func serve(request: UInt64, hashes: [Hash256], to peer: NodeAddress) {
        var items: [[UInt8]] = []
        var size = 0
        for hash in hashes where !taskData.withheld.contains(hash) {
            var bytes = try? artefacts.bytes(for: hash)
            if bytes == nil, let block = try? chain.block(hash) { bytes = block.canonicalBytes }
            guard let bytes, size + bytes.count <= fetchPolicy.answerBudget else { continue }
            size += bytes.count
            items.append(bytes)
        }
        fetchState.statistics.requestsServed += 1
        fetchState.statistics.objectsServed += items.count
        send(.objects(request: request, items: items), to: [peer])
    }

    // MARK: receiving answers

    /// Takes an answer: each item must re-hash to a hash asked in that request from that peer (a block: its id);
    /// anything else is dropped. Asked hashes the answer lacks are asked from the next peer at once. Objects are
    /// stored (messages also offered to the history), then the waiting blocks are verified again.
    func receiveObjects(request: UInt64, items: [[UInt8]], from peer: NodeAddress?) {
        guard let peer, let asked = fetchState.outstanding[request], asked.peer == peer else {
            fetchState.statistics.objectsRejected += items.count
            return
        }
        fetchState.outstanding[request] = nil
        let askedSet = Set(asked.hashes)
        let blocksAsked = asked.hashes.contains { fetchState.wanted[$0]?.want == .block }
        var answered = Set<Hash256>()
        var blocks: [Block] = []
        for item in items {
            let hash = Hash256.sha256(item)
            if askedSet.contains(hash) {
                answered.insert(hash)
                guard let wanted = fetchState.wanted[hash], wanted.want != .block else { continue }
                fetchState.wanted[hash] = nil
                accept(item, as: wanted.want, from: peer)
            } else if blocksAsked, let block = try? Block(canonicalBytes: item), askedSet.contains(block.id) {
                answered.insert(block.id)
                guard fetchState.wanted[block.id] != nil else { continue }
                fetchState.wanted[block.id] = nil
                fetchState.statistics.objectsReceived += 1
                blocks.append(block)
            } else {
                fetchState.statistics.objectsRejected += 1
            }
        }
        for hash in asked.hashes where !answered.contains(hash) {
            guard var wanted = fetchState.wanted[hash], wanted.asked == peer, !wanted.due else { continue }
            wanted.due = true
            fetchState.wanted[hash] = wanted
        }
        for block in blocks { receive(block, from: peer) }
        retryPendingBlocks()
        flushRequests()
    }

    /// Stores or handles one fetched object (already matched to the hash asked for).
    private func accept(_ item: [UInt8], as want: FetchState.Want, from peer: NodeAddress) {
        do {
            switch want {
            case .message:
                let message = try IterationMessage(canonicalBytes: item)
                guard protocolStore.signatureIsValid(message) else {
                    fetchState.statistics.objectsRejected += 1
                    return
                }
                _ = try protocolStore.put(message)
                fetchState.statistics.objectsReceived += 1
                receive(message, from: peer)
            case .modelState:
                // A node fetches a state to replay from it now (a block's or an audit's): stored raw, it is read
                // with a copy instead of a decompression.
                _ = try store.put(.checkpoint, item, preference: .fastestRead)
                fetchState.statistics.objectsReceived += 1
            case .batch:
                _ = try store.put(.batch, item)
                taskData.goal[Hash256.sha256(item)] = nil
                fetchState.statistics.objectsReceived += 1
            case .task:
                let transaction = try Transaction(canonicalBytes: item)
                fetchState.statistics.objectsReceived += 1
                if fetchState.fetchedTasks.count >= FetchState.maxKeptTasks { fetchState.fetchedTasks = [:] }
                fetchState.fetchedTasks[transaction.id] = transaction
                receive(transaction, from: peer)
            case .block:
                break
            }
        } catch {
            fetchState.statistics.objectsRejected += 1
            statistics.lastRejection = "fetched object refused: \(error)"
        }
    }

    /// A peer's tip: fetched if this node does not know it and it is higher than its own.
    func receiveTip(id: Hash256, height: UInt64, from peer: NodeAddress?) {
        notePeerTip(id, from: peer)  // Node+EndOfTraining.swift
        guard height > chain.tip.height else { return }
        want(id, .block, from: peer)
        flushRequests()
    }

    // MARK: blocks waiting for artefacts

    /// Keeps `block` until its artefacts arrive (the oldest is dropped beyond `maxPendingBlocks`).
    func deferBlock(_ block: Block, from peer: NodeAddress?, ticks: Int) {
        var ticks = ticks
        if let waiting = fetchState.pending[block.id] {
            ticks = max(ticks, waiting.ticks)
        } else {
            fetchState.pendingOrder.append(block.id)
            if !fetchState.retrying { fetchState.statistics.blocksDeferred += 1 }
        }
        fetchState.pending[block.id] = FetchState.Pending(
            block: block,
            from: peer ?? fetchState.pending[block.id]?.from,
            ticks: ticks
        )
        while fetchState.pendingOrder.count > fetchPolicy.maxPendingBlocks, let oldest = fetchState.pendingOrder.first {
            dropPending(oldest, reason: "dropped from a full queue of blocks waiting for artefacts")
        }
    }

    private func dropPending(_ id: Hash256, reason: String) {
        fetchState.pendingOrder.removeAll { $0 == id }
        guard fetchState.pending.removeValue(forKey: id) != nil else { return }
        statistics.blocksUnavailable += 1
        statistics.lastRejection = "block \(id.short) \(reason)"
    }

    /// Verifies every waiting block again (in arrival order) until a pass accepts none.
    func retryPendingBlocks() {
        guard !fetchState.retrying, !fetchState.pending.isEmpty else { return }
        fetchState.retrying = true
        defer { fetchState.retrying = false }
        var progress = true
        while progress {
            progress = false
            for id in fetchState.pendingOrder {
                guard let pending = fetchState.pending.removeValue(forKey: id) else { continue }
                fetchState.pendingOrder.removeAll { $0 == id }
                if receive(pending.block, from: pending.from, ticks: pending.ticks) {
                    fetchState.statistics.blocksRecovered += 1
                    progress = true
                }
            }
        }
    }

    // MARK: relaying

    /// Passes `message` on to every peer but the one it came from.
    func relay(_ message: WireMessage, except peer: NodeAddress?) {
        let bytes = message.canonicalBytes
        for other in transport.peers where other != peer { try? transport.send(bytes, to: other) }
        fetchState.statistics.relayed += 1
    }

    // MARK: models for evaluation

    /// Asks for the final model state (the `stateHashAfter` of its last recorded message) of every miner of
    /// `task` this node lacks; returns the hashes still missing (empty: every final model is held).
    @discardableResult
    public func requestFinalModels(task: Hash256) -> [Hash256] {
        var last: [NodeKey: UnsignedIterationMessage] = [:]
        for hash in recorders[task]?.history.messages ?? [] {
            guard let body = try? protocolStore.iterationMessage(for: hash)?.body else { continue }
            if body.sequence >= last[body.minerKey]?.sequence ?? 0 { last[body.minerKey] = body }
        }
        let missing = last.values.map(\.stateHashAfter).filter { !holds($0, .modelState) }.sorted()
        for hash in missing { want(hash, .modelState, from: nil) }
        flushRequests()
        return missing
    }
}
