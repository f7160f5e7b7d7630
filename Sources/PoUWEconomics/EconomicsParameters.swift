public import PoUWCore

/// Every number the economics rules depend on, configurable per chain. Two presets: `paiMainnet` (Project PAI's
/// mainnet stake parameters, `src/chainparams.cpp` of `projectpai/paicoin`) and `local` (PAI's regtest scale, for
/// demos and tests). `validate()` guarantees the invariants the rules rely on (no zero divisors, basis points
/// ≤ 10 000); the canonical decoder enforces it.
public struct EconomicsParameters: Sendable, Hashable, CanonicalCodable {
    /// Target number of live tickets per role pool divided by tickets per block (PAI `nTicketPoolSize`).
    public var ticketPoolTarget: UInt32
    /// Tickets called per block in PAI (`nTicketsPerBlock`); here it scales the price rule's target pool.
    public var ticketsPerBlock: UInt32
    /// Blocks after purchase before a ticket can be used (`nTicketMaturity`).
    public var ticketMaturity: UInt32
    /// Blocks a mature ticket stays live; at maturity + expiry an unused ticket's stake is returned.
    public var ticketExpiry: UInt32
    /// The ticket price changes only at heights that are multiples of this window (`nStakeDiffWindowSize`).
    public var priceWindow: UInt32
    /// Lower clamp of the ticket price, base units (`nMinimumStakeDiff`).
    public var minimumTicketPrice: Amount
    /// At most this many tickets may be bought in one block (`nMaxFreshStakePerBlock`).
    public var maxFreshTicketsPerBlock: UInt32
    /// A ticket's weight in selection is `floor(stake / price)` lots, capped here (our addition, see Docs).
    public var maxLotsPerTicket: UInt32
    /// Share of the miners' pool paid by evaluated model quality (the rest is paid by verified iterations).
    public var qualityWeightBps: UInt32
    /// Share of the client's fee reserved for supervisors and evaluators, split equally among their seats.
    public var supervisorEvaluatorQuotaBps: UInt32
    /// What a miner pays a verifier for each of its blocks the verifier checked, base units.
    public var verifierFeePerBlock: Amount
    /// Block subsidy at height 0, base units; halves every `subsidyHalvingInterval` blocks.
    public var initialBlockSubsidy: Amount
    public var subsidyHalvingInterval: UInt64

    public init(
        ticketPoolTarget: UInt32,
        ticketsPerBlock: UInt32,
        ticketMaturity: UInt32,
        ticketExpiry: UInt32,
        priceWindow: UInt32,
        minimumTicketPrice: Amount,
        maxFreshTicketsPerBlock: UInt32,
        maxLotsPerTicket: UInt32,
        qualityWeightBps: UInt32,
        supervisorEvaluatorQuotaBps: UInt32,
        verifierFeePerBlock: Amount,
        initialBlockSubsidy: Amount,
        subsidyHalvingInterval: UInt64
    ) {
        self.ticketPoolTarget = ticketPoolTarget
        self.ticketsPerBlock = ticketsPerBlock
        self.ticketMaturity = ticketMaturity
        self.ticketExpiry = ticketExpiry
        self.priceWindow = priceWindow
        self.minimumTicketPrice = minimumTicketPrice
        self.maxFreshTicketsPerBlock = maxFreshTicketsPerBlock
        self.maxLotsPerTicket = maxLotsPerTicket
        self.qualityWeightBps = qualityWeightBps
        self.supervisorEvaluatorQuotaBps = supervisorEvaluatorQuotaBps
        self.verifierFeePerBlock = verifierFeePerBlock
        self.initialBlockSubsidy = initialBlockSubsidy
        self.subsidyHalvingInterval = subsidyHalvingInterval
    }

    /// PAI mainnet: pool 8192, 5 per block, maturity 256, expiry 5 × 8192 = 40960, window 144, minimum price
    /// 2 PAI, at most 20 fresh tickets per block, 1500 PAI subsidy halving every 210 000 blocks (paicoin
    /// `chainparams.cpp`). Lot cap, payout weights and verifier fee are ours.
    public static let paiMainnet = EconomicsParameters(
        ticketPoolTarget: 8192,
        ticketsPerBlock: 5,
        ticketMaturity: 256,
        ticketExpiry: 40960,
        priceWindow: 144,
        minimumTicketPrice: Amount(units: 2 * Amount.unitsPerPAI),
        maxFreshTicketsPerBlock: 20,
        maxLotsPerTicket: 64,
        qualityWeightBps: 5000,
        supervisorEvaluatorQuotaBps: 1000,
        verifierFeePerBlock: Amount(units: Amount.unitsPerPAI / 10),
        initialBlockSubsidy: Amount(units: 1500 * Amount.unitsPerPAI),
        subsidyHalvingInterval: 210_000
    )

    /// Local networks (demo, tests): PAI regtest's scale — pool 64, maturity 8, window 8 — with an expiry of 4096 blocks
    /// (a demo mines several blocks a second and must settle before its seat tickets expire), a
    /// 0.2 PAI minimum price and a faster halving.
    public static let local = EconomicsParameters(
        ticketPoolTarget: 64,
        ticketsPerBlock: 5,
        ticketMaturity: 8,
        ticketExpiry: 4096,
        priceWindow: 8,
        minimumTicketPrice: Amount(units: Amount.unitsPerPAI / 5),
        maxFreshTicketsPerBlock: 20,
        maxLotsPerTicket: 16,
        qualityWeightBps: 5000,
        supervisorEvaluatorQuotaBps: 1000,
        verifierFeePerBlock: Amount(units: Amount.unitsPerPAI / 100),
        initialBlockSubsidy: Amount(units: 1500 * Amount.unitsPerPAI),
        subsidyHalvingInterval: 10_000
    )

    /// PAI's target pool size including immature tickets: `ticketsPerBlock × (poolTarget + maturity)`.
    public var targetPoolSizeAll: UInt64 {
        UInt64(ticketsPerBlock) * (UInt64(ticketPoolTarget) + UInt64(ticketMaturity))
    }

    /// Throws `CanonicalDecodingError.invalidValue` naming the first field outside its domain.
    public func validate() throws {
        func require(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw CanonicalDecodingError.invalidValue(field: field, reason: reason) }
        }
        try require(ticketPoolTarget > 0, "ticketPoolTarget", "must be positive")
        try require(ticketsPerBlock > 0, "ticketsPerBlock", "must be positive")
        try require(ticketExpiry > 0, "ticketExpiry", "must be positive")
        try require(priceWindow > 0, "priceWindow", "must be positive")
        try require(minimumTicketPrice.units > 0, "minimumTicketPrice", "must be positive")
        try require(maxFreshTicketsPerBlock > 0, "maxFreshTicketsPerBlock", "must be positive")
        try require(maxLotsPerTicket > 0, "maxLotsPerTicket", "must be positive")
        try require(qualityWeightBps <= 10_000, "qualityWeightBps", "more than 10000 basis points")
        try require(
            supervisorEvaluatorQuotaBps <= 10_000,
            "supervisorEvaluatorQuotaBps",
            "more than 10000 basis points"
        )
        try require(subsidyHalvingInterval > 0, "subsidyHalvingInterval", "must be positive")
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .economicsParameters, version: 1)
        writer.u32(ticketPoolTarget)
        writer.u32(ticketsPerBlock)
        writer.u32(ticketMaturity)
        writer.u32(ticketExpiry)
        writer.u32(priceWindow)
        writer.u64(minimumTicketPrice.units)
        writer.u32(maxFreshTicketsPerBlock)
        writer.u32(maxLotsPerTicket)
        writer.u32(qualityWeightBps)
        writer.u32(supervisorEvaluatorQuotaBps)
        writer.u64(verifierFeePerBlock.units)
        writer.u64(initialBlockSubsidy.units)
        writer.u64(subsidyHalvingInterval)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .economicsParameters, versions: 1...1)
        self.init(
            ticketPoolTarget: try reader.u32(),
            ticketsPerBlock: try reader.u32(),
            ticketMaturity: try reader.u32(),
            ticketExpiry: try reader.u32(),
            priceWindow: try reader.u32(),
            minimumTicketPrice: Amount(units: try reader.u64()),
            maxFreshTicketsPerBlock: try reader.u32(),
            maxLotsPerTicket: try reader.u32(),
            qualityWeightBps: try reader.u32(),
            supervisorEvaluatorQuotaBps: try reader.u32(),
            verifierFeePerBlock: Amount(units: try reader.u64()),
            initialBlockSubsidy: Amount(units: try reader.u64()),
            subsidyHalvingInterval: try reader.u64()
        )
        try validate()
    }
}
