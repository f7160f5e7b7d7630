public import PoUWCore

/// Keys of the ledger's state table. Byte order of keys is the order the state hash covers them in.
///
/// `a‖address` → `AccountState`; `t‖taskId` → `TaskEscrow`; `k‖ticketId` → `TicketRecord`; `m‖name` → a u64
/// counter (`burned`: base units destroyed by slashing).
public enum StateKey {
    public static func account(_ address: Address) -> [UInt8] { [UInt8(ascii: "a")] + address.bytes }
    public static func task(_ id: Hash256) -> [UInt8] { [UInt8(ascii: "t")] + id.bytes }
    public static func ticket(_ id: Hash256) -> [UInt8] { [UInt8(ascii: "k")] + id.bytes }
    public static let burned: [UInt8] = Array("mburned".utf8)
}
