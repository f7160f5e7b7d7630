public import PoUWCore
import PoUWCrypto

/// TRANSFER: moves `amount` from the signer's account to `to`.
public struct Transfer: Sendable, Hashable {
    public var to: Address
    public var amount: Amount
    /// Free bytes (at most `TransactionLimits.memoBytes`).
    public var memo: [UInt8]

    public init(to: Address, amount: Amount, memo: [UInt8] = []) {
        self.to = to
        self.amount = amount
        self.memo = memo
    }

    func encode(to writer: inout ByteWriter) {
        to.encode(to: &writer)
        amount.encode(to: &writer)
        writer.lengthPrefixed(memo)
    }

    init(from reader: inout ByteReader) throws {
        to = try Address(from: &reader)
        amount = try Amount(from: &reader)
        memo = try reader.lengthPrefixed(field: "transfer.memo", limit: TransactionLimits.memoBytes)
    }
}
