public import PoUWCore

/// One account's part of a settlement, by source. `net = quality + work + quota + verification + refund −
/// verificationPaid` is what its balance gains.
public struct PayoutLine: Sendable, Hashable {
    public let account: AccountID
    public var quality: UInt64 = 0
    public var work: UInt64 = 0
    public var quota: UInt64 = 0
    /// Received as a verifier.
    public var verification: UInt64 = 0
    /// Paid as a miner to its verifiers (never more than quality + work).
    public var verificationPaid: UInt64 = 0
    /// Returned to the client (fee nobody earned).
    public var refund: UInt64 = 0

    public init(account: AccountID) { self.account = account }

    public var net: UInt64 { quality + work + quota + verification + refund - verificationPaid }
}

/// The result of settling a task: one line per account, sorted by account. Guarantee (checked by `validate`):
/// the nets sum to `escrow` exactly. Canonical record 0x74 v1: `escrow u64, count varint, (account 20 B,
/// quality u64, work u64, quota u64, verification u64, verificationPaid u64, refund u64)*`.
public struct PayoutTable: Sendable, Hashable, CanonicalCodable {
    public static let maxLines = 4096

    public let escrow: UInt64
    public let lines: [PayoutLine]

    public init(escrow: UInt64, lines: [PayoutLine]) {
        self.escrow = escrow
        self.lines = lines.sorted { $0.account < $1.account }
    }

    /// Sum of all nets, in 128 bits.
    public var totalPaid: UInt128 { lines.reduce(0) { $0 + UInt128($1.net) } }

    /// Throws `.doesNotAddUp` unless the nets sum to the escrow.
    public func validate() throws(SettlementError) {
        if totalPaid != UInt128(escrow) { throw .doesNotAddUp(paid: totalPaid, escrow: escrow) }
    }

    public func line(for account: AccountID) -> PayoutLine? { lines.first { $0.account == account } }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .payoutTable, version: 1)
        writer.u64(escrow)
        writer.length(lines.count)
        for line in lines {
            line.account.encode(to: &writer)
            for value in [line.quality, line.work, line.quota, line.verification, line.verificationPaid, line.refund] {
                writer.u64(value)
            }
        }
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .payoutTable, versions: 1...1)
        let escrow = try reader.u64()
        let count = try reader.length(field: "payout.lines", limit: PayoutTable.maxLines)
        var lines: [PayoutLine] = []
        for _ in 0..<count {
            var line = PayoutLine(account: try AccountID.decode(from: &reader))
            line.quality = try reader.u64()
            line.work = try reader.u64()
            line.quota = try reader.u64()
            line.verification = try reader.u64()
            line.verificationPaid = try reader.u64()
            line.refund = try reader.u64()
            if let last = lines.last, !(last.account < line.account) {
                throw CanonicalDecodingError.invalidValue(field: "payout.lines", reason: "accounts not strictly sorted")
            }
            let credits = BaseUnits.sum([line.quality, line.work, line.quota, line.verification, line.refund])
            guard let credits, credits >= line.verificationPaid else {
                throw CanonicalDecodingError.invalidValue(field: "payout.line", reason: "credits overflow or negative")
            }
            lines.append(line)
        }
        self.init(escrow: escrow, lines: lines)
    }
}
