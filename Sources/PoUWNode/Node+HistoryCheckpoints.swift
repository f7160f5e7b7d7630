import PoUWChain
import PoUWCore
import PoUWEconomics
import PoUWProtocol

/// A node's side of the signed history checkpoint exchange (Docs/protocol.md "Message history"): what it signed,
/// what it received, and how the received ones compared with its own canonical logs.
///
/// Guarantees: a supervisor signs each (task, miner, size) at most once (an honest one never signs two roots for
/// one size); every received checkpoint is checked (signature, known task) before it counts; two received
/// checkpoints of one supervisor for one miner's log that no single log satisfies (same size, different roots; or
/// different sizes whose prefix this node's own log shows inconsistent) become an `equivocatingCheckpoint`
/// finding through the node's evidence path (proven by its own checker before anything is sent).
public final class CheckpointExchange {
    /// A supervisor signs and broadcasts a miner's log whenever its size reaches a multiple of this (0: never).
    public var interval: UInt64 = 8
    /// A deliberate cheat for tests and demos: with every checkpoint, also sign and send a second one for the
    /// same size whose root leaves out the miner's last message (an equivocating supervisor).
    public var equivocate = false
    /// Checkpoints this node signed and broadcast.
    public internal(set) var sent = 0
    /// Received checkpoints with a valid signature for a task this node records.
    public internal(set) var received = 0
    /// Received checkpoints refused: undecodable, a bad signature, or an unknown task.
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
            var statements = [HistoryCheckpoint(log: log, miner: miner, time: time, key: key)]
            if exchange.equivocate, let last = log.messages.last,
                let forged = try? MessageHistory(
                    taskID: task,
                    messages: log.messages.dropLast() + [Hash256.sha256(last.bytes + Array("forged".utf8))]
                )
            {
                statements.append(HistoryCheckpoint(log: forged, miner: miner, time: time, key: key))
            }
            for checkpoint in statements {
                if has(.archive) { _ = try? protocolStore.put(checkpoint) }
                broadcast(.historyCheckpoint(checkpoint.canonicalBytes))
                exchange.sent += 1
            }
        }
    }

    /// A checkpoint from the network: checked, compared with this node's own log of that miner, and compared
    /// with the same supervisor's earlier checkpoints of that log; a conflict is reported as EVIDENCE.
    func receiveHistoryCheckpoint(_ bytes: [UInt8]) {
        let exchange = checkpoints
        guard let checkpoint = try? HistoryCheckpoint(canonicalBytes: bytes), checkpoint.hasValidSignature,
            let recorder = recorders[checkpoint.taskID]
        else {
            exchange.refused += 1
            return
        }
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
        case nil: break
        }
        let signer = CheckpointExchange.Signer(
            task: checkpoint.taskID,
            supervisor: checkpoint.supervisor,
            miner: checkpoint.miner
        )
        var bySize = exchange.known[signer] ?? [:]
        if let earlier = bySize[checkpoint.size] {
            if earlier.root != checkpoint.root, let proof = try? EquivocationProof(earlier, checkpoint, history: nil) {
                reportEquivocation(proof)
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
