public import PoUWCore
import PoUWCrypto

/// The coinbase: mints the block subsidy plus the block's fees to one or more outputs.
/// `height` makes every coinbase (and so every block's txRoot) unique.
public struct Coinbase: Sendable, Hashable {
    public var height: UInt64
    public var outputs: [Payout]
    /// Free bytes for the miner (at most `TransactionLimits.coinbaseExtraBytes`).
    public var extra: [UInt8]

    public init(height: UInt64, outputs: [Payout], extra: [UInt8] = []) {
        self.height = height
        self.outputs = outputs
        self.extra = extra
    }

    func encode(to writer: inout ByteWriter) {
        writer.u64(height)
        Payout.encodeList(outputs, to: &writer)
        writer.lengthPrefixed(extra)
    }

    init(from reader: inout ByteReader) throws {
        height = try reader.u64()
        outputs = try Payout.decodeList(
            from: &reader,
            field: "coinbase.outputs",
            limit: TransactionLimits.coinbaseOutputs
        )
        extra = try reader.lengthPrefixed(field: "coinbase.extra", limit: TransactionLimits.coinbaseExtraBytes)
    }

    /// Sum of the outputs, or `nil` on overflow.
    public var total: Amount? { Payout.sum(outputs) }
}

/// An amount paid to an address (coinbase outputs, task payout tables, genesis allocations).
public struct Payout: Sendable, Hashable {
    public var to: Address
    public var amount: Amount

    public init(to: Address, amount: Amount) {
        self.to = to
        self.amount = amount
    }

    static func encodeList(_ list: [Payout], to writer: inout ByteWriter) {
        writer.length(list.count)
        for p in list {
            p.to.encode(to: &writer)
            p.amount.encode(to: &writer)
        }
    }

    static func decodeList(from reader: inout ByteReader, field: String, limit: Int) throws -> [Payout] {
        let n = try reader.length(field: field, limit: limit)
        var out = [Payout]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(Payout(to: try Address(from: &reader), amount: try Amount(from: &reader))) }
        return out
    }

    /// Sum of the amounts, or `nil` on overflow.
    public static func sum(_ list: [Payout]) -> Amount? { try? Amount.sum(list.map(\.amount)) }
}
