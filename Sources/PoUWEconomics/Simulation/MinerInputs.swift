/// The inputs of the miner profitability model. Not consensus: plain `Double`s, read from JSON.
public struct MinerInputs: Sendable, Hashable, Codable {
    /// Up-front cost of the mining hardware, USD.
    public var hardwareCostUSD: Double
    /// Power drawn at the wall while mining, kW.
    public var hardwarePowerKW: Double
    /// Training throughput relative to the network's reference rig (1.0 = average rig).
    public var hardwareThroughput: Double
    public var electricityUSDPerKWh: Double
    /// Market price of one PAI, USD. Block rewards and client fees are paid in PAI, so this scales both.
    public var coinPriceUSD: Double
    /// PAI per block going to the block's miner.
    public var blockRewardPAI: Double
    public var blocksPerDay: Double
    /// Mining capacity of the whole network, in reference rigs.
    public var networkSize: Double
    /// Growth of `networkSize` per year (0.5 = +50 %/year), compounded daily.
    public var networkGrowthPerYear: Double
    /// Fraction of mining time spent on paid client tasks (the rest trains filler tasks: blocks only).
    public var paidTaskShare: Double
    /// What a client pays per hour of a task, PAI.
    public var clientFeePAIPerTaskHour: Double
    /// Participants (miners, supervisors, evaluators) a task's fee is split among, in reference rigs.
    public var paidParticipantsPerTask: Double
    /// Share of a fee reserved for supervisors and evaluators (the consensus `supervisorEvaluatorQuotaBps`).
    public var supervisorEvaluatorQuota: Double
    /// Fraction of the day the rig is mining.
    public var uptime: Double
    public var horizonDays: Double

    public init(
        hardwareCostUSD: Double,
        hardwarePowerKW: Double,
        hardwareThroughput: Double,
        electricityUSDPerKWh: Double,
        coinPriceUSD: Double,
        blockRewardPAI: Double,
        blocksPerDay: Double,
        networkSize: Double,
        networkGrowthPerYear: Double,
        paidTaskShare: Double,
        clientFeePAIPerTaskHour: Double,
        paidParticipantsPerTask: Double,
        supervisorEvaluatorQuota: Double,
        uptime: Double,
        horizonDays: Double
    ) {
        self.hardwareCostUSD = hardwareCostUSD
        self.hardwarePowerKW = hardwarePowerKW
        self.hardwareThroughput = hardwareThroughput
        self.electricityUSDPerKWh = electricityUSDPerKWh
        self.coinPriceUSD = coinPriceUSD
        self.blockRewardPAI = blockRewardPAI
        self.blocksPerDay = blocksPerDay
        self.networkSize = networkSize
        self.networkGrowthPerYear = networkGrowthPerYear
        self.paidTaskShare = paidTaskShare
        self.clientFeePAIPerTaskHour = clientFeePAIPerTaskHour
        self.paidParticipantsPerTask = paidParticipantsPerTask
        self.supervisorEvaluatorQuota = supervisorEvaluatorQuota
        self.uptime = uptime
        self.horizonDays = horizonDays
    }

    /// Every input's JSON name, in declaration order.
    public static let names = [
        "hardwareCostUSD", "hardwarePowerKW", "hardwareThroughput", "electricityUSDPerKWh", "coinPriceUSD",
        "blockRewardPAI", "blocksPerDay", "networkSize", "networkGrowthPerYear", "paidTaskShare",
        "clientFeePAIPerTaskHour", "paidParticipantsPerTask", "supervisorEvaluatorQuota", "uptime", "horizonDays",
    ]

    private static var paths: [String: WritableKeyPath<MinerInputs, Double>] {
        [
            "hardwareCostUSD": \.hardwareCostUSD, "hardwarePowerKW": \.hardwarePowerKW,
            "hardwareThroughput": \.hardwareThroughput, "electricityUSDPerKWh": \.electricityUSDPerKWh,
            "coinPriceUSD": \.coinPriceUSD, "blockRewardPAI": \.blockRewardPAI, "blocksPerDay": \.blocksPerDay,
            "networkSize": \.networkSize, "networkGrowthPerYear": \.networkGrowthPerYear,
            "paidTaskShare": \.paidTaskShare, "clientFeePAIPerTaskHour": \.clientFeePAIPerTaskHour,
            "paidParticipantsPerTask": \.paidParticipantsPerTask,
            "supervisorEvaluatorQuota": \.supervisorEvaluatorQuota, "uptime": \.uptime, "horizonDays": \.horizonDays,
        ]
    }

    /// The value of the input called `name`; throws `SimulationError.unknownInput` for other names.
    public func value(of name: String) throws(SimulationError) -> Double {
        guard let path = MinerInputs.paths[name] else { throw .unknownInput(name) }
        return self[keyPath: path]
    }

    /// A copy with the input called `name` set to `value`.
    public func setting(_ name: String, to value: Double) throws(SimulationError) -> MinerInputs {
        guard let path = MinerInputs.paths[name] else { throw .unknownInput(name) }
        var copy = self
        copy[keyPath: path] = value
        return copy
    }

    /// Throws `SimulationError.invalidInput` for a value outside its domain (negative, non-finite, a zero
    /// divisor, a fraction above 1).
    public func validate() throws(SimulationError) {
        for name in MinerInputs.names {
            let value = try value(of: name)
            guard value.isFinite, value >= 0 else { throw .invalidInput(name, "must be finite and ≥ 0") }
        }
        for name in ["hardwareCostUSD", "networkSize", "paidParticipantsPerTask", "horizonDays"]
        where try value(of: name) <= 0 {
            throw .invalidInput(name, "must be positive")
        }
        for name in ["paidTaskShare", "supervisorEvaluatorQuota", "uptime"] where try value(of: name) > 1 {
            throw .invalidInput(name, "is a fraction: at most 1")
        }
    }
}

/// Why a simulation could not run.
public enum SimulationError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownInput(String)
    case invalidInput(String, String)
    case invalidConfig(String)

    public var description: String {
        switch self {
        case .unknownInput(let name): "unknown input '\(name)' (known: \(MinerInputs.names.joined(separator: ", ")))"
        case .invalidInput(let name, let reason): "input \(name) \(reason)"
        case .invalidConfig(let reason): "invalid simulation config: \(reason)"
        }
    }
}
