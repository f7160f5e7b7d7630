public import PoUWCore

/// The last accepted message of one miner in one task: what its next message must link to.
///
/// Guarantees: `checkLink` accepts a message exactly when it is the miner's next one — same task and key,
/// `sequence = tip + 1`, `previousMessage` = the tip's hash, `stateHashBefore` = the tip's `stateHashAfter`, epoch
/// and time not going back — and names the first rule broken otherwise. Without a tip, only sequence 0 links.
public struct MinerChainTip: Sendable, Hashable {
    public let taskID: Hash256
    public let miner: NodeKey
    public let sequence: UInt64
    public let hash: Hash256
    public let stateHashAfter: Hash256
    public let epoch: UInt32
    public let finishTime: UInt64

    /// The tip after accepting `message`.
    public init(_ message: IterationMessage) {
        self.init(message.body, hash: message.hash)
    }

    /// The tip after accepting a message with this content and hash.
    public init(_ body: UnsignedIterationMessage, hash: Hash256) {
        taskID = body.taskID
        miner = body.minerKey
        sequence = body.sequence
        self.hash = hash
        stateHashAfter = body.stateHashAfter
        epoch = body.epoch
        finishTime = body.finishTime
    }

    /// Checks that `next` (whose hash is `nextHash`) is the message that follows `tip` (or the first message when
    /// `tip` is `nil`).
    public static func checkLink(
        tip: MinerChainTip?,
        next: UnsignedIterationMessage,
        nextHash: Hash256
    ) throws(ChainLinkError) {
        guard let tip else {
            if next.sequence != 0 { throw .gap(expected: 0, got: next.sequence) }
            return
        }
        if next.taskID != tip.taskID { throw .wrongTask(expected: tip.taskID, got: next.taskID) }
        if next.minerKey != tip.miner { throw .wrongMiner }
        if nextHash == tip.hash { throw .duplicate(nextHash) }
        if next.sequence <= tip.sequence { throw .stale(sequence: next.sequence, tip: tip.sequence) }
        if next.sequence != tip.sequence + 1 { throw .gap(expected: tip.sequence + 1, got: next.sequence) }
        if next.previousMessage != tip.hash { throw .previousMismatch(expected: tip.hash, got: next.previousMessage) }
        if next.stateHashBefore != tip.stateHashAfter {
            throw .stateDoesNotFollow(expected: tip.stateHashAfter, got: next.stateHashBefore)
        }
        if next.epoch < tip.epoch { throw .epochWentBack(tip: tip.epoch, got: next.epoch) }
        if next.startTime < tip.finishTime { throw .timeWentBack(tipFinish: tip.finishTime, start: next.startTime) }
    }
}

/// Why a message does not continue its miner's chain.
public enum ChainLinkError: Error, Sendable, Equatable, CustomStringConvertible {
    case wrongTask(expected: Hash256, got: Hash256)
    case wrongMiner
    /// The very message already accepted (a harmless re-delivery).
    case duplicate(Hash256)
    /// A message for a sequence already taken: a replay of an old message or an equivocation.
    case stale(sequence: UInt64, tip: UInt64)
    /// A later message whose predecessors have not been accepted yet (it may become acceptable).
    case gap(expected: UInt64, got: UInt64)
    /// The message does not name the tip as its predecessor.
    case previousMismatch(expected: Hash256, got: Hash256)
    /// The state before is not the state the tip ended with.
    case stateDoesNotFollow(expected: Hash256, got: Hash256)
    case epochWentBack(tip: UInt32, got: UInt32)
    case timeWentBack(tipFinish: UInt64, start: UInt64)

    public var description: String {
        switch self {
        case .wrongTask(let expected, let got): "message for task \(got.short), expected \(expected.short)"
        case .wrongMiner: "message is from another miner"
        case .duplicate(let hash): "message \(hash.short) already accepted"
        case .stale(let sequence, let tip): "replayed or conflicting message: sequence \(sequence) ≤ tip \(tip)"
        case .gap(let expected, let got): "sequence \(got) arrives before \(expected)"
        case .previousMismatch(let expected, let got):
            "previous message \(got.short) is not the miner's last message \(expected.short)"
        case .stateDoesNotFollow(let expected, let got):
            "state before \(got.short) does not follow the previous state after \(expected.short)"
        case .epochWentBack(let tip, let got): "epoch \(got) is before the previous epoch \(tip)"
        case .timeWentBack(let tipFinish, let start): "start time \(start) is before the previous finish \(tipFinish)"
        }
    }
}
