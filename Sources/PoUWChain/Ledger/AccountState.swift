public import PoUWCore

/// One account of the ledger: spendable balance, the next sequence number it must sign with, and stake locked by
/// tickets. Canonical: tag `accountState` (0x13), version 1, `balance u64, sequence u64, locked u64`.
public struct AccountState: Sendable, Hashable, CanonicalCodable {
    public var balance: Amount
    public var sequence: UInt64
    public var locked: Amount

    public init(balance: Amount = .zero, sequence: UInt64 = 0, locked: Amount = .zero) {
        self.balance = balance
        self.sequence = sequence
        self.locked = locked
    }

    public static let empty = AccountState()

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .accountState, version: 1)
        balance.encode(to: &writer)
        writer.u64(sequence)
        locked.encode(to: &writer)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .accountState, versions: 1...1)
        balance = try Amount(from: &reader)
        sequence = try reader.u64()
        locked = try Amount(from: &reader)
    }
}
