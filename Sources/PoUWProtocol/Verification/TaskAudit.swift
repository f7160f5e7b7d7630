import PoUWCore

/// The result of a full audit of a task: one verdict per miner chain found in the history.
public struct TaskAuditReport: Sendable, Equatable {
    /// One miner's audit.
    public struct Entry: Sendable, Equatable {
        public let miner: NodeKey
        /// Messages of this miner in the history.
        public let messages: Int
        /// Messages replayed and found valid before the verdict was reached.
        public let verified: Int
        public let verdict: Verdict
    }

    /// Per miner, sorted by key.
    public let entries: [Entry]
    /// A message the history names that could not be fetched or decoded (then no chain is replayed).
    public let historyProblem: Verdict?

    /// `valid` if the history is readable and every chain is valid; otherwise the first `invalid` (history
    /// first, then by miner key), else the first `unavailable`.
    public var verdict: Verdict {
        let all = (historyProblem.map { [$0] } ?? []) + entries.map(\.verdict)
        if let invalid = all.first(where: { if case .invalid = $0 { true } else { false } }) { return invalid }
        return all.first { !$0.isValid } ?? .valid
    }

    /// Messages verified over all chains.
    public var verified: Int { entries.reduce(0) { $0 + $1.verified } }
}

extension IterationReplay {
    /// Audits every message of a task's history (PROTOCOL.md "Verification": a full audit replays every message
    /// from the initial model and checks the per-miner hash chains end to end): groups the recorded messages by
    /// miner, checks that each miner's messages form one chain from sequence 0 without gaps or repeats, and
    /// replays each chain with `audit(chain:)`.
    public func audit(history: MessageHistory) -> TaskAuditReport {
        var byMiner: [NodeKey: [IterationMessage]] = [:]
        var missing: [NodeKey: Verdict] = [:]
        var unreadable: Verdict?
        for hash in history.messages {
            do {
                guard let message = try artefacts.iterationMessage(for: hash) else {
                    unreadable = unreadable ?? .unavailable(.message(hash))
                    continue
                }
                byMiner[message.body.minerKey, default: []].append(message)
            } catch {
                unreadable =
                    unreadable ?? .invalid(Mismatch(field: "message", claimed: hash.hex, found: "unreadable: \(error)"))
            }
        }
        if let unreadable { return TaskAuditReport(entries: [], historyProblem: unreadable) }
        var entries: [TaskAuditReport.Entry] = []
        for miner in byMiner.keys.sorted() {
            let chain = byMiner[miner, default: []].sorted { $0.body.sequence < $1.body.sequence }
            for (expected, message) in chain.enumerated() where message.body.sequence != UInt64(expected) {
                missing[miner] =
                    missing[miner]
                    ?? .invalid(
                        Mismatch(
                            field: "message \(expected): sequence",
                            claimed: "\(message.body.sequence)",
                            found: "the history's chain for this miner has a gap or a repeat at \(expected)"
                        )
                    )
            }
            if let verdict = missing[miner] {
                entries.append(
                    TaskAuditReport.Entry(miner: miner, messages: chain.count, verified: 0, verdict: verdict)
                )
                continue
            }
            let (verified, verdict) = audit(chain: chain)
            entries.append(
                TaskAuditReport.Entry(miner: miner, messages: chain.count, verified: verified, verdict: verdict)
            )
        }
        return TaskAuditReport(entries: entries, historyProblem: nil)
    }
}
