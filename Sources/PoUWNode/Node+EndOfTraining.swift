public import PoUWChain
public import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWProtocol

/// One seated evaluator's progress on a task whose training ended (`Node.endOfTraining`).
public struct TaskEvaluation: Sendable {
    /// Ticks since the announcement was accepted.
    public internal(set) var ticks = 0
    /// Messages in this node's history of the task at the last tick, and ticks since that number last changed.
    public internal(set) var heard = -1
    public internal(set) var quietTicks = 0
    /// The peer the announcement came from (asked first for the test set).
    var source: NodeAddress?
    /// The settlement proposed (exactly once) and the TASK_RESULT broadcast, with the attestation depth it used.
    public internal(set) var proposal: TaskSettlement.Proposal?
    public internal(set) var result: Transaction?
    public internal(set) var attestationDepth: UInt64?
    /// Why it has not proposed yet (what it still lacks, or the last failure).
    public internal(set) var waitingFor: String?
    /// Set when this node cannot produce a TASK_RESULT at all.
    public internal(set) var failure: String?
    /// The settlement this evaluator computed, waiting for a quorum of evaluator votes, and its own vote for it.
    public internal(set) var pending: TaskSettlement.Proposal?
    public internal(set) var ownVote: EvaluatorVote?
}

/// A node's part in the end of paid tasks (Docs/protocol.md "End of training"): the client's announcements heard,
/// the miner's final messages it keeps re-announcing, its evaluations as a seated evaluator, and the tips its
/// peers last announced (the evaluator's agreement rule).
public struct EndOfTrainingState {
    /// Accepted announcements, by task.
    public internal(set) var announcements: [Hash256: EndOfTraining] = [:]
    /// Tasks this node ended as their client (its announcement is re-sent until the TASK_RESULT is on its chain).
    public internal(set) var ended: Set<Hash256> = []
    /// A miner's state when it stopped training each task (its replica, sequence and last message).
    public internal(set) var stopped: [Hash256: MinerState] = [:]
    /// Times each stopped task's last message has been re-announced.
    var finalAnnouncements: [Hash256: Int] = [:]
    /// Seated evaluations, by task.
    public internal(set) var evaluations: [Hash256: TaskEvaluation] = [:]
    /// The tip each peer last announced, and when (the node's clock, microseconds).
    var peerTips: [NodeAddress: (id: Hash256, at: UInt64)] = [:]
    /// The archives a miner sends its checkpoints to (the ones its last `mine` call named).
    var archives: [NodeAddress] = []
    /// When the client last re-sent its announcements.
    var lastResent: UInt64 = 0
    /// Evaluator votes heard (and made), by task, result (`EvaluatorVote.messageHash`) and signer key.
    public internal(set) var votes: [Hash256: [Hash256: [[UInt8]: [EvaluatorVote]]]] = [:]
    /// Votes kept per result and key, and results kept per task.
    public static let votesPerSigner = 4
    public static let resultsPerTask = 8

    /// Most times a miner re-announces its last message of a stopped task (unless the TASK_RESULT comes first).
    public static let maxFinalAnnouncements = 60
    /// Ticks an evaluator's history of the task must stay unchanged before it proposes: every miner re-announces
    /// its last message each tick, so a message lost this many times in a row is all that can be missed.
    public static let quietTicks = 8
    /// Ticks an evaluator waits for its peers to announce its own tip before it claims without the unsettled
    /// blocks' attestations.
    public static let agreementTicks = 40
    /// Blocks below the tip whose attestations a claim leaves out when the peers do not agree on the tip.
    public static let unsettledDepth: UInt64 = 6
    /// Ticks after which an evaluator gives up waiting for what it lacks.
    public static let maxEvaluationTicks = 400
}

extension Node {
    /// Why the client could not end a task's training.
    public enum EndTrainingFailure: Error, Sendable, CustomStringConvertible {
        case unknownTask(Hash256)
        case notTheClient(Hash256)

        public var description: String {
            switch self {
            case .unknownTask(let id): "task \(id.short) is not registered on this node's chain"
            case .notTheClient(let id): "this node is not the client of task \(id.short)"
            }
        }
    }

    /// The client ends training of its paid `task` (its own decision, e.g. when the duration it paid for is up): it
    /// reveals the test set (`revealTestSet`) and broadcasts its signed `EndOfTraining`, re-sent on `tick` until the
    /// task's TASK_RESULT is on its chain. Calling it again only re-sends the announcement.
    public func endTraining(task id: Hash256) throws {
        guard let escrow = try chain.task(id) else { throw EndTrainingFailure.unknownTask(id) }
        guard escrow.client == account else { throw EndTrainingFailure.notTheClient(id) }
        try revealTestSet(task: id)
        let announcement = endOfTraining.announcements[id] ?? EndOfTraining.sign(task: id, key: key)
        endOfTraining.ended.insert(id)
        if endOfTraining.announcements[id] == nil { accepted(announcement, from: nil) }
        broadcast(.endOfTraining(announcement.canonicalBytes))
    }

    /// An announcement arrived: checked against the task's on-chain client (`EndOfTraining.check`); a refusal is
    /// counted with its reason (`NodeStatistics.lastMessageRejection`). True if newly accepted (relayed once).
    @discardableResult
    func receiveEndOfTraining(_ bytes: [UInt8], from peer: NodeAddress?) -> Bool {
        do {
            let announcement: EndOfTraining
            do { announcement = try EndOfTraining(canonicalBytes: bytes) } catch {
                statistics.undecodable += 1
                throw EndOfTraining.Refusal.undecodable("\(error)")
            }
            let id = announcement.taskID
            guard endOfTraining.announcements[id] == nil else { return false }
            guard let escrow = try? chain.task(id) else { throw EndOfTraining.Refusal.unknownTask(id) }
            try announcement.check(client: escrow.client)
            accepted(announcement, from: peer)
            return true
        } catch {
            refuseMessage("\(error)")
            return false
        }
    }

    /// Acts on an accepted announcement: a miner training the task stops (final checkpoint, last message
    /// re-announced); a seated evaluator starts evaluating.
    func accepted(_ announcement: EndOfTraining, from peer: NodeAddress?) {
        let id = announcement.taskID
        endOfTraining.announcements[id] = announcement
        if let state = miner, task?.taskID == id { stopTraining(id, state) }
        startEvaluation(id, source: peer)
    }

    /// A seated evaluator of an ended task starts evaluating it (once; the selection may be derived after the
    /// announcement arrived, so `tick` tries again).
    func startEvaluation(_ id: Hash256, source: NodeAddress?) {
        let seats = lifecycle.selections[id]?.seats(.evaluator, of: account) ?? []
        guard has(.evaluator), !seats.isEmpty, endOfTraining.evaluations[id] == nil else { return }
        var evaluation = TaskEvaluation()
        evaluation.source = source
        endOfTraining.evaluations[id] = evaluation
        advanceEvaluation(id)
    }

    /// The miner stops training `id`: it stores its final state (sent to the archives), keeps its state as it
    /// stopped, and announces its last message; its next `mine` call trains a filler.
    func stopTraining(_ id: Hash256, _ state: MinerState) {
        do { try finalCheckpoint(archives: endOfTraining.archives) } catch {
            statistics.lastRejection = "final checkpoint of task \(id.short) not stored: \(error)"
        }
        endOfTraining.stopped[id] = state
        miner = nil
        if let last = state.lastMessage {
            broadcast(.iteration(last.canonicalBytes))
            endOfTraining.finalAnnouncements[id] = 1
        }
    }

    /// Whether this miner has stopped training `task` (the client ended it).
    public func hasStopped(_ task: Hash256) -> Bool { endOfTraining.stopped[task] != nil }

    /// Keeps the tip `peer` announced (the evaluator's agreement rule).
    func notePeerTip(_ id: Hash256, from peer: NodeAddress?) {
        guard let peer else { return }
        endOfTraining.peerTips[peer] = (id, fetchState.now)
    }

    /// Whether every peer announced this node's own tip within the last two tip intervals and no block waits for
    /// artefacts here: no node then builds on another branch, so no block up to the tip can be reorganized away.
    public var peersAgreeOnTip: Bool {
        let tip = chain.tip.id
        let now = fetchState.now
        let fresh = 2 * fetchPolicy.tipInterval
        return pendingBlockCount == 0 && !transport.peers.isEmpty
            && transport.peers.allSatisfy { peer in
                endOfTraining.peerTips[peer].map { $0.id == tip && now <= $0.at + fresh } ?? false
            }
    }

    /// On every tick: the client re-sends its announcements, stopped miners re-announce their last messages, and
    /// each seated evaluation advances — all until the task's TASK_RESULT is on this node's chain.
    func tickEndOfTraining() {
        let now = fetchState.now
        if now >= endOfTraining.lastResent + fetchPolicy.reannounceInterval {
            endOfTraining.lastResent = now
            for id in endOfTraining.ended.sorted() where !settled(id) {
                guard let announcement = endOfTraining.announcements[id] else { continue }
                broadcast(.endOfTraining(announcement.canonicalBytes))
                fetchState.statistics.reannounced += 1
            }
        }
        for id in endOfTraining.finalAnnouncements.keys.sorted() {
            guard let count = endOfTraining.finalAnnouncements[id], count < EndOfTrainingState.maxFinalAnnouncements,
                !settled(id), let last = endOfTraining.stopped[id]?.lastMessage
            else { continue }
            broadcast(.iteration(last.canonicalBytes))
            endOfTraining.finalAnnouncements[id] = count + 1
        }
        for id in endOfTraining.announcements.keys.sorted() where endOfTraining.evaluations[id] == nil {
            startEvaluation(id, source: nil)
        }
        for id in endOfTraining.evaluations.keys.sorted() {
            endOfTraining.evaluations[id]?.ticks += 1
            advanceEvaluation(id)
        }
    }

    func settled(_ id: Hash256) -> Bool { (try? chain.task(id))?.settled == true }

    /// One step of a seated evaluation (see Docs/protocol.md "End of training"): fetch what is missing (final
    /// models, the test set), wait until the history is quiet and the peers agree on the tip (or
    /// `agreementTicks` passed: then the unsettled blocks' attestations are left out), propose and broadcast the
    /// TASK_RESULT exactly once.
    func advanceEvaluation(_ id: Hash256) {
        guard var evaluation = endOfTraining.evaluations[id], evaluation.result == nil, evaluation.failure == nil,
            evaluation.ticks <= EndOfTrainingState.maxEvaluationTicks, !settled(id)
        else { return }
        defer { endOfTraining.evaluations[id] = evaluation }
        guard let task = joined[id] ?? lifecycle.offers[id], let selection = lifecycle.selections[id] else {
            evaluation.waitingFor = "the task's selection"
            return
        }
        let heard = recorders[id]?.history.count ?? 0
        if heard == evaluation.heard {
            evaluation.quietTicks += 1
        } else {
            evaluation.heard = heard
            evaluation.quietTicks = 0
        }
        let models = requestFinalModels(task: id)
        let tests = requestTestSet(task: id, from: evaluation.source)
        if !models.isEmpty || !tests.isEmpty {
            evaluation.waitingFor = "\(models.count) final models and \(tests.count) test batches"
            return
        }
        guard evaluation.quietTicks >= EndOfTrainingState.quietTicks else {
            evaluation.waitingFor = "a quiet history (\(evaluation.quietTicks) ticks)"
            return
        }
        if evaluation.pending == nil {
            let agreed = peersAgreeOnTip
            guard agreed || evaluation.ticks >= EndOfTrainingState.agreementTicks else {
                evaluation.waitingFor = "the peers' agreement on the tip"
                return
            }
            do {
                let depth = agreed ? 0 : EndOfTrainingState.unsettledDepth
                let proposal = try TaskSettlement.propose(
                    task: task,
                    selection: selection,
                    node: self,
                    attestationDepth: depth
                )
                evaluation.pending = proposal
                evaluation.attestationDepth = depth
                let vote = EvaluatorVote.sign(proposal.result, key: key)
                evaluation.ownVote = vote
                keep(vote)
            } catch {
                evaluation.waitingFor = "\(error)"
                return
            }
        }
        guard let pending = evaluation.pending, let vote = evaluation.ownVote else { return }
        // Votes for this very result from distinct holders of evaluator seats, until a quorum signed it; the
        // signer holding the first evaluator seat submits it (one TASK_RESULT, not one per evaluator).
        let message = pending.result.evaluatorMessage
        let holders = Set(selection.seats(.evaluator).compactMap { selection.owners[$0] })
        let quorum = TaskResultRules.quorum(holders: holders.count)
        var signatures: [Address: EvaluatorSignature] = [:]
        for candidates in (endOfTraining.votes[id]?[vote.messageHash] ?? [:]).values {
            for candidate in candidates where candidate.verifies(message: message) {
                guard let key = try? Ed25519.PublicKey(bytes: candidate.signature.publicKey) else { continue }
                let holder = Address(publicKey: key)
                if holders.contains(holder) { signatures[holder] = candidate.signature }
                break
            }
        }
        guard signatures.count >= quorum else {
            evaluation.waitingFor = "evaluator votes: \(signatures.count) of \(quorum)"
            broadcast(.evaluatorVote(vote.canonicalBytes))  // again each tick, for whoever missed it
            return
        }
        let submitter = selection.seats(.evaluator).compactMap { selection.owners[$0] }.first {
            signatures[$0] != nil
        }
        guard submitter == account else {
            evaluation.waitingFor = "the TASK_RESULT from \(submitter?.description ?? "another evaluator")"
            return
        }
        do {
            let sequence = try chain.account(account).sequence
            let result = TaskSettlement.transaction(
                pending.result,
                signatures: signatures.values.sorted { $0.publicKey.lexicographicallyPrecedes($1.publicKey) },
                sender: key,
                sequence: sequence
            )
            evaluation.proposal = pending
            evaluation.result = result
            evaluation.waitingFor = nil
            receive(result)
            broadcast(.transaction(result.canonicalBytes))
        } catch {
            evaluation.waitingFor = "\(error)"
        }
    }

    /// Keeps `vote` (at most `EndOfTrainingState.votesPerSigner` per result and key, `resultsPerTask` results per
    /// task: a forged vote under a real evaluator's key cannot shut the real one out, and nothing grows unbounded).
    /// True if it is new.
    @discardableResult
    func keep(_ vote: EvaluatorVote) -> Bool {
        let byResult = endOfTraining.votes[vote.taskID] ?? [:]
        let forKey = byResult[vote.messageHash]?[vote.signature.publicKey] ?? []
        guard !forKey.contains(vote), forKey.count < EndOfTrainingState.votesPerSigner,
            byResult[vote.messageHash] != nil || byResult.count < EndOfTrainingState.resultsPerTask
        else { return false }
        endOfTraining.votes[vote.taskID, default: [:]][vote.messageHash, default: [:]][vote.signature.publicKey] =
            forKey + [vote]
        return true
    }

    /// A vote arrived: kept if it decodes and its key is a seated evaluator's of a task this node knows (whether
    /// it signs the result is checked when votes are counted, against the result this node computed itself).
    /// True if newly kept (relayed once).
    func receiveEvaluatorVote(_ bytes: [UInt8]) -> Bool {
        guard let vote = try? EvaluatorVote(canonicalBytes: bytes) else {
            statistics.undecodable += 1
            refuseMessage("undecodable evaluator vote")
            return false
        }
        guard let selection = lifecycle.selections[vote.taskID] else {
            refuseMessage("evaluator vote refused: unknown task \(vote.taskID.short)")
            return false
        }
        let seated = Set(selection.seats(.evaluator).compactMap { selection.keys[$0]?.bytes })
        guard seated.contains(vote.signature.publicKey) else {
            refuseMessage("evaluator vote refused: the key holds no evaluator seat of task \(vote.taskID.short)")
            return false
        }
        guard !settled(vote.taskID) else { return false }
        return keep(vote)
    }
}
