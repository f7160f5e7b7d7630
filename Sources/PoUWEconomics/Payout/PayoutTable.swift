public import PoUWCore

/// One account's part of a settlement, by source. `net = quality + work + quota + verification + refund −
/// verificationPaid` is what its balance gains (never negative: a miner pays verifiers at most what it earned).
public struct PayoutLine: Sendable, Hashable {
    public let account: Address
    /// Miner: share of the quality pool.
    public var quality: Amount
    /// Miner: share of the work pool.
    public var work: Amount
    /// Supervisor or evaluator: equal share of the quota (one per seat).
    public var quota: Amount
    /// Verifier: received from the miners whose blocks it checked.
    public var verification: Amount
    /// Miner: paid to its verifiers.
    public var verificationPaid: Amount
    /// Client: fee nobody earned.
    public var refund: Amount

    public init(
        account: Address,
        quality: Amount = .zero,
        work: Amount = .zero,
        quota: Amount = .zero,
        verification: Amount = .zero,
        verificationPaid: Amount = .zero,
        refund: Amount = .zero
    ) {
        self.account = account
        self.quality = quality
        self.work = work
        self.quota = quota
        self.verification = verification
        self.verificationPaid = verificationPaid
        self.refund = refund
    }

    /// Credits minus `verificationPaid`, in 128 bits (a decoded line is checked to be non-negative).
    public var netUnits: UInt128 {
        let credits = [quality, work, quota, verification, refund].reduce(UInt128(0)) { $0 + UInt128($1.units) }
        return credits >= UInt128(verificationPaid.units) ? credits - UInt128(verificationPaid.units) : 0
    }

    /// `netUnits` as an amount (lines produced by the rules always fit: they sum to the escrow).
    public var net: Amount { Amount(units: UInt64(clamping: netUnits)) }
}

/// The result of settling a task: one line per account, sorted by account. Guarantee (checked by `validate`):
/// the nets sum to `escrow` exactly. Canonical record 0x74 v1: `escrow u64, count varint, (account 20 B,
/// quality u64, work u64, quota u64, verification u64, verificationPaid u64, refund u64)*`, accounts strictly
/// ascending.
public struct PayoutTable: Sendable, Hashable, CanonicalCodable {
    public static let maxLines = 4096

    public let escrow: Amount
    public let lines: [PayoutLine]

    public init(escrow: Amount, lines: [PayoutLine]) {
        self.escrow = escrow
        self.lines = lines.sorted { $0.account < $1.account }
    }

    /// Sum of all nets, in 128 bits.
    public var totalPaid: UInt128 { lines.reduce(0) { $0 + $1.netUnits } }

    /// Throws `.doesNotAddUp` unless the nets sum to the escrow.
    public func validate() throws(SettlementError) {
        if totalPaid != UInt128(escrow.units) { throw .doesNotAddUp(paid: totalPaid, escrow: escrow) }
    }

    public func line(for account: Address) -> PayoutLine? { lines.first { $0.account == account } }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .payoutTable, version: 1)
        writer.u64(escrow.units)
        writer.length(lines.count)
        for line in lines {
            line.account.encode(to: &writer)
            for value in [line.quality, line.work, line.quota, line.verification, line.verificationPaid, line.refund] {
                writer.u64(value.units)
            }
        }
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .payoutTable, versions: 1...1)
        let escrow = Amount(units: try reader.u64())
        let count = try reader.length(field: "payout.lines", limit: PayoutTable.maxLines)
        var lines: [PayoutLine] = []
        for _ in 0..<count {
            let account = try Address(from: &reader)
            var values: [Amount] = []
            for _ in 0..<6 { values.append(Amount(units: try reader.u64())) }
            let line = PayoutLine(
                account: account,
                quality: values[0],
                work: values[1],
                quota: values[2],
                verification: values[3],
                verificationPaid: values[4],
                refund: values[5]
            )
            if let last = lines.last, !(last.account < line.account) {
                throw CanonicalDecodingError.invalidValue(field: "payout.lines", reason: "accounts not strictly sorted")
            }
            let credits = [line.quality, line.work, line.quota, line.verification, line.refund]
                .reduce(UInt128(0)) { $0 + UInt128($1.units) }
            guard credits >= UInt128(line.verificationPaid.units) else {
                throw CanonicalDecodingError.invalidValue(field: "payout.line", reason: "pays out more than it earns")
            }
            lines.append(line)
        }
        self.init(escrow: escrow, lines: lines)
    }
}
