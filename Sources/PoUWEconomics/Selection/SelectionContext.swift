public import PoUWCore

/// What a selection draws for: the block whose hash seeds it, the task, and the role. Its `alpha` is the VRF
/// input every ticket of the role evaluates:
///
///     alpha = "PoUW/select/v1" ‖ selectionHash (32 B) ‖ taskId (32 B) ‖ role (1 B)
public struct SelectionContext: Sendable, Hashable {
    public static let domain = Array("PoUW/select/v1".utf8)

    public let selectionHash: Hash256
    public let taskId: Hash256
    public let role: Role

    public init(selectionHash: Hash256, taskId: Hash256, role: Role) {
        self.selectionHash = selectionHash
        self.taskId = taskId
        self.role = role
    }

    /// Verifiers for a block of task `taskId` are drawn from that block's hash: selection hash = the block's id,
    /// role verifier. The block id exists only once the block is mined, so nobody can grind the draw in advance.
    public static func blockVerifiers(blockHash: Hash256, taskId: Hash256) -> SelectionContext {
        SelectionContext(selectionHash: blockHash, taskId: taskId, role: .verifier)
    }

    public var alpha: [UInt8] {
        var writer = ByteWriter(capacity: 96)
        writer.raw(SelectionContext.domain)
        writer.hash(selectionHash)
        writer.hash(taskId)
        writer.u8(role.rawValue)
        return writer.bytes
    }
}
