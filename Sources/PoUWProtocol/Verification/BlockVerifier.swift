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

/// Gives the message history of a task as this node holds it (a supervisor's, or one synced from one).
public protocol HistorySource: Sendable {
    func history(task: Hash256) throws -> MessageHistory?
}

extension ProtocolStore: HistorySource {
    /// The stored history, or `nil` when the store holds none for the task.
    public func history(task: Hash256) throws -> MessageHistory? {
        let history = try recordedHistory(task: task)
        return history.count == 0 ? nil : history
    }
}

/// Verifies the useful work behind a block header (PROTOCOL.md "Verification"), as far as it can be checked
/// without re-running training: the message named by `msgHash` exists and is signed by its miner; the nonce lies
/// in its interval; the miner's message k steps back committed to the header's template; the header's
/// `historyRoot` is a root of the task's history that contains the message; the id meets the target. The
/// re-run of the iteration itself is `replay`, a step run last (see `IterationReplay`).
///
/// Messages are read through `ArtefactSource.iterationMessage(for:)` and the signature checked through
/// `signatureIsValid(_:)`: give the verifier and the replay the same caching source (a `ProtocolStore`) and each
/// message is decoded, and the signature checked, once.
///
/// Guarantees: deterministic; the first failed check decides; a missing artefact gives `unavailable`, never
/// `invalid`; a history this node holds that has no prefix with the header's root gives `unavailable` too (a
/// different supervisor's ordering may have that root), while a matching prefix that lacks the message is
/// `invalid`.
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
        try checkHistory(root: header.historyRoot, task: body.taskID, message: header.msgHash)
        return replay?(producing) ?? .valid
    }

    private func checkHistory(root: Hash256, task: Hash256, message: Hash256) throws {
        guard let history = try histories.history(task: task) else {
            throw VerdictThrow(verdict: .unavailable(.history(task)))
        }
        // The first size whose root is the header's (the history keeps the root of every prefix).
        let matched = history.size(ofRoot: root)
        guard let size = matched else { throw VerdictThrow(verdict: .unavailable(.history(task))) }
        guard let index = history.index(of: message), index < size else {
            throw fail("historyRoot", root.hex, "the history of \(size) messages with that root lacks \(message.hex)")
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
