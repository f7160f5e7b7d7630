import PoUWChain
import PoUWCore
public import PoUWEconomics
import PoUWML

/// The protocol's `EvidenceChecker`: proves a cheat by replay and by signatures, never on the accuser's word.
///
/// - `failedReplay` (`FailedReplayProof`): the message named by the payload is fetched from `artefacts`; it must
///   carry a valid signature by the offender's key (so it binds the offender), be of the evidence's task, and its
///   re-run by `IterationReplay` (the task definition read from the task's PAY_FOR_TASK, fetched by task id) must
///   give `invalid`. A message that replays exactly is a false accusation; a missing artefact (message, task,
///   state, batch, peer message) or a local read failure gives `notProven` with a reason starting
///   `"unavailable: "` — "we could not check" is never "proven".
/// - `doubleSignature` (`DoubleSignatureProof`): both messages signed validly by the offender's key, distinct,
///   for the evidence's task and the same miner and sequence (the proof's stated slot). An embedded proof (v1) is
///   self-contained; a by-hash proof (v2, for messages too large to embed) fetches both messages from `artefacts`.
/// - `equivocatingCheckpoint` (`EquivocationProof`): both checkpoints signed validly by the offender's key, of the
///   evidence's task; same size with different roots, or a consistency proof binding the larger checkpoint's
///   prefix root that differs from the smaller checkpoint's root.
///
/// Guarantees: deterministic (same evidence and same artefacts, same verdict, for any thread count); the offender
/// named in the evidence must be the address of the key that signed the offending record; the embedded
/// double-signature and the equivocation checks are self-contained, `failedReplay` and a by-hash double signature
/// depend on artefact availability (see Docs/protocol.md "Evidence and
/// audits"). The ticket named in the evidence is the chain's to check (`EconomicLedgerRules`).
public struct ReplayEvidenceChecker: EvidenceChecker, Sendable {
    public let artefacts: any ArtefactSource
    /// Engine threads for replays (verdicts are identical for any count).
    public let threads: Int
    /// How far back along the miner's chain a replay may rebuild a missing state before `unavailable`.
    public let maxRebuild: Int

    /// The reason prefix of verdicts that only say an artefact was missing (a retry may prove the evidence).
    public static let unavailablePrefix = "unavailable: "

    public init(artefacts: any ArtefactSource, threads: Int = 1, maxRebuild: Int = 4096) {
        self.artefacts = artefacts
        self.threads = threads
        self.maxRebuild = maxRebuild
    }

    public func check(_ evidence: PoUWEconomics.Evidence) -> EvidenceVerdict {
        switch evidence.kind {
        case .failedReplay: checkFailedReplay(evidence)
        case .doubleSignature: checkDoubleSignature(evidence)
        case .equivocatingCheckpoint: checkEquivocation(evidence)
        }
    }

    private func unavailable(_ what: String) -> EvidenceVerdict {
        .notProven(reason: Self.unavailablePrefix + what)
    }

    // MARK: failed replay

    private func checkFailedReplay(_ evidence: PoUWEconomics.Evidence) -> EvidenceVerdict {
        let proof: FailedReplayProof
        do { proof = try FailedReplayProof(canonicalBytes: evidence.payload) } catch {
            return .notProven(reason: "payload is not a failed-replay proof: \(error)")
        }
        let bytes: [UInt8]
        do {
            guard let found = try artefacts.bytes(for: proof.messageHash) else {
                return unavailable("message \(proof.messageHash.hex)")
            }
            bytes = found
        } catch {
            return unavailable("message \(proof.messageHash.hex) unreadable here: \(error)")
        }
        let message: IterationMessage
        do { message = try IterationMessage(canonicalBytes: bytes) } catch {
            return .notProven(reason: "\(proof.messageHash.short) is not an iteration message: \(error)")
        }
        if let mismatch = names(message, evidence) { return mismatch }
        let task: TaskDefinition
        switch definition(of: evidence.taskId) {
        case .success(let found): task = found
        case .failure(let failure): return failure.verdict
        }
        let replay = IterationReplay(task: task, artefacts: artefacts, threads: threads, maxRebuild: maxRebuild)
        switch replay.verify(message) {
        case .valid:
            return .notProven(reason: "message \(message.hash.short) replays exactly: no cheat")
        case .unavailable(let artefact):
            return unavailable("\(artefact)")
        case .invalid(let mismatch) where mismatch.field == "artefact":
            // A local read failure (IterationReplay reports thrown store errors this way), not the miner's fault.
            return unavailable(mismatch.found)
        case .invalid:
            return .proven
        }
    }

    /// `nil` if `message` is validly signed by the evidence's offender for its task; else why not.
    private func names(_ message: IterationMessage, _ evidence: PoUWEconomics.Evidence) -> EvidenceVerdict? {
        guard message.hasValidSignature else {
            return .notProven(reason: "message \(message.hash.short) is not validly signed: it binds nobody")
        }
        guard message.body.minerKey.accountAddress == evidence.offender else {
            return .notProven(
                reason: "message \(message.hash.short) is signed by \(message.body.minerKey.short), "
                    + "not by the offender \(evidence.offender)"
            )
        }
        guard message.body.taskID == evidence.taskId else {
            return .notProven(reason: "message \(message.hash.short) belongs to task \(message.body.taskID.short)")
        }
        return nil
    }

    /// The task definition carried by the PAY_FOR_TASK whose id is `task`.
    private func definition(of task: Hash256) -> Result<TaskDefinition, EvidenceVerdict.Failure> {
        let bytes: [UInt8]
        do {
            guard let found = try artefacts.bytes(for: task) else {
                return .failure(.init(unavailable("task \(task.hex) (its PAY_FOR_TASK)")))
            }
            bytes = found
        } catch {
            return .failure(.init(unavailable("task \(task.hex) unreadable here: \(error)")))
        }
        do {
            let transaction = try Transaction(canonicalBytes: bytes)
            guard case .payForTask(let payload) = transaction.body else {
                return .failure(.init(.notProven(reason: "\(task.short) is not a PAY_FOR_TASK")))
            }
            return .success(try TaskDefinition(json: payload.taskDefinition))
        } catch {
            return .failure(.init(.notProven(reason: "task \(task.short) has no usable definition: \(error)")))
        }
    }

    // MARK: double signature

    private func checkDoubleSignature(_ evidence: PoUWEconomics.Evidence) -> EvidenceVerdict {
        let proof: DoubleSignatureProof
        do { proof = try DoubleSignatureProof(canonicalBytes: evidence.payload) } catch {
            return .notProven(reason: "payload is not a double-signature proof: \(error)")
        }
        var messages = proof.messages
        if messages.isEmpty {
            // By hash (v2): fetch both; the hash covers the signed bytes and the signature.
            for hash in [proof.firstHash, proof.secondHash] {
                let found: IterationMessage?
                do { found = try artefacts.iterationMessage(for: hash) } catch {
                    return unavailable("message \(hash.hex) unreadable here: \(error)")
                }
                guard let found else { return unavailable("message \(hash.hex)") }
                guard found.hash == hash else {
                    return .notProven(reason: "the artefact stored as \(hash.short) is another message")
                }
                messages.append(found)
            }
        }
        for message in messages {
            if let mismatch = names(message, evidence) { return mismatch }
        }
        let (a, b) = (messages[0].body, messages[1].body)
        guard a.minerKey == b.minerKey, a.taskID == b.taskID, a.sequence == b.sequence else {
            return .notProven(reason: "the messages are for different slots (sequence \(a.sequence), \(b.sequence))")
        }
        guard a.minerKey == proof.minerKey, a.taskID == proof.taskID, a.sequence == proof.sequence else {
            return .notProven(reason: "the messages are not for the slot the proof states")
        }
        return .proven
    }

    // MARK: equivocating checkpoints

    private func checkEquivocation(_ evidence: PoUWEconomics.Evidence) -> EvidenceVerdict {
        let proof: EquivocationProof
        do { proof = try EquivocationProof(canonicalBytes: evidence.payload) } catch {
            return .notProven(reason: "payload is not an equivocation proof: \(error)")
        }
        let (small, large) = (proof.smaller, proof.larger)
        guard small.miner == large.miner else {
            return .notProven(reason: "the checkpoints state different miners' logs")
        }
        for checkpoint in [small, large] {
            guard checkpoint.hasValidSignature else {
                return .notProven(reason: "a checkpoint's signature does not verify: it binds nobody")
            }
            guard checkpoint.supervisor.accountAddress == evidence.offender, checkpoint.taskID == evidence.taskId else {
                return .notProven(reason: "a checkpoint is not the offender's for task \(evidence.taskId.short)")
            }
        }
        guard let prefix = proof.prefix else {
            // Decoding guarantees equal sizes here, and distinct roots by the (size, root) order.
            return small.root != large.root ? .proven : .notProven(reason: "the checkpoints are identical")
        }
        guard prefix.consistency.oldSize == Int(small.size), prefix.consistency.newSize == Int(large.size) else {
            return .notProven(reason: "the consistency proof is for sizes other than the checkpoints'")
        }
        guard prefix.consistency.verify(oldRoot: prefix.root, newRoot: large.root) else {
            return .notProven(reason: "the consistency proof does not bind the prefix root to the larger checkpoint")
        }
        guard prefix.root != small.root else {
            return .notProven(reason: "the larger checkpoint extends the smaller one: consistent, no equivocation")
        }
        return .proven
    }
}

extension EvidenceVerdict {
    /// A verdict carried as an error through `Result`.
    struct Failure: Error {
        let verdict: EvidenceVerdict
        init(_ verdict: EvidenceVerdict) { self.verdict = verdict }
    }
}
