public import PoUWChain
public import PoUWCore

/// The task facts block verification needs.
public struct MiningParameters: Sendable, Hashable {
    /// Trainable parameters of the task's model.
    public let parameterCount: UInt64
    /// Examples per batch.
    public let batchSize: UInt64

    public init(parameterCount: UInt64, batchSize: UInt64) {
        self.parameterCount = parameterCount
        self.batchSize = batchSize
    }
}

/// Looks up tasks by id (from the chain's PAY_FOR_TASK records or the filler-task rule).
public protocol TaskCatalog: Sendable {
    func miningParameters(task: Hash256) throws -> MiningParameters?
}

/// Gives the canonical message history of a task as this node holds it (a supervisor's, or one synced from one).
/// The verifier fetches whatever it lacks through its `ArtefactSource`, so a partial history is fine.
public protocol HistorySource: Sendable {
    func canonicalHistory(task: Hash256) throws -> CanonicalHistory?
}

extension ProtocolStore: HistorySource {
    /// The canonical form of the stored history, or `nil` when the store holds none for the task.
    public func canonicalHistory(task: Hash256) throws -> CanonicalHistory? {
        let history = try canonicalHistory(recordedFor: task)
        return history.count == 0 ? nil : history
    }
}

/// Verifies the useful work behind a block header (PROTOCOL.md "Verification"), as far as it can be checked
/// without re-running training: the message named by `msgHash` exists and is signed by its miner; the nonce lies
/// in its interval; the miner's message k steps back committed to the header's template; the header's
/// `historyRoot` is the canonical root of the history the message saw (`CanonicalHistory`, `HistoryVector`);
/// the id meets the target. The
/// re-run of the iteration itself is `replay`, a step run last (see `IterationReplay`).
///
/// Messages are read through `ArtefactSource.iterationMessage(for:)` and the signature checked through
/// `signatureIsValid(_:)`: give the verifier and the replay the same caching source (a `ProtocolStore`) and each
/// message is decoded, and the signature checked, once.
///
/// Guarantees: deterministic; the first failed check decides; a missing artefact gives `unavailable`, never
/// `invalid` (a message the history needs and nobody holds is `unavailable(.message)`); any other
/// `historyRoot` than the canonical one is `invalid` with both roots — arrival order never matters.
public struct BlockVerifier: Sendable {
    public let artefacts: any ArtefactSource
    public let tasks: any TaskCatalog
    public let histories: any HistorySource
    /// Re-runs the iteration behind the message (nil: not checked — only for nodes without the training engine).
    public let replay: (@Sendable (IterationMessage) -> Verdict)?

    public init(
        artefacts: any ArtefactSource,
        tasks: any TaskCatalog,
        histories: any HistorySource,
        replay: (@Sendable (IterationMessage) -> Verdict)?
    ) {
        self.artefacts = artefacts
        self.tasks = tasks
        self.histories = histories
        self.replay = replay
    }

    /// The verdict on `header` (whose id is `id`) for `target`.
    public func verify(header: BlockHeader, id: Hash256, target: UInt256) -> Verdict {
        do {
            return try verifyThrowing(header: header, id: id, target: target)
        } catch let verdict as VerdictThrow {
            return verdict.verdict
        } catch {
            return .invalid(Mismatch(field: "artefact", claimed: "readable", found: "\(error)"))
        }
    }

    private struct VerdictThrow: Error { let verdict: Verdict }

    private func fail(_ field: String, _ claimed: String, _ found: String) -> VerdictThrow {
        VerdictThrow(verdict: .invalid(Mismatch(field: field, claimed: claimed, found: found)))
    }

    private func message(_ hash: Hash256) throws -> IterationMessage {
        do {
            guard let message = try artefacts.iterationMessage(for: hash) else {
                throw VerdictThrow(verdict: .unavailable(.message(hash)))
            }
            return message
        } catch let undecodable as UndecodableArtefact {
            throw fail("message", hash.hex, "undecodable: \(undecodable)")
        }
    }

    private func verifyThrowing(header: BlockHeader, id: Hash256, target: UInt256) throws -> Verdict {
        if UInt256(id) > target { throw fail("blockID", id.hex, "above target \(target.hex)") }
        let producing = try message(header.msgHash)
        let body = producing.body
        guard artefacts.signatureIsValid(producing) else {
            throw fail("signature", body.minerKey.hex, "does not verify")
        }
        guard let mining = try tasks.miningParameters(task: body.taskID) else {
            throw VerdictThrow(verdict: .unavailable(.task(body.taskID)))
        }
        let interval = NonceInterval(message: body, parameters: mining.parameterCount, batchSize: mining.batchSize)
        guard interval.contains(header.nonce) else {
            throw fail("nonce", header.nonce.hex, "outside \(interval.size) nonce(s) from \(interval.base.hex)")
        }
        // The miner's chain back to the committing message.
        let k = MiningRules.commitmentDistance
        guard body.sequence >= k else {
            throw fail("zeroNonceCommitment", "sequence \(body.sequence)", "no message \(k) steps back")
        }
        var chain = [producing]
        while UInt64(chain.count) <= k { chain.insert(try message(chain[0].body.previousMessage), at: 0) }
        do {
            try MiningRules.checkCommitment(BlockTemplate(header: header).commitment, chain: chain)
        } catch {
            throw fail("zeroNonceCommitment", chain[0].body.zeroNonceCommitment.hex, "\(error)")
        }
        try checkHistory(root: header.historyRoot, task: body.taskID, message: producing)
        return replay?(producing) ?? .valid
    }

    /// The header's `historyRoot` must be the canonical root of the history the message saw
    /// (`CanonicalHistory.root(of:)`). Messages the node's history lacks (the message itself, earlier messages of
    /// its chain, applied peer messages and theirs) are fetched through `artefacts`; a missing one is
    /// `unavailable(.message)`. When the message's dependencies conflict with the node's history (another message
    /// of some miner at the same sequence, as when a miner equivocates), the root is computed from the message's
    /// dependencies alone, so the verdict never depends on what else this node happened to see. No scan over
    /// prefixes: O(messages fetched + miners).
    private func checkHistory(root: Hash256, task: Hash256, message: IterationMessage) throws {
        var history = try histories.canonicalHistory(task: task) ?? CanonicalHistory(taskID: task)
        if !history.contains(message.hash) {
            do {
                try complete(&history, with: message)
            } catch is HistoryConflict {
                history = CanonicalHistory(taskID: task)
                do { try complete(&history, with: message) } catch let conflict as HistoryConflict {
                    throw fail("historyRoot", "a history containing \(message.hash.hex)", conflict.reason)
                }
            }
        }
        guard let computed = history.root(of: message.hash) else {
            throw VerdictThrow(verdict: .unavailable(.history(task)))
        }
        guard computed == root else {
            let sizes = history.vector(of: message.hash)?.entries.map { "\($0.miner.short):\($0.size)" } ?? []
            throw fail(
                "historyRoot",
                root.hex,
                "\(computed.hex) (the history message \(message.hash.short) saw: \(sizes.joined(separator: ", ")))"
            )
        }
    }

    private struct HistoryConflict: Error { let reason: String }

    /// Adds `message` and everything it depends on that `history` lacks, fetched from `artefacts`; throws
    /// `HistoryConflict` if they cannot join `history`.
    private func complete(_ history: inout CanonicalHistory, with message: IterationMessage) throws {
        var fetched: [IterationMessage] = []
        var seen: Set<Hash256> = [message.hash]
        var work = [message]
        while let next = work.popLast() {
            fetched.append(next)
            var needs = next.body.appliedPeerMessages
            if next.body.sequence > 0 { needs.append(next.body.previousMessage) }
            for hash in needs where !history.contains(hash) && seen.insert(hash).inserted {
                work.append(try self.message(hash))
            }
        }
        // Oldest first keeps the waiting list short; `add` orders the rest.
        for dependency in fetched.reversed() {
            do { try history.add(dependency) } catch { throw HistoryConflict(reason: "\(error)") }
        }
        guard history.contains(message.hash) else {
            throw HistoryConflict(reason: "the messages it depends on do not form one history")
        }
    }
}

/// The chain's proof-of-work hook backed by `BlockVerifier`: `valid` passes; `invalid` and `unavailable` are
/// rejected with the verdict as the reason (`"invalid: …"` or `"unavailable: …"`), so a caller can tell them
/// apart and retry an unavailable block once its artefacts arrive.
public struct PoUWWorkValidator: WorkValidator {
    public let verifier: BlockVerifier

    public init(verifier: BlockVerifier) { self.verifier = verifier }

    public func validateWork(header: BlockHeader, id: Hash256, target: UInt256) throws(ValidationError) {
        let verdict = verifier.verify(header: header, id: id, target: target)
        guard verdict.isValid else { throw .workRejected(reason: verdict.description) }
    }
}
