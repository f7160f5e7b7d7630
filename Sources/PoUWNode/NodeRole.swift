/// A duty a node performs (PROTOCOL.md "Actors"). Every node is also a full node: it verifies each block by
/// replaying the iteration behind it before accepting it, so `verifier` is implied for all of them.
public enum NodeRole: String, Sendable, CaseIterable, Codable {
    case client
    case miner
    case supervisor
    case evaluator
    case verifier
    case archive
}
