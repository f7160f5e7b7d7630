public import PoUWCore

/// A task's message history in its canonical form: one append-only RFC 6962 log per miner, of that miner's
/// message hashes in `sequence` order (its hash chain), plus, for every message, the history it saw.
///
/// The history a message M of miner m "saw" (`HistoryVector`) is: m's log up to and including M (size
/// `M.sequence + 1`), and for every peer p whose messages M's chain applied (in M or in any of m's earlier
/// messages), p's log up to the highest applied message of p (size = its sequence + 1). Peers the chain never
/// applied are absent. It is a function of M and the messages it references transitively — never of arrival
/// order — so every node holding those messages computes the same `root(of:)`, which is the block header's
/// `historyRoot` (see `HistoryVector` for the exact bytes).
///
/// Guarantees: a message is added only when its predecessor (for `sequence > 0`) and every applied peer message
/// are already in the history, so each log is a contiguous prefix of its miner's chain; messages offered early
/// wait (`pendingCount`, bounded by `maxPending`) and are added as soon as what they wait for arrives; a message
/// for a sequence already taken, one that does not name its miner's last message as previous, one that applies
/// its own miner's message, or one of another task is refused with a named `CanonicalHistoryError`. Adding a
/// message costs O(log n + applied peers); `root(of:)` costs O(miners) (each log keeps the root of every prefix).
public struct CanonicalHistory: Sendable {
    public let taskID: Hash256
    /// Each miner's log: its message hashes in sequence order.
    public private(set) var logs: [NodeKey: MessageHistory] = [:]
    /// Where each added message sits: its miner and sequence.
    private var located: [Hash256: Position] = [:]
    /// For each added message, the sizes of the peer logs its chain had applied up to and including it.
    private var seenPeers: [Hash256: [NodeKey: UInt64]] = [:]
    /// Messages waiting for a predecessor or an applied peer message, by hash.
    private var pending: [Hash256: IterationMessage] = [:]
    /// Hashes in `pending`, oldest first (the oldest is dropped beyond `maxPending`).
    private var pendingOrder: [Hash256] = []

    /// Most messages kept waiting; beyond it the oldest waiting message is dropped (it can be offered again).
    public static let maxPending = 4096

    /// A message's place in the canonical history.
    public struct Position: Sendable, Hashable {
        public let miner: NodeKey
        public let sequence: UInt64
    }

    public init(taskID: Hash256) { self.taskID = taskID }

    /// Number of messages added (waiting ones excluded).
    public var count: Int { located.count }

    /// Messages waiting for a predecessor or a peer message.
    public var pendingCount: Int { pending.count }

    /// True if the message has been added.
    public func contains(_ messageHash: Hash256) -> Bool { located[messageHash] != nil }

    /// The miner and sequence of an added message.
    public func position(of messageHash: Hash256) -> Position? { located[messageHash] }

    /// The log of one miner (empty if it has no message yet).
    public func log(of miner: NodeKey) -> MessageHistory { logs[miner] ?? MessageHistory(taskID: taskID) }

    /// The miners with at least one message, sorted by key bytes.
    public var miners: [NodeKey] { logs.keys.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) } }

    /// Adds `message` if what it depends on is present, otherwise keeps it waiting; then adds every waiting
    /// message that became addable. Returns the hashes added, in order. A duplicate of an added message is
    /// ignored (returns `[]`); a message that can never be added throws.
    @discardableResult
    public mutating func add(_ message: IterationMessage) throws(CanonicalHistoryError) -> [Hash256] {
        let hash = message.hash
        if located[hash] != nil { return [] }
        do {
            try append(message, hash: hash)
        } catch let error where error.isDeferrable {
            if pending[hash] == nil {
                if pendingOrder.count >= Self.maxPending {
                    pending[pendingOrder.removeFirst()] = nil
                }
                pending[hash] = message
                pendingOrder.append(hash)
            }
            return []
        }
        var added = [hash]
        var progress = true
        while progress, !pendingOrder.isEmpty {
            progress = false
            for waiting in pendingOrder {
                guard let candidate = pending[waiting] else { continue }
                do {
                    try append(candidate, hash: waiting)
                    added.append(waiting)
                    progress = true
                    pending[waiting] = nil
                } catch let error where error.isDeferrable {
                    continue
                } catch {
                    pending[waiting] = nil
                }
            }
            pendingOrder.removeAll { pending[$0] == nil }
        }
        return added
    }

    private mutating func append(_ message: IterationMessage, hash: Hash256) throws(CanonicalHistoryError) {
        let body = message.body
        guard body.taskID == taskID else { throw .wrongTask(hash, task: body.taskID) }
        let miner = body.minerKey
        let log = logs[miner]
        let size = UInt64(log?.count ?? 0)
        if body.sequence < size { throw .sequenceTaken(hash, sequence: body.sequence) }
        if body.sequence > size { throw .missingPredecessor(hash, sequence: body.sequence, have: size) }
        var seen: [NodeKey: UInt64] = [:]
        if body.sequence > 0, let last = log?.messages.last {
            guard body.previousMessage == last else { throw .previousMismatch(hash, expected: last) }
            seen = seenPeers[last] ?? [:]
        }
        for peer in body.appliedPeerMessages {
            guard let position = located[peer] else { throw .missingPeer(hash, peer: peer) }
            guard position.miner != miner else { throw .ownMessageApplied(hash, peer: peer) }
            seen[position.miner] = max(seen[position.miner] ?? 0, position.sequence + 1)
        }
        var extended = log ?? MessageHistory(taskID: taskID)
        do { try extended.append(hash) } catch { throw .sequenceTaken(hash, sequence: body.sequence) }
        logs[miner] = extended
        located[hash] = Position(miner: miner, sequence: body.sequence)
        seenPeers[hash] = seen
    }

    /// The history message `messageHash` saw, or `nil` if the message is not added.
    public func vector(of messageHash: Hash256) -> HistoryVector? {
        guard let position = located[messageHash], let own = logs[position.miner] else { return nil }
        var entries: [HistoryVector.Entry] = []
        let ownSize = Int(position.sequence) + 1
        guard let ownRoot = try? own.root(size: ownSize) else { return nil }
        entries.append(HistoryVector.Entry(miner: position.miner, size: UInt64(ownSize), root: ownRoot))
        for (peer, size) in seenPeers[messageHash] ?? [:] {
            // Every applied peer message was in its log when this message was added, and logs only grow.
            guard let log = logs[peer], let root = try? log.root(size: Int(size)) else { return nil }
            entries.append(HistoryVector.Entry(miner: peer, size: size, root: root))
        }
        return HistoryVector(entries: entries)
    }

    /// The canonical history root of the message (the `historyRoot` a block mined from it carries), or `nil` if
    /// the message is not added.
    public func root(of messageHash: Hash256) -> Hash256? { vector(of: messageHash)?.root }
}

/// Why a message cannot be added to a `CanonicalHistory`. `isDeferrable` marks the cases that more messages can
/// resolve (the message waits); every other case is final.
public enum CanonicalHistoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case wrongTask(Hash256, task: Hash256)
    /// Earlier messages of the miner are missing (`have` of them are present).
    case missingPredecessor(Hash256, sequence: UInt64, have: UInt64)
    /// An applied peer message is missing.
    case missingPeer(Hash256, peer: Hash256)
    /// Another message of the miner already holds this sequence.
    case sequenceTaken(Hash256, sequence: UInt64)
    /// The message does not name its miner's previous message.
    case previousMismatch(Hash256, expected: Hash256)
    /// The message lists one of its own miner's messages as an applied peer message.
    case ownMessageApplied(Hash256, peer: Hash256)

    /// True when more messages may let the message in.
    public var isDeferrable: Bool {
        switch self {
        case .missingPredecessor, .missingPeer: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .wrongTask(let hash, let task): "message \(hash.short) is for task \(task.short)"
        case .missingPredecessor(let hash, let sequence, let have):
            "message \(hash.short) has sequence \(sequence) but only \(have) earlier message(s) of its miner are known"
        case .missingPeer(let hash, let peer): "message \(hash.short) applies unknown peer message \(peer.short)"
        case .sequenceTaken(let hash, let sequence):
            "message \(hash.short) claims sequence \(sequence), already held by another message of its miner"
        case .previousMismatch(let hash, let expected):
            "message \(hash.short) does not name its miner's previous message \(expected.short)"
        case .ownMessageApplied(let hash, let peer): "message \(hash.short) applies its own miner's \(peer.short)"
        }
    }
}
