import Synchronization

/// An in-process network with a virtual clock: nodes attach, send datagrams, and the driver advances time, which
/// delivers due messages into the receivers' inboxes.
///
/// Guarantees: fully deterministic for a given seed, conditions and sequence of calls (events are ordered by
/// delivery time, then by send order; every random draw comes from one `SeededGenerator` in send order). Time only
/// moves when the driver calls `advance`/`deliverNext`; nothing happens in the background. Thread-safe: all state
/// sits behind one mutex, so nodes may run on any tasks, but reproducibility needs the driver to order calls.
public final class SimulatedNetwork: Sendable {
    /// Counters of what the network did with the messages it was given.
    public struct Statistics: Sendable, Hashable {
        public var sent = 0
        public var lost = 0
        public var delivered = 0
        public var heldBack = 0
    }

    /// Largest payload accepted (the same cap a TCP framing would impose).
    public static let maxPayload = 64 << 20

    private struct Pending {
        var time: UInt64
        var order: UInt64
        var envelope: Envelope
    }

    private struct State {
        var now: UInt64 = 0
        var nextOrder: UInt64 = 0
        var random: SeededGenerator
        var defaultConditions: LinkConditions
        var links: [NodeAddress: [NodeAddress: LinkConditions]] = [:]
        var partitioned: Set<NodeAddress> = []
        var inboxes: [NodeAddress: [Envelope]] = [:]
        var inboxHeads: [NodeAddress: Int] = [:]
        var pending: [Pending] = []
        var statistics = Statistics()
    }

    private let state: Mutex<State>

    public init(seed: UInt64, conditions: LinkConditions = .perfect) {
        state = Mutex(State(random: SeededGenerator(seed: seed), defaultConditions: conditions))
    }

    /// Attaches a node and returns its transport.
    public func attach(_ address: NodeAddress) throws(TransportError) -> SimulatedTransport {
        let added = state.withLock { state in
            if state.inboxes[address] != nil { return false }
            state.inboxes[address] = []
            state.inboxHeads[address] = 0
            return true
        }
        guard added else { throw .addressInUse(address) }
        return SimulatedTransport(network: self, address: address)
    }

    /// Overrides the conditions of the one-way link `from → to`.
    public func setConditions(_ conditions: LinkConditions, from: NodeAddress, to: NodeAddress) {
        state.withLock { $0.links[from, default: [:]][to] = conditions }
    }

    /// Cuts a node off (every message to or from it is lost) or reconnects it.
    public func setPartitioned(_ address: NodeAddress, _ cut: Bool) {
        state.withLock { state in
            if cut { state.partitioned.insert(address) } else { state.partitioned.remove(address) }
        }
    }

    /// The virtual time, microseconds since the network was created.
    public var now: UInt64 { state.withLock { $0.now } }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Messages sent but not yet delivered or lost.
    public var inFlight: Int { state.withLock { $0.pending.count } }

    /// Attached addresses, sorted.
    public var addresses: [NodeAddress] { state.withLock { $0.inboxes.keys.sorted() } }

    /// Moves the clock to `time` (never backwards), delivering every message due by then; returns how many.
    @discardableResult
    public func advance(to time: UInt64) -> Int {
        state.withLock { state in
            var count = 0
            while let first = state.pending.first, first.time <= time {
                state.pending.removeFirst()
                state.inboxes[first.envelope.to, default: []].append(first.envelope)
                state.statistics.delivered += 1
                count += 1
            }
            state.now = max(state.now, time)
            return count
        }
    }

    /// Moves the clock by `microseconds`.
    @discardableResult
    public func advance(by microseconds: UInt64) -> Int { advance(to: now &+ microseconds) }

    /// Jumps to the next delivery time and delivers what is due then; `nil` if nothing is in flight.
    @discardableResult
    public func deliverNext() -> UInt64? {
        guard let time = state.withLock({ $0.pending.first?.time }) else { return nil }
        advance(to: time)
        return time
    }

    fileprivate func send(_ payload: [UInt8], from: NodeAddress, to: NodeAddress) throws(TransportError) {
        if payload.count > Self.maxPayload { throw .payloadTooLarge(size: payload.count, limit: Self.maxPayload) }
        let known = state.withLock { state -> Bool in
            guard state.inboxes[to] != nil else { return false }
            state.statistics.sent += 1
            let conditions = state.links[from]?[to] ?? state.defaultConditions
            // Always draw the same number of values per send, so one message's fate never shifts another's.
            let lost = state.random.chance(perMillion: conditions.lossPerMillion)
            let jitter = state.random.upTo(conditions.jitter)
            let held = state.random.chance(perMillion: conditions.reorderPerMillion)
            if lost || state.partitioned.contains(from) || state.partitioned.contains(to) {
                state.statistics.lost += 1
                return true
            }
            var delay = conditions.latency &+ jitter
            if held {
                delay &+= conditions.reorderDelay
                state.statistics.heldBack += 1
            }
            let time = state.now &+ delay
            let item = Pending(
                time: time,
                order: state.nextOrder,
                envelope: Envelope(from: from, to: to, payload: payload, deliveredAt: time)
            )
            state.nextOrder += 1
            // Insert after every event due no later (stable by send order).
            var low = 0
            var high = state.pending.count
            while low < high {
                let mid = (low + high) / 2
                if state.pending[mid].time <= time { low = mid + 1 } else { high = mid }
            }
            state.pending.insert(item, at: low)
            return true
        }
        guard known else { throw .unknownPeer(to) }
    }

    fileprivate func receive(_ address: NodeAddress) -> Envelope? {
        state.withLock { state in
            guard let head = state.inboxHeads[address], let inbox = state.inboxes[address], head < inbox.count
            else { return nil }
            let envelope = inbox[head]
            if head + 1 == inbox.count {
                state.inboxes[address] = []
                state.inboxHeads[address] = 0
            } else {
                state.inboxHeads[address] = head + 1
            }
            return envelope
        }
    }
}

/// One node's end of a `SimulatedNetwork`.
///
/// Guarantees: those of `Transport`; deliveries happen only when the network's driver advances the clock.
public final class SimulatedTransport: Transport {
    public let address: NodeAddress
    private let network: SimulatedNetwork

    fileprivate init(network: SimulatedNetwork, address: NodeAddress) {
        self.network = network
        self.address = address
    }

    public var peers: [NodeAddress] { network.addresses.filter { $0 != address } }

    public func send(_ payload: [UInt8], to destination: NodeAddress) throws(TransportError) {
        try network.send(payload, from: address, to: destination)
    }

    public func receive() -> Envelope? { network.receive(address) }

    /// The network's virtual time (what a node uses as "now" in simulation).
    public var now: UInt64 { network.now }
}
