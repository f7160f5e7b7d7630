public import PoUWCore

/// The economics rules' own entries in the ledger's state table (so they are covered by the state hash, undone
/// on reorgs and re-derived by a replay). Keys and values:
///
/// - `u‖ticketId` → task id (32 B): the ticket took a seat in that task (it can never be used again).
/// - `y‖ticketId` → one byte, `TicketStakeFate`: the ticket's stake left the locked balance (released or slashed).
/// - `x‖height u64 big-endian` → ticket ids (32 B each, purchase order) whose expiry height is `height`.
/// - `s‖taskId` → the seat tickets a settled task's TASK_RESULT named (32 B each, claim order).
/// - `v‖evidenceId` → one byte 1: this evidence was used.
/// - `mtprice` → price in force (u64) and the height it was set for (u64); `mtpool` → tickets with locked stake
///   (u64); `mtpoolprev` → that count at the previous retarget (u64); `mtfresh` → height (u64) and tickets bought
///   in that block (u64). All integers little-endian.
public enum EconomicState {
    public static func used(_ ticket: Hash256) -> [UInt8] { [UInt8(ascii: "u")] + ticket.bytes }
    public static func fate(_ ticket: Hash256) -> [UInt8] { [UInt8(ascii: "y")] + ticket.bytes }
    public static func expiring(_ height: UInt64) -> [UInt8] {
        [UInt8(ascii: "x")] + withUnsafeBytes(of: height.bigEndian) { Array($0) }
    }
    public static func seats(_ task: Hash256) -> [UInt8] { [UInt8(ascii: "s")] + task.bytes }
    public static func evidence(_ id: Hash256) -> [UInt8] { [UInt8(ascii: "v")] + id.bytes }
    public static let price: [UInt8] = Array("mtprice".utf8)
    public static let pool: [UInt8] = Array("mtpool".utf8)
    public static let poolAtRetarget: [UInt8] = Array("mtpoolprev".utf8)
    public static let fresh: [UInt8] = Array("mtfresh".utf8)

    static func u64s(_ values: [UInt64]) -> [UInt8] {
        var w = ByteWriter(capacity: 8 * values.count)
        for v in values { w.u64(v) }
        return w.bytes
    }

    static func readU64s(_ bytes: [UInt8]?, count: Int) -> [UInt64]? {
        guard let bytes, bytes.count == 8 * count else { return nil }
        var r = ByteReader(bytes)
        return (0..<count).compactMap { _ in try? r.u64() }
    }

    static func hashes(_ bytes: [UInt8]?) -> [Hash256] {
        guard let bytes else { return [] }
        return stride(from: 0, to: bytes.count - bytes.count % 32, by: 32).compactMap {
            Hash256(bytes: Array(bytes[$0..<$0 + 32]))
        }
    }
}

/// Where a ticket's stake went once it left the owner's locked balance.
public enum TicketStakeFate: UInt8, Sendable {
    /// Returned to the owner at the expiry height.
    case released = 1
    /// Confiscated by a proven EVIDENCE.
    case slashed = 2
}
