public import PoUWCore
public import PoUWML

/// Re-runs the iteration behind a message from stored artefacts and compares every field (PROTOCOL.md
/// "Verification").
///
/// Fetches, by hash, the model state before (`stateHashBefore`; if that checkpoint is missing, the nearest earlier
/// state of the miner's chain is found by following `previousMessage` links and the iterations in between are
/// replayed, each checked), each applied peer message, and the batch; re-runs `PoUWIteration.run`; the verdict is
/// `valid`, `invalid` with the first differing field in message order (both values), or `unavailable` with the
/// first missing artefact. The signature is checked first (`invalid`, field `signature`).
///
/// Speed: messages are read through `ArtefactSource.iterationMessage(for:)` and signatures checked through
/// `signatureIsValid(_:)`, so a source that keeps decoded messages (`ProtocolStore`) decodes each once; the state
/// after every iteration `verify` found valid is kept in `states` (shared by copies of this value), so a replay that
/// starts where a verified one ended does not read its checkpoint. A state found there counts as held: a message
/// whose checkpoint this node has dropped but whose state it computed itself replays rather than being
/// `unavailable`. A checkpoint is read through `ArtefactSource.bytesUnderCheck(for:)`: its SHA-256 check runs on
/// another core while the replay decodes and trains, and every verdict waits for it — a failed check is the
/// source's read error (`artefact`), whatever the replay of the unverified bytes found, and keeps no state.
public struct IterationReplay: Sendable {
    public let task: TaskDefinition
    public let artefacts: any ArtefactSource
    /// Worker threads for the engine (results are identical for any count).
    public let threads: Int
    /// How far back along the miner's chain to look for a stored state before giving up (`unavailable`).
    public let maxRebuild: Int
    /// States this replay computed and verified (see the type's note on speed).
    public let states: ReplayStateCache
    /// Engines finished with, reused to load the next state into (see `EngineShelf`).
    let engines = EngineShelf()

    public init(
        task: TaskDefinition,
        artefacts: any ArtefactSource,
        threads: Int = 1,
        maxRebuild: Int = 64,
        states: ReplayStateCache = ReplayStateCache()
    ) {
        self.task = task
        self.artefacts = artefacts
        self.threads = threads
        self.maxRebuild = maxRebuild
        self.states = states
    }

    private struct Stop: Error { let verdict: Verdict }

    /// The verdict on the message named by `hash`.
    public func verify(messageHash hash: Hash256) -> Verdict {
        do {
            return verify(try fetchMessage(hash))
        } catch let stop as Stop {
            return stop.verdict
        } catch {
            return Self.unreadable(error)
        }
    }

    /// The verdict on `message`.
    public func verify(_ message: IterationMessage) -> Verdict {
        let checks = PendingChecks()
        do {
            guard artefacts.signatureIsValid(message) else {
                return .invalid(
                    Mismatch(field: "signature", claimed: message.body.minerKey.hex, found: "does not verify")
                )
            }
            let trainer = try stateBefore(message, checks)
            defer { engines.put(trainer) }
            let verdict = try rerun(message, on: trainer, stateHash: message.body.stateHashBefore)
            // The checkpoint's hash check ran while the replay did; nothing counts before it passed.
            try checks.settle()
            // Valid: the trainer's state hashed to the message's `stateHashAfter` (compared by `rerun`).
            if verdict.isValid { states.insert(trainer.state, hash: message.body.stateHashAfter) }
            return verdict
        } catch let stop as Stop {
            return checks.failure.map(Self.unreadable) ?? stop.verdict
        } catch {
            return Self.unreadable(checks.failure ?? error)
        }
    }

    /// The verdict for an artefact that could not be read intact (a store error, a hash mismatch).
    private static func unreadable(_ error: any Error) -> Verdict {
        .invalid(Mismatch(field: "artefact", claimed: "readable", found: "\(error)"))
    }

    /// Hash checks of fetched model states still running on another core (`ArtefactSource.bytesUnderCheck`).
    /// A replay decodes and trains on the bytes meanwhile; before any verdict is given every check must have
    /// passed, and a failed check outranks whatever the unverified bytes led to (the verdict is the read error,
    /// exactly as when the bytes were checked before use).
    private final class PendingChecks {
        private var pending = [ArtefactUnderCheck]()

        func add(_ artefact: ArtefactUnderCheck) { pending.append(artefact) }

        /// Waits for every check; throws the first failure.
        func settle() throws {
            for artefact in pending { try artefact.verified() }
        }

        /// Waits for every check; the first failure, or `nil`.
        var failure: (any Error)? {
            do { try settle() } catch { return error }
            return nil
        }
    }

    /// A full audit of one miner's chain (its messages in sequence order, from sequence 0 or from any message
    /// whose state before is stored): checks the links and signatures and re-runs every iteration on one engine
    /// instance, so each state is computed once. Returns how many messages were verified and the verdict — `valid`,
    /// or the first failure (its `Mismatch.field` prefixed with the message's sequence).
    public func audit(chain: [IterationMessage]) -> (verified: Int, verdict: Verdict) {
        let checks = PendingChecks()
        let outcome = audit(chain: chain, checks: checks)
        // Nothing computed from a state whose hash check failed counts.
        if let failure = checks.failure { return (0, Self.unreadable(failure)) }
        return outcome
    }

    private func audit(chain: [IterationMessage], checks: PendingChecks) -> (verified: Int, verdict: Verdict) {
        guard let first = chain.first else { return (0, .valid) }
        var verified = 0
        do {
            let trainer = try stateBefore(first, checks)
            defer { engines.put(trainer) }
            var previous: IterationMessage?
            for message in chain {
                let sequence = message.body.sequence
                func failed(_ verdict: Verdict) -> (Int, Verdict) {
                    guard case .invalid(let m) = verdict else { return (verified, verdict) }
                    return (
                        verified,
                        .invalid(Mismatch(field: "message \(sequence): \(m.field)", claimed: m.claimed, found: m.found))
                    )
                }
                if let previous {
                    do {
                        try MinerChainTip.checkLink(
                            tip: MinerChainTip(previous),
                            next: message.body,
                            nextHash: message.hash
                        )
                    } catch {
                        return failed(
                            .invalid(Mismatch(field: "chain", claimed: "links to its predecessor", found: "\(error)"))
                        )
                    }
                }
                guard artefacts.signatureIsValid(message) else {
                    return failed(
                        .invalid(
                            Mismatch(field: "signature", claimed: message.body.minerKey.hex, found: "does not verify")
                        )
                    )
                }
                let verdict = try rerun(message, on: trainer, stateHash: message.body.stateHashBefore)
                guard verdict.isValid else { return failed(verdict) }
                verified += 1
                previous = message
            }
            return (verified, .valid)
        } catch let stop as Stop {
            return (verified, stop.verdict)
        } catch {
            return (verified, Self.unreadable(error))
        }
    }

    /// Re-runs `message` on `trainer`, whose state is the one named by `stateHash` (the message's own
    /// `stateHashBefore` when loaded by that hash, or the state after the previous replayed message).
    private func rerun(_ message: IterationMessage, on trainer: Trainer, stateHash: Hash256? = nil) throws -> Verdict {
        let body = message.body
        var peers = [IterationMessage]()
        for hash in body.appliedPeerMessages { peers.append(try fetchMessage(hash)) }
        guard let batchBytes = try artefacts.bytes(for: body.batchHash) else {
            throw Stop(verdict: .unavailable(.batch(body.batchHash)))
        }
        let batch: Batch
        do { batch = try Batch(canonicalBytes: batchBytes) } catch {
            return .invalid(
                Mismatch(field: "batchHash", claimed: body.batchHash.hex, found: "undecodable batch: \(error)")
            )
        }
        let context = IterationContext(
            taskID: body.taskID,
            epoch: body.epoch,
            sequence: body.sequence,
            previousMessage: body.previousMessage,
            batchIndex: body.batchIndex,
            zeroNonceCommitment: body.zeroNonceCommitment,
            startTime: body.startTime,
            finishTime: body.finishTime
        )
        let recomputed: UnsignedIterationMessage
        do {
            recomputed = try PoUWIteration.run(
                trainer: trainer,
                minerKey: body.minerKey,
                peers: peers,
                batch: batch,
                batchHash: body.batchHash,
                stateHashBefore: stateHash,
                context: context
            ).body
        } catch {
            return .invalid(Mismatch(field: "training", claimed: "runs", found: "\(error)"))
        }
        if let mismatch = body.firstDifference(from: recomputed) { return .invalid(mismatch) }
        return .valid
    }

    private func fetchMessage(_ hash: Hash256) throws -> IterationMessage {
        do {
            guard let message = try artefacts.iterationMessage(for: hash) else {
                throw Stop(verdict: .unavailable(.message(hash)))
            }
            return message
        } catch let undecodable as UndecodableArtefact {
            throw Stop(
                verdict: .invalid(Mismatch(field: "message", claimed: hash.hex, found: "undecodable: \(undecodable)"))
            )
        }
    }

    /// A trainer in the state named by `hash`: one this replay verified earlier, else the stored checkpoint
    /// (whose hash check the source may still be running: it joins `checks`); `nil` if neither is held.
    private func loadState(_ hash: Hash256, _ checks: PendingChecks) throws -> Trainer? {
        func usable(_ make: () throws -> Trainer) throws -> Trainer {
            do { return try make() } catch {
                throw Stop(
                    verdict: .invalid(
                        Mismatch(field: "stateHashBefore", claimed: hash.hex, found: "unusable state: \(error)")
                    )
                )
            }
        }
        if let kept = states.take(hash) { return try usable { try engine(in: kept) } }
        guard let fetched = try artefacts.bytesUnderCheck(for: hash) else { return nil }
        checks.add(fetched)
        return try usable { try engine(in: ModelState(canonicalBytes: fetched.bytes)) }
    }

    /// An engine in `state`: one from the shelf, else a new one.
    private func engine(in state: ModelState) throws -> Trainer {
        guard let spare = engines.take() else { return try Trainer(task: task, state: state, threads: threads) }
        try spare.restore(state)
        return spare
    }

    /// The trainer in the state before `message`: its checkpoint, or rebuilt from the nearest earlier one by
    /// replaying the miner's own messages in between (each must replay exactly).
    private func stateBefore(_ message: IterationMessage, _ checks: PendingChecks) throws -> Trainer {
        if let trainer = try loadState(message.body.stateHashBefore, checks) { return trainer }
        // Walk back: earlier messages of the same chain until one whose state before is stored.
        var pending = [IterationMessage]()
        var current = message
        while true {
            guard current.body.sequence > 0, pending.count < maxRebuild else {
                throw Stop(verdict: .unavailable(.modelState(message.body.stateHashBefore)))
            }
            let previous = try fetchMessage(current.body.previousMessage)
            guard previous.body.stateHashAfter == current.body.stateHashBefore else {
                throw Stop(
                    verdict: .invalid(
                        Mismatch(
                            field: "stateHashBefore",
                            claimed: current.body.stateHashBefore.hex,
                            found: "previous message ends in \(previous.body.stateHashAfter.hex)"
                        )
                    )
                )
            }
            pending.append(previous)
            if let trainer = try loadState(previous.body.stateHashBefore, checks) {
                for earlier in pending.reversed() {
                    let verdict = try rerun(earlier, on: trainer, stateHash: earlier.body.stateHashBefore)
                    if case .invalid(let mismatch) = verdict {
                        // The state before this message cannot be rebuilt: an earlier message is wrong.
                        let field =
                            "earlier message \(earlier.body.sequence) (\(earlier.hash.short)): \(mismatch.field)"
                        throw Stop(
                            verdict: .invalid(Mismatch(field: field, claimed: mismatch.claimed, found: mismatch.found))
                        )
                    }
                    guard verdict.isValid else { throw Stop(verdict: verdict) }
                }
                return trainer
            }
            current = previous
        }
    }
}
