/// The name of a node on a transport (for the in-process network a label; for TCP later, a peer id).
///
/// Guarantees: ordering is by the name's UTF-8 bytes, so sorted peer lists are the same on every platform.
public struct NodeAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }

    public static func < (lhs: NodeAddress, rhs: NodeAddress) -> Bool {
        lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
    }
}

/// One delivered message: who sent it, to whom, and the bytes (a canonical record; transports never interpret
/// payloads).
public struct Envelope: Sendable, Hashable {
    public let from: NodeAddress
    public let to: NodeAddress
    public let payload: [UInt8]
    /// When the transport delivered it, in microseconds of the transport's clock.
    public let deliveredAt: UInt64

    public init(from: NodeAddress, to: NodeAddress, payload: [UInt8], deliveredAt: UInt64) {
        self.from = from
        self.to = to
        self.payload = payload
        self.deliveredAt = deliveredAt
    }
}

/// A node's unreliable, unordered datagram link to its peers.
///
/// Guarantees every implementation gives: `send` never blocks and never reports loss (messages may be lost,
/// delayed, reordered — protocol code must tolerate it); a delivered payload is byte-identical to the one sent;
/// `receive` returns delivered messages in delivery order and `nil` when none is waiting, without blocking. The
/// in-process `SimulatedNetwork` implements it for tests and the demo; a TCP implementation can replace it
/// without touching protocol code, because nodes see only this interface.
public protocol Transport: AnyObject, Sendable {
    /// This node's address.
    var address: NodeAddress { get }
    /// Every other node this transport can reach, sorted.
    var peers: [NodeAddress] { get }
    /// Queues `payload` for `destination`; throws only if the destination is unknown or the payload too large.
    func send(_ payload: [UInt8], to destination: NodeAddress) throws(TransportError)
    /// The next delivered message, or `nil`.
    func receive() -> Envelope?
}

extension Transport {
    /// Sends `payload` to every peer, in address order.
    public func broadcast(_ payload: [UInt8]) throws(TransportError) {
        for peer in peers { try send(payload, to: peer) }
    }
}

/// Why a transport refused a message.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No node with that address is attached.
    case unknownPeer(NodeAddress)
    /// The payload exceeds the transport's limit.
    case payloadTooLarge(size: Int, limit: Int)
    /// A node with that address is already attached.
    case addressInUse(NodeAddress)

    public var description: String {
        switch self {
        case .unknownPeer(let address): "unknown peer \(address)"
        case .payloadTooLarge(let size, let limit): "payload of \(size) bytes exceeds the limit of \(limit)"
        case .addressInUse(let address): "address \(address) is already attached"
        }
    }
}
