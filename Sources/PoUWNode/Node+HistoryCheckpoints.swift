import PoUWChain
import PoUWCore
import PoUWEconomics
import PoUWProtocol

/// A node's side of the signed history checkpoint exchange (Docs/protocol.md "Message history"): what it signed,
/// what it received, and how the received ones compared with its own canonical logs.
///
/// Guarantees: a supervisor signs each (task, miner, size) at most once (an honest one never signs two roots for
/// one size); each distinct checkpoint is handled once; every received checkpoint is checked (signature, known
/// task) before it counts; a checkpoint that contradicts this node's own log is relayed once to every peer, and
/// so is the earlier statement of a proven conflict, so a supervisor that shows different nodes different roots
/// is seen by all; two received checkpoints of one supervisor for one miner's log that no single log satisfies
/// (same size, different roots; or different sizes whose prefix this node's own log shows inconsistent) become an
/// `equivocatingCheckpoint` finding through the node's evidence path (proven by its own checker before anything
/// is sent).
public final class CheckpointExchange {
    /// How a supervisor behaves; anything but `honest` is a deliberate cheat for tests and demos.
    public enum Conduct: Sendable, Hashable {
        case honest
        /// With every checkpoint, also sign and broadcast a second one for the same size whose root replaces the
        /// miner's last message.
        case equivocate
        /// Sign both, but send the honest one to the first half of the peers (by address) and the forged one to
        /// the others, so no single node receives both from the supervisor itself.
        case splitView
    }

    /// A supervisor signs and broadcasts a miner's log whenever its size reaches a multiple of this (0: never).
    public var interval: UInt64 = 8
    public var conduct = Conduct.honest
    /// Received checkpoints this node relayed because they contradicted its own log.
    public internal(set) var relayed = 0
    /// Checkpoints this node signed and broadcast.
    public internal(set) var sent = 0
    /// Received checkpoints with a valid signature for a task this node records.
    public internal(set) var received = 0
    /// Received checkpoints refused: undecodable, a bad signature, an unknown task, a signer without a supervisor
    /// seat of the task, or a miner not of the task.
    public internal(set) var refused = 0
    /// Received checkpoints whose root equals this node's own log root at that size.
    public internal(set) var agreeing = 0
    /// Received checkpoints whose root differs from this node's own log root at that size (no proof by itself).
    public internal(set) var disagreeing = 0
    /// Equivocations proven from two checkpoints of one supervisor.
    public internal(set) var equivocations = 0
    /// The last disagreement or equivocation, for logs.
    public internal(set) var lastEvent: String?

    struct Slot: Hashable {
        let task: Hash256
        let miner: NodeKey
        let size: UInt64
    }

    struct Signer: Hashable {
        let task: Hash256
        let supervisor: NodeKey
        let miner: NodeKey
    }

    /// (task, miner, size) this node already signed.
    var signed: Set<Slot> = []
    /// SHA-256 of the checkpoints handled (received, relayed or refused), so each is handled once; forgotten all
    /// at once beyond `handledLimit` (handling a checkpoint again is harmless: it is stored and compared again,
    /// and the same statement twice is no conflict), so a long-running node's memory stays bounded.
    var handled: Set<Hash256> = []
    static let handledLimit = 100_000
    /// Received checkpoints per (task, supervisor, miner), by size (the first one seen for each size).
    var known: [Signer: [UInt64: HistoryCheckpoint]] = [:]

    public init() {}
}

extension Node {
    /// After messages of `task` were recorded: a supervisor signs each miner log whose size reached a multiple of
    /// `checkpoints.interval` and broadcasts the checkpoint (`WireMessage.historyCheckpoint`).
    func shareCheckpoints(task: Hash256, recorded: [Hash256]) {
        let exchange = checkpoints
        guard has(.supervisor), exchange.interval > 0, !recorded.isEmpty, let recorder = recorders[task] else {
            return
        }
        let canonical = recorder.canonical
        var miners: Set<NodeKey> = []
        for hash in recorded { if let position = canonical.position(of: hash) { miners.insert(position.miner) } }
        let time = chain.tip.time * 1_000
        for miner in miners.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) {
            let log = canonical.log(of: miner)
            let size = UInt64(log.count)
            guard size > 0, size % exchange.interval == 0,
                exchange.signed.insert(CheckpointExchange.Slot(task: task, miner: miner, size: size)).inserted
            else { continue }
            let honest = HistoryCheckpoint(log: log, miner: miner, time: time, key: key)
            if has(.archive) { _ = try? protocolStore.put(honest) }
            guard exchange.conduct != .honest, let last = log.messages.last,
                let forgedLog = try? MessageHistory(
                    taskID: task,
                    messages: log.messages.dropLast() + [Hash256.sha256(last.bytes + Array("forged".utf8))]
                )
            else {
                broadcast(.historyCheckpoint(honest.canonicalBytes))
                exchange.sent += 1
                continue
            }
            let forged = HistoryCheckpoint(log: forgedLog, miner: miner, time: time, key: key)
            if exchange.conduct == .equivocate {
                broadcast(.historyCheckpoint(honest.canonicalBytes))
                broadcast(.historyCheckpoint(forged.canonicalBytes))
            } else {
                let peers = transport.peers.sorted()
                send(.historyCheckpoint(honest.canonicalBytes), to: Array(peers.prefix(peers.count / 2)))
                send(.historyCheckpoint(forged.canonicalBytes), to: Array(peers.dropFirst(peers.count / 2)))
            }
            exchange.sent += 2
        }
    }

    /// A checkpoint from the network: checked, compared with this node's own log of that miner, and compared
    /// with the same supervisor's earlier checkpoints of that log; a conflict is reported as EVIDENCE.
    func receiveHistoryCheckpoint(_ bytes: [UInt8]) {
        let exchange = checkpoints
        if exchange.handled.count >= CheckpointExchange.handledLimit { exchange.handled.removeAll() }
        guard exchange.handled.insert(Hash256.sha256(bytes)).inserted else { return }  // seen before: once is enough
        guard let checkpoint = try? HistoryCheckpoint(canonicalBytes: bytes) else {
            statistics.undecodable += 1
            exchange.refused += 1
            return
        }
        guard checkpoint.hasValidSignature, let recorder = recorders[checkpoint.taskID] else {
            exchange.refused += 1
            return
        }
        // Only a supervisor seated for the task speaks for its history, and only of a miner of the task: anybody
        // else's statements are not kept, compared or relayed (a filler task has no selection: any signer).
        let seated = lifecycle.selections[checkpoint.taskID].map { selection in
            Set(selection.seats(.supervisor).compactMap { selection.keys[$0] })
        }
        guard seated?.contains(checkpoint.supervisor) ?? true, recorder.rules.miners.contains(checkpoint.miner) else {
            exchange.refused += 1
            exchange.lastEvent =
                "checkpoint refused: \(checkpoint.supervisor.short) holds no supervisor seat of task "
                + "\(checkpoint.taskID.short), or \(checkpoint.miner.short) is not one of its miners"
            return
        }
        let signer = CheckpointExchange.Signer(
            task: checkpoint.taskID,
            supervisor: checkpoint.supervisor,
            miner: checkpoint.miner
        )
        var bySize = exchange.known[signer] ?? [:]
        let earlier = bySize[checkpoint.size]
        exchange.received += 1
        if has(.archive) || has(.supervisor) { _ = try? protocolStore.put(checkpoint) }
        let log = recorder.canonical.log(of: checkpoint.miner)
        switch checkpoint.matches(recorder.canonical) {
        case true?: exchange.agreeing += 1
        case false?:
            exchange.disagreeing += 1
            exchange.lastEvent =
                "supervisor \(checkpoint.supervisor.short) signed root \(checkpoint.root.short) for miner "
                + "\(checkpoint.miner.short) at size \(checkpoint.size); this node's log differs"
            // Others may hold a different statement of the supervisor for this slot: let them compare.
            if checkpoint.supervisor != nodeKey {
                broadcast(.historyCheckpoint(bytes))
                exchange.relayed += 1
            }
        case nil: break
        }
        if let earlier {
            // The same statement signed again at another time is no conflict (`EquivocationProof` refuses it).
            if earlier.root != checkpoint.root, let proof = try? EquivocationProof(earlier, checkpoint, history: nil) {
                reportEquivocation(proof)
                // Nodes that only saw this newer statement now get the other one too, and can prove it themselves.
                if checkpoint.supervisor != nodeKey {
                    broadcast(.historyCheckpoint(earlier.canonicalBytes))
                    exchange.relayed += 1
                }
            }
            return
        }
        // Different sizes: provable when this node's own log holds the larger one and not the smaller's prefix.
        for other in bySize.values {
            let (small, large) = other.size < checkpoint.size ? (other, checkpoint) : (checkpoint, other)
            guard large.size <= UInt64(log.count), (try? log.root(size: Int(large.size))) == large.root,
                (try? log.root(size: Int(small.size))) != small.root,
                let proof = try? EquivocationProof(small, large, history: log)
            else { continue }
            reportEquivocation(proof)
            break
        }
        bySize[checkpoint.size] = checkpoint
        exchange.known[signer] = bySize
    }

    private func reportEquivocation(_ proof: EquivocationProof) {
        checkpoints.equivocations += 1
        checkpoints.lastEvent =
            "supervisor \(proof.smaller.supervisor.short) signed conflicting checkpoints of miner "
            + "\(proof.smaller.miner.short)'s log (sizes \(proof.smaller.size), \(proof.larger.size))"
        report(.equivocatingCheckpoint(proof, ticket: .zero), role: .supervisor, source: "checkpoint")
    }
}
