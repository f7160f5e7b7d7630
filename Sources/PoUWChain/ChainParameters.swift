/// Consensus parameters of one chain. Two presets: `mainnet` (mainnet-like sizes and times) and `local`
/// (scaled down for tests and the local demo: 2-second spacing, a 10-block retarget window, an easy
/// proof-of-work limit, halving every 100 blocks).
///
/// Guarantees: a value type compared by value; every limit a validator enforces comes from here.
public struct ChainParameters: Sendable, Hashable {
    /// Short name ("mainnet", "local"), shown by tools.
    public var name: String
    /// The easiest target allowed, in compact form; genesis carries it.
    public var powLimitBits: UInt32
    /// Desired seconds between blocks.
    public var targetSpacing: UInt64
    /// Blocks between difficulty retargets (also the retarget window).
    public var retargetInterval: UInt64
    /// Subsidy of the first era, in base units (1 PAI = 10^8).
    public var initialSubsidy: UInt64
    /// Blocks per subsidy era; the subsidy halves at every multiple.
    public var halvingInterval: UInt64
    /// Number of past blocks whose median time a new block's time must exceed.
    public var medianTimeSpan: Int
    /// How far (seconds) a block's time may be ahead of the validating node's clock.
    public var maxFutureDrift: UInt64
    /// Largest canonical block encoding accepted, in bytes.
    public var maxBlockBytes: Int
    /// Most transactions in one block (coinbase included).
    public var maxBlockTransactions: Int
    /// Largest canonical transaction encoding accepted, in bytes.
    public var maxTransactionBytes: Int
    /// How many most recent blocks keep undo records: the deepest reorg the node can perform.
    public var undoHorizon: UInt64
    /// Most blocks held while their parent is unknown.
    public var orphanLimit: Int
    /// Unix time of the genesis block.
    public var genesisTime: UInt64

    /// Mainnet-like: 10-minute blocks, 2016-block windows, 50 PAI halving every 210,000 blocks.
    public static let mainnet = ChainParameters(
        name: "mainnet",
        powLimitBits: 0x1f00_ffff,
        targetSpacing: 600,
        retargetInterval: 2016,
        initialSubsidy: 50 * 100_000_000,
        halvingInterval: 210_000,
        medianTimeSpan: 11,
        maxFutureDrift: 2 * 60 * 60,
        maxBlockBytes: 4 << 20,
        maxBlockTransactions: 20_000,
        maxTransactionBytes: 256 << 10,
        undoHorizon: 2016,
        orphanLimit: 128,
        genesisTime: 1_764_000_000
    )

    /// Scaled-down for tests and the local demo: every header has a ½ chance of meeting the limit target.
    public static let local = ChainParameters(
        name: "local",
        powLimitBits: 0x207f_ffff,
        targetSpacing: 2,
        retargetInterval: 10,
        initialSubsidy: 50 * 100_000_000,
        halvingInterval: 100,
        medianTimeSpan: 11,
        maxFutureDrift: 60,
        maxBlockBytes: 4 << 20,
        maxBlockTransactions: 20_000,
        maxTransactionBytes: 256 << 10,
        undoHorizon: 64,
        orphanLimit: 64,
        genesisTime: 1_764_000_000
    )

    /// The coinbase subsidy of the block at `height` (0 after 64 halvings).
    public func subsidy(atHeight height: UInt64) -> UInt64 {
        let era = height / halvingInterval
        return era >= 64 ? 0 : initialSubsidy >> era
    }

    /// Sum of all subsidies for heights 1...height (genesis pays no subsidy).
    public func cumulativeSubsidy(throughHeight height: UInt64) -> UInt64 {
        var total: UInt64 = 0
        var start: UInt64 = 1
        while start <= height {
            let era = start / halvingInterval
            let eraEnd = min(height, (era + 1) * halvingInterval - 1)
            let s = subsidy(atHeight: start)
            if s == 0 { break }
            total += s * (eraEnd - start + 1)
            start = eraEnd + 1
        }
        return total
    }
}
