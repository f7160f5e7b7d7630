import Foundation
public import PoUWChain
public import PoUWCore
import PoUWML
public import PoUWProtocol
import Synchronization

/// One verdict of a replay, for reports.
public struct ItemVerdict: Sendable, Hashable, Codable {
    /// `block` or `message`.
    public var kind: String
    /// Block id or message hash, hex.
    public var id: String
    public var height: UInt64?
    /// `valid`, `invalid` or `unavailable`.
    public var verdict: String
    /// The first differing field or the missing artefact.
    public var detail: String?
    public var seconds: Double

    public init(kind: String, id: String, height: UInt64?, verdict: Verdict, seconds: Double) {
        self.kind = kind
        self.id = id
        self.height = height
        self.seconds = seconds
        switch verdict {
        case .valid: self.verdict = "valid"
        case .invalid(let mismatch):
            self.verdict = "invalid"
            detail = mismatch.description
        case .unavailable(let artefact):
            self.verdict = "unavailable"
            detail = artefact.description
        }
    }
}

extension StoredData {
    /// Verifies `block` from this store alone (PROTOCOL.md "Verification"): genesis must be the local preset's;
    /// any other block's work is checked by `BlockVerifier` with `IterationReplay` over the stored artefacts
    /// (message, history, commitment chain, checkpoint, batch, peers) — exactly what a full node does before
    /// accepting it. Each call starts with no model state in memory (the checkpoint is read); messages this
    /// `StoredData` read before are not decoded again.
    public func verify(block: Block) -> Verdict {
        var replays = ChainReplays()
        return verify(block: block, replays: &replays)
    }

    /// The replays of one verification pass, one per task: a pass over the chain keeps the states it verified,
    /// as a node does, so a block whose iteration starts where an earlier block's ended skips the checkpoint.
    struct ChainReplays {
        var byTask: [Hash256: (task: StoredTask, replay: IterationReplay)] = [:]
    }

    func verify(block: Block, replays: inout ChainReplays) -> Verdict {
        if block.header.prev == .zero {
            let expected = Genesis.block(for: .local).id
            return block.id == expected
                ? .valid : .invalid(Mismatch(field: "genesis", claimed: block.id.hex, found: expected.hex))
        }
        do {
            let message: IterationMessage
            do {
                guard let found = try artefacts.iterationMessage(for: block.header.msgHash) else {
                    return .unavailable(.message(block.header.msgHash))
                }
                message = found
            } catch let undecodable as UndecodableArtefact {
                return .invalid(
                    Mismatch(field: "message", claimed: block.header.msgHash.hex, found: "undecodable: \(undecodable)")
                )
            }
            let taskID = message.body.taskID
            if replays.byTask[taskID] == nil {
                let task: StoredTask
                do { task = try self.task(taskID) } catch { return .unavailable(.task(taskID)) }
                let replay = IterationReplay(task: task.definition, artefacts: artefacts, maxRebuild: 1 << 20)
                replays.byTask[taskID] = (task, replay)
            }
            guard let (task, replay) = replays.byTask[taskID] else { return .unavailable(.task(taskID)) }
            let catalog = InMemoryTaskCatalog()
            catalog.register(task: task.id, task.miningParameters)
            let verifier = BlockVerifier(
                artefacts: artefacts,
                tasks: catalog,
                histories: protocolStore,
                replay: { replay.verify($0) }
            )
            let target = try CompactTarget.decode(block.header.bits)
            let verdict = verifier.verify(header: block.header, id: block.id, target: target)
            guard verdict.isValid else { return verdict }
            // The body must be the one the header commits to.
            if Block.transactionRoot(block.transactions) != block.header.txRoot {
                return .invalid(
                    Mismatch(field: "txRoot", claimed: block.header.txRoot.hex, found: "other transactions")
                )
            }
            return .valid
        } catch {
            return .invalid(Mismatch(field: "artefact", claimed: "readable", found: "\(error)"))
        }
    }

    /// Replays every block of the main chain from genesis, in one pass that keeps the states it verified (as a
    /// node does); `progress(done, total)` after each.
    public func verifyChain(progress: (Int, Int) -> Void = { _, _ in }) throws -> [ItemVerdict] {
        let count = try height()
        var verdicts = [ItemVerdict]()
        var replays = ChainReplays()
        for h in 0..<count {
            let start = DispatchTime.now().uptimeNanoseconds
            guard let id = try chain.mainChainId(atHeight: h), let block = try block(id: id) else {
                var missing = ItemVerdict(kind: "block", id: "?", height: h, verdict: .valid, seconds: 0)
                missing.verdict = "unavailable"
                missing.detail = "block at height \(h)"
                verdicts.append(missing)
                continue
            }
            let verdict = verify(block: block, replays: &replays)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            verdicts.append(ItemVerdict(kind: "block", id: id.hex, height: h, verdict: verdict, seconds: seconds))
            progress(Int(h) + 1, Int(count))
        }
        return verdicts
    }

    /// Full audit of a task (PROTOCOL.md "A full audit"): every message of the stored history, in order, is
    /// checked on arrival exactly as a supervisor does (membership, signature, per-miner chain, assigned batch in
    /// the dataset tree, peer updates in order; a first message must start from the task seed's initial weights);
    /// then each miner's chain is re-run by `IterationReplay.audit` on one replica carried from message to
    /// message, so the per-miner hash chains are checked end to end and no checkpoint after the initial state is
    /// trusted. The first failing message ends the audit.
    public func audit(task id: Hash256, progress: (Int, Int) -> Void = { _, _ in }) throws -> [ItemVerdict] {
        let task = try self.task(id)
        let history = try self.history(id)
        var messages = [IterationMessage]()
        for hash in history.messages {
            do {
                guard let message = try artefacts.iterationMessage(for: hash) else {
                    return [
                        ItemVerdict(
                            kind: "message",
                            id: hash.hex,
                            height: nil,
                            verdict: .unavailable(.message(hash)),
                            seconds: 0
                        )
                    ]
                }
                messages.append(message)
            } catch let undecodable as UndecodableArtefact {
                let mismatch = Mismatch(field: "message", claimed: hash.hex, found: "undecodable: \(undecodable)")
                return [
                    ItemVerdict(kind: "message", id: hash.hex, height: nil, verdict: .invalid(mismatch), seconds: 0)
                ]
            }
        }
        var batchHashes = [Hash256]()
        while let hash = try protocolStore.batchHash(
            datasetRoot: task.payForTask.datasetRoot,
            index: UInt64(batchHashes.count)
        ) {
            batchHashes.append(hash)
        }
        let miners = Array(Set(messages.map(\.body.minerKey)))
        var recorder: HistoryRecorder
        do {
            let rules = try TaskRules(
                taskID: id,
                miners: Set(miners),
                assignment: SeededBatchAssignment(
                    // A paid task is dealt from its including block (recorded by the chain); a filler by its id.
                    seed: (try? EconomicLedgerRules.selectionHash(task: id, ledger: LedgerOverlay(base: chain)))
                        .flatMap { $0 }.map {
                            SeededBatchAssignment.seed(selectionBlock: $0, taskID: id)
                        } ?? id,
                    miners: miners,
                    batchCount: max(batchHashes.count, miners.count)
                ),
                batchHashes: batchHashes,
                datasetRoot: task.payForTask.datasetRoot,
                parameterCount: UInt32(task.miningParameters.parameterCount),
                tau: task.definition.effectiveTau
            )
            recorder = HistoryRecorder(rules: rules)
        } catch {
            return [ItemVerdict(kind: "task", id: id.hex, height: nil, verdict: .unavailable(.task(id)), seconds: 0)]
        }
        let seed = PreparedTask.modelSeed(taskID: id)
        let initial = Trainer(task: task.definition, seed: seed, mode: .pouw(tau: task.definition.effectiveTau))
        let initialHash = initial.stateHash
        // Signatures, the costly part of the arrival checks (an Ed25519 check hashes the whole message, update
        // words and all), are checked once, through the store's cache, by the recorder and the replay alike; a
        // second core checks them ahead, in history order, while this one goes through the messages.
        let store = protocolStore
        recorder.signatureCheck = { store.signatureIsValid($0) }
        let ahead = SignaturesAhead(messages, store: store)
        defer { ahead.stop() }
        // Pass 1: every message's arrival checks, in history order (cheap: no training).
        var verdicts = [ItemVerdict]()
        for message in messages {
            let start = DispatchTime.now().uptimeNanoseconds
            var verdict = Verdict.valid
            do { try recorder.accept(message) } catch {
                verdict = .invalid(Mismatch(field: "arrival", claimed: message.hash.hex, found: "\(error)"))
            }
            if message.body.sequence == 0 && message.body.stateHashBefore != initialHash {
                verdict = .invalid(
                    Mismatch(
                        field: "stateHashBefore",
                        claimed: message.body.stateHashBefore.hex,
                        found: initialHash.hex
                    )
                )
            }
            guard !verdict.isValid else { continue }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            verdicts.append(
                ItemVerdict(kind: "message", id: message.hash.hex, height: nil, verdict: verdict, seconds: seconds)
            )
            return verdicts
        }
        // Pass 2: each miner's chain re-run from the initial state on one replica (`IterationReplay.audit`).
        // The initial state follows from the task alone, so it need not be stored.
        let source = WithDerivedState(base: artefacts, hash: initialHash, bytes: initial.state.canonicalBytes)
        let replay = IterationReplay(task: task.definition, artefacts: source)
        var done = 0
        for miner in miners.sorted() {
            let chain = messages.filter { $0.body.minerKey == miner }.sorted { $0.body.sequence < $1.body.sequence }
            let start = DispatchTime.now().uptimeNanoseconds
            let (verified, verdict) = replay.audit(chain: chain)
            let each = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(max(1, verified + 1))
            for message in chain.prefix(verified) {
                verdicts.append(
                    ItemVerdict(kind: "message", id: message.hash.hex, height: nil, verdict: .valid, seconds: each)
                )
            }
            done += verified
            progress(done, messages.count)
            if !verdict.isValid {
                let failing = verified < chain.count ? chain[verified].hash.hex : miner.hex
                verdicts.append(ItemVerdict(kind: "message", id: failing, height: nil, verdict: verdict, seconds: each))
                return verdicts
            }
        }
        return verdicts
    }
}

/// An artefact source that also holds one state derived rather than stored (a task's initial weights).
struct WithDerivedState: ArtefactSource {
    let base: any ArtefactSource
    let hash: Hash256
    let bytes: [UInt8]

    func bytes(for requested: Hash256) throws -> [UInt8]? {
        requested == hash ? bytes : try base.bytes(for: requested)
    }

    func iterationMessage(for requested: Hash256) throws -> IterationMessage? {
        try base.iterationMessage(for: requested)
    }

    func signatureIsValid(_ message: IterationMessage) -> Bool { base.signatureIsValid(message) }
}

/// Checks the signatures of `messages` on a dispatch thread, in order, through a store's cache, so that the
/// caller finds them checked when it gets there (or checks one itself if it is there first: the cache takes
/// either). `stop()` ends the work early and waits for the thread.
final class SignaturesAhead: Sendable {
    private let stopped = Atomic(false)
    private let done = DispatchGroup()

    init(_ messages: [IterationMessage], store: ProtocolStore) {
        DispatchQueue.global(qos: .userInitiated).async(group: done) { [self] in
            for message in messages {
                if stopped.load(ordering: .relaxed) { return }
                _ = store.signatureIsValid(message)
            }
        }
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        done.wait()
    }
}
