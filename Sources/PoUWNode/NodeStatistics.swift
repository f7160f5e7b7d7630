/// What a node has done so far: messages recorded or refused, blocks verified by replay and their verdicts.
public struct NodeStatistics: Sendable, Hashable, Codable {
    /// Iteration messages accepted into this node's copy of the task history.
    public var messagesRecorded = 0
    /// Iteration messages refused on arrival (a supervisor's checks).
    public var messagesRejected = 0
    /// Blocks whose work replayed as valid and that the chain accepted.
    public var blocksAccepted = 0
    /// Blocks rejected with an `invalid` verdict (or another chain rule).
    public var blocksInvalid = 0
    /// Blocks given up as `unavailable`: an artefact their verification needs was still missing after the node
    /// fetched for `FetchPolicy.maxBlockTicks` ticks (blocks waiting now: `Node.pendingBlockCount`).
    public var blocksUnavailable = 0
    /// Total time spent in block verification (chain processing including the replay), seconds.
    public var verifySeconds = 0.0
    /// Earlier iterations replayed by random audits after accepted blocks (`AuditSelection`), and their verdicts.
    public var auditsRun = 0
    public var auditsValid = 0
    public var auditsInvalid = 0
    public var auditsUnavailable = 0
    /// Cheats this node's `ReplayEvidenceChecker` proved (from a rejected block, an audit or a double signature).
    public var evidenceProven = 0
    /// Invalid replays that were not provable against anyone (e.g. a bad nonce on an honest message).
    public var evidenceNotProven = 0
    /// Proven cheats for which no seated, staked ticket of the offender was known when found (kept pending).
    public var evidenceWithoutTicket = 0
    /// EVIDENCE transactions built and broadcast.
    public var evidenceSent = 0
    /// The last evidence event (what was proven, or why an invalid replay proved nothing), for logs.
    public var lastEvidence: String?
    /// Wire messages that did not decode, or whose content (iteration message, block, transaction, history
    /// checkpoint, attestation, task manifest, end-of-training announcement) did not: each counted once here, and
    /// also where its kind is counted (`messagesRejected` for wire and iteration messages and end-of-training
    /// announcements, `blocksInvalid`, the checkpoint exchange's `refused`). A copy of a history checkpoint already handled is not handled (nor counted) again.
    public var undecodable = 0
    /// Decoded transactions refused before the pool: a coinbase, a broken stateless rule (size, field, signature),
    /// or a full pool (`Node.mempoolLimit`); the reason is in `lastRejection`.
    public var transactionsRefused = 0
    /// Selection proofs refused: a ticket not on chain, a key that does not own the ticket, a VRF proof that does
    /// not verify (`Node+SelectionProofs.swift`); the reason is in `lastRejection`.
    public var proofsRefused = 0
    /// Task manifests refused because this node already keeps `Node.unregisteredOffersLimit` offers whose task is
    /// not registered on its chain (such a manifest is accepted when heard again after the registration).
    public var offersRefused = 0
    /// Block attestations refused: undecodable, not validly signed, not signed by the ticket's owner, or beyond a
    /// bound (`Node.attestationsPerTaskLimit`, `Node.unregisteredAttestationsLimit`); the reason is in
    /// `lastRejection`. Copies of one already kept are not counted.
    public var attestationsRefused = 0
    /// The last rejection reason, if any.
    public var lastRejection: String?
    /// Why the last refused wire or iteration message (one counted in `messagesRejected`) was refused.
    public var lastMessageRejection: String?

    public init() {}
}
